"""The events app's pages, one module per job (as `members/views/`)."""

from events.views.attendees import (  # noqa: F401
    ApprovalView,
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
    SeriesIcsView,
)
from events.views.messages import EventMessageView  # noqa: F401
from events.views.organising import (  # noqa: F401
    EventActionView,
    EventCopyView,
    EventFormView,
    EventRepeatView,
    RemindersView,
    ReportCsvView,
    ReportPrintView,
    ReportView,
)
from events.views.public import event_detail, event_list  # noqa: F401
from events.views.running import (  # noqa: F401
    CheckinView,
    CodeCheckinView,
    FeedbackResultsView,
    FeedbackView,
    WaitlistView,
)
