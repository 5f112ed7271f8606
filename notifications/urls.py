"""Mounted under /newsletters/ (see imgportal/urls.py): the unsubscribe links in
emails already sent, and the preferences link in every email, point there."""

from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path(
        "unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"
    ),
]
