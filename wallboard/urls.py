from django.contrib import admin
from django.urls import include, path

from wallboard.board.signin import ThrottledLoginView

urlpatterns = [
    path("", include("wallboard.board.urls")),
    path("contacts/", include("wallboard.contacts.urls")),
    # sign-in with a limit on password guessing, before Django's own views take the rest
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
