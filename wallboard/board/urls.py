from django.urls import path

from wallboard.board import views

urlpatterns = [
    path("", views.board, name="board"),
    path("display/<str:token>/", views.display, name="display"),
]
