from django.urls import path

from mentorship import views

app_name = "mentorship"
urlpatterns = [
    path("", views.HubView.as_view(), name="hub"),
    path("mentor-profile/", views.MentorProfileView.as_view(), name="profile"),
    path("request/", views.RequestView.as_view(), name="request"),
    path("mentors/", views.MentorCardsView.as_view(), name="mentors"),
    path("mentors/<int:pk>/ask/", views.AskMentorView.as_view(), name="ask"),
    path("matches/<int:pk>/", views.MatchView.as_view(), name="match"),
    path(
        "matches/<int:pk>/action/", views.MatchActionView.as_view(), name="match_action"
    ),
    path("answer/<str:token>/", views.AnswerLinkView.as_view(), name="answer"),
    path("rounds/", views.RoundsView.as_view(), name="rounds"),
    path("rounds/<int:pk>/", views.RoundView.as_view(), name="round"),
    path(
        "rounds/<int:pk>/progress/",
        views.RoundProgressView.as_view(),
        name="round_progress",
    ),
    path("proposals/<int:pk>/swap/", views.SwapView.as_view(), name="swap"),
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("overview.csv", views.OverviewCsvView.as_view(), name="overview_csv"),
    path("bars/", views.BarsView.as_view(), name="bars"),
]
