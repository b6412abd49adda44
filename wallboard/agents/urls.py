from django.urls import path

from wallboard.agents import views

urlpatterns = [
    path("status", views.change_status, name="change_status"),
]
