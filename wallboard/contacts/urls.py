from django.urls import path

from wallboard.contacts import views

urlpatterns = [
    path("", views.contacts, name="contacts"),
    path("call", views.call, name="contacts_call"),
    path("hangup", views.hang_up, name="contacts_hangup"),
    path("import", views.import_page, name="contacts_import"),
    path("<int:pk>/", views.contact_page, name="contact"),
    path("lookup", views.lookup, name="contacts_lookup"),
    path("popup/<str:secret>/", views.voicenter_popup, name="contacts_popup"),
]
