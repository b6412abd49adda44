from django.urls import path

from wallboard.agents.views import change_status
from wallboard.board import views

urlpatterns = [
    path("", views.board, name="board"),
    path("display/<str:token>/", views.display, name="display"),
    path("agents/status", change_status, name="change_status"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
