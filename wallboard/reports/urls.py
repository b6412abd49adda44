from django.urls import path

from wallboard.reports import pages, views

urlpatterns = [
    path("", pages.reports, name="reports"),
    path("calls/", views.calls, name="call_log"),
    path("cdr/<str:secret>/", views.cdr, name="reports_cdr"),
]
