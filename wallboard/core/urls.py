"""The site's own pages: sign-in (ours and the admin's, with the limits and back-pressure of
``wallboard/core/signin.py``), Django's account pages for the rest, the health checks and the
metrics."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from wallboard.core import language, signin, views

# Password reset mails a link, so its pages exist only when e-mail is configured (EMAIL_HOST);
# without it they are 404 and the sign-in page offers no "forgot password" link.
password_reset = [
    path(route, view.as_view(), name=name)
    for route, view, name in (
        ("accounts/password_reset/", auth_views.PasswordResetView, "password_reset"),
        ("accounts/password_reset/done/", auth_views.PasswordResetDoneView, "password_reset_done"),
        ("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView,
         "password_reset_confirm"),
        ("accounts/reset/done/", auth_views.PasswordResetCompleteView, "password_reset_complete"),
    )
]  # fmt: skip

admin.site.login_form = signin.AdminSignInForm

urlpatterns = [
    path("accounts/login/", signin.guarded(signin.SignInView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(),
         name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    *(password_reset if settings.EMAIL_HOST else []),
    path("admin/login/", signin.guarded(admin.site.login)),  # before the admin's own route
    path("accounts/language", language.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]  # fmt: skip
