"""The events app's pages, one module per job (as `members/views/`)."""

from events.views.attendees import (  # noqa: F401
    AttendeesCsvView,
    AttendeesView,
    QuestionsView,
    SignInSheetView,
)
from events.views.browsing import (  # noqa: F401
    CalendarFeedView,
    EventCalendarView,
    EventDetailView,
    EventIcsView,
    EventListView,
    EventRsvpView,
    MyCalendarView,
    OfferView,
)
from events.views.organising import (  # noqa: F401
    EventActionView,
    EventFormView,
    RemindersView,
    ReportCsvView,
    ReportView,
)
from events.views.running import (  # noqa: F401
    CheckinView,
    CodeCheckinView,
    FeedbackResultsView,
    FeedbackView,
    WaitlistView,
)
