from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("wallboard.board.urls")),
    path("contacts/", include("wallboard.contacts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
