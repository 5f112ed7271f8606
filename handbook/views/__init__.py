"""The handbook's pages, one module per job (as `members/views/`)."""

from handbook.views.editing import (  # noqa: F401
    AttachmentDeleteView,
    ChapterFormView,
    EditorsView,
    PageCreateView,
    PageEditView,
    PageSettingsView,
    PageVerifyView,
)
from handbook.views.history import (  # noqa: F401
    DiffView,
    PageAsOfView,
    PageHistoryView,
    ReviewsView,
    RevisionRestoreView,
    RevisionReviewView,
    RevisionView,
)
from handbook.views.reading import (  # noqa: F401
    ChangesView,
    ChapterPrintView,
    ChapterView,
    HandbookIndexView,
    PageSuggestView,
    PageView,
    SearchView,
    TimelineListView,
    WatchView,
)
from handbook.views.timelines import (  # noqa: F401
    TimelineDeleteView,
    TimelineFormView,
    TimelineHistoryView,
)
from handbook.views.tools import (  # noqa: F401
    AttachmentView,
    PreviewView,
)
