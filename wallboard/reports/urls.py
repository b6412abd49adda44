from django.urls import path

from wallboard.reports import agents, pages, views

urlpatterns = [
    path("", pages.reports, name="reports"),
    path("agents/", agents.agents_report, name="agents_report"),
    path("calls/", views.calls, name="call_log"),
    path("cdr/<str:secret>/", views.cdr, name="reports_cdr"),
]
