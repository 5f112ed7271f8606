from django.urls import path

from contacts import views

app_name = "contacts"
urlpatterns = [
    path("", views.ContactListView.as_view(), name="list"),
    path("new/", views.ContactFormView.as_view(), name="create"),
    path("<int:pk>/", views.ContactFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.ContactDeleteView.as_view(), name="delete"),
    path(
        "<int:pk>/contacted-today/",
        views.ContactTouchView.as_view(),
        name="logged_today",
    ),
    path("contacts.csv", views.ContactExportView.as_view(), name="export"),
    path("import/", views.ContactImportView.as_view(), name="import"),
    path(
        "import/<int:pk>/",
        views.ContactImportDetailView.as_view(),
        name="import_detail",
    ),
]
