from django.urls import path

from tracker import views

app_name = "tracker"
urlpatterns = [
    path("", views.StatusView.as_view(), name="status"),
    path("documents/new/", views.DocumentFormView.as_view(), name="document_create"),
    path("documents/<int:pk>/", views.DocumentFormView.as_view(), name="document_edit"),
    path(
        "documents/<int:pk>/delete/",
        views.DocumentDeleteView.as_view(),
        name="document_delete",
    ),
    path("trips/new/", views.TripFormView.as_view(), name="trip_create"),
    path("trips/<int:pk>/", views.TripFormView.as_view(), name="trip_edit"),
    path("trips/<int:pk>/delete/", views.TripDeleteView.as_view(), name="trip_delete"),
    path("checklist/", views.ChecklistView.as_view(), name="checklist"),
    path("sharing/", views.SharingView.as_view(), name="sharing"),
    path("totals/", views.TotalsView.as_view(), name="totals"),
]
