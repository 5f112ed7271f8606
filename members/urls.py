from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("pending/", views.PendingView.as_view(), name="pending"),
    path("join-requests/", views.JoinRequestListView.as_view(), name="join_requests"),
    path(
        "join-requests/<int:pk>/decision/",
        views.JoinRequestDecisionView.as_view(),
        name="join_request_decide",
    ),
]
