from django.urls import path

from wallboard.callbacks import views

urlpatterns = [
    path("", views.page, name="callbacks"),
    path("list", views.listing, name="callbacks_list"),
    path("call", views.call_back, name="callbacks_call"),
]
