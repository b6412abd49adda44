from django.contrib import admin
from django.urls import include, path

from wallboard import views

urlpatterns = [
    path("", views.board, name="board"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
