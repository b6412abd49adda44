from django.urls import path

from wallboard.contacts import views

urlpatterns = [
    path("", views.contacts, name="contacts"),
    path("call", views.call, name="contacts_call"),
    path("hangup", views.hang_up, name="contacts_hangup"),
    path("import", views.import_page, name="contacts_import"),
]
