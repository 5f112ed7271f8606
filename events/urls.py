from django.urls import path

from events import views
from events.views import email_preview

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("calendar/", views.EventCalendarView.as_view(), name="calendar"),
    path("my-calendar/", views.MyCalendarView.as_view(), name="my_calendar"),
    path("feed/<str:token>.ics", views.CalendarFeedView.as_view(), name="feed"),
    path("offers/<str:token>/", views.OfferView.as_view(), name="offer"),
    path("new/", views.EventFormView.as_view(), name="create"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("report.csv", views.ReportCsvView.as_view(), name="report_csv"),
    path("report/print/", views.ReportPrintView.as_view(), name="report_print"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>.ics", views.EventIcsView.as_view(), name="ics"),
    path("<int:pk>/rsvp/", views.EventRsvpView.as_view(), name="rsvp"),
    path("<int:pk>/edit/", views.EventFormView.as_view(), name="edit"),
    path("<int:pk>/copy/", views.EventCopyView.as_view(), name="copy"),
    path("<int:pk>/repeat/", views.EventRepeatView.as_view(), name="repeat"),
    path("<int:pk>/series.ics", views.SeriesIcsView.as_view(), name="series_ics"),
    path("<int:pk>/action/", views.EventActionView.as_view(), name="action"),
    path("<int:pk>/reminders/", views.RemindersView.as_view(), name="reminders"),
    path("<int:pk>/check-in/", views.CheckinView.as_view(), name="checkin"),
    path(
        "<int:pk>/check-in/code/", views.CodeCheckinView.as_view(), name="code_checkin"
    ),
    path("<int:pk>/questions/", views.QuestionsView.as_view(), name="questions"),
    path("<int:pk>/attendees/", views.AttendeesView.as_view(), name="attendees"),
    path("<int:pk>/approval/", views.ApprovalView.as_view(), name="approval"),
    path(
        "<int:pk>/attendees.csv", views.AttendeesCsvView.as_view(), name="attendees_csv"
    ),
    path(
        "<int:pk>/sign-in-sheet/", views.SignInSheetView.as_view(), name="sign_in_sheet"
    ),
    path("<int:pk>/message/", views.EventMessageView.as_view(), name="message"),
    path(
        "<int:pk>/message/email/",
        email_preview.MessageEmailView.as_view(),
        name="message_email",
    ),
    path(
        "<int:pk>/message/email.html",
        email_preview.MessageEmailRawView.as_view(),
        name="message_email_raw",
    ),
    path(
        "<int:pk>/announcement/email/",
        email_preview.AnnouncementEmailView.as_view(),
        name="announcement_email",
    ),
    path(
        "<int:pk>/announcement/email.html",
        email_preview.AnnouncementEmailRawView.as_view(),
        name="announcement_email_raw",
    ),
    path("<int:pk>/waitlist/", views.WaitlistView.as_view(), name="waitlist"),
    path("<int:pk>/feedback/", views.FeedbackView.as_view(), name="feedback"),
    path(
        "<int:pk>/feedback/results/",
        views.FeedbackResultsView.as_view(),
        name="feedback_results",
    ),
]
