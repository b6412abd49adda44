"""The site's URLs: each app routes its own (``docs/architecture.md``)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("wallboard.core.urls")),  # sign-in, health checks (before the admin's)
    path("", include("wallboard.board.urls")),
    path("agents/", include("wallboard.agents.urls")),
    path("contacts/", include("wallboard.contacts.urls")),
    path("callbacks/", include("wallboard.callbacks.urls")),
    path("reports/", include("wallboard.reports.urls")),
    path("admin/", admin.site.urls),
]

# Any other failure: "something went wrong" in words, as a page or as JSON.
handler500 = "wallboard.core.errors.server_error"
