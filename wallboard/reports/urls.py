from django.urls import path

from wallboard.reports import views

urlpatterns = [
    path("calls/", views.calls, name="call_log"),
    path("cdr/<str:secret>/", views.cdr, name="reports_cdr"),
]
