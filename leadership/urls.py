from django.urls import path

from leadership import views

app_name = "leadership"
urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("new/", views.OpeningFormView.as_view(), name="create"),
    path("suggest/", views.OpeningFormView.as_view(suggest=True), name="suggest"),
    path("suggestions/", views.SuggestionsView.as_view(), name="suggestions"),
    path("shortlist/", views.ShortlistView.as_view(), name="shortlist"),
    path("<int:pk>/", views.OpeningDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OpeningFormView.as_view(), name="edit"),
    path("<int:pk>/action/", views.OpeningActionView.as_view(), name="action"),
    path("<int:pk>/save/", views.ShortlistSaveView.as_view(), name="save"),
    path("<int:pk>/got-it/", views.GotRoleView.as_view(), name="got_it"),
]
