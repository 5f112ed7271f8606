from django.urls import path

from handbook import views

app_name = "handbook"
page = "<slug:chapter_slug>/<slug:page_slug>/"
urlpatterns = [
    path("", views.HandbookIndexView.as_view(), name="index"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("reviews/", views.ReviewsView.as_view(), name="reviews"),
    path("editors/", views.EditorsView.as_view(), name="editors"),
    path("diff/", views.DiffView.as_view(), name="diff"),
    path("preview/", views.PreviewView.as_view(), name="preview"),
    path("files/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path("chapters/new/", views.ChapterFormView.as_view(), name="chapter_create"),
    path("revisions/<int:pk>/", views.RevisionView.as_view(), name="revision"),
    path(
        "revisions/<int:pk>/review/",
        views.RevisionReviewView.as_view(),
        name="revision_review",
    ),
    path(
        "revisions/<int:pk>/restore/",
        views.RevisionRestoreView.as_view(),
        name="revision_restore",
    ),
    path("visa-timelines/", views.TimelineListView.as_view(), name="timelines"),
    path(
        "visa-timelines/new/", views.TimelineFormView.as_view(), name="timeline_create"
    ),
    path(
        "visa-timelines/history/",
        views.TimelineHistoryView.as_view(),
        name="timeline_history",
    ),
    path(
        "visa-timelines/<int:pk>/edit/",
        views.TimelineFormView.as_view(),
        name="timeline_edit",
    ),
    path(
        "visa-timelines/<int:pk>/delete/",
        views.TimelineDeleteView.as_view(),
        name="timeline_delete",
    ),
    path("<slug:chapter_slug>/", views.ChapterView.as_view(), name="chapter"),
    path(
        "<slug:chapter_slug>/edit/",
        views.ChapterFormView.as_view(),
        name="chapter_edit",
    ),
    path(
        "<slug:chapter_slug>/print/",
        views.ChapterPrintView.as_view(),
        name="chapter_print",
    ),
    path("<slug:chapter_slug>/watch/", views.WatchView.as_view(), name="chapter_watch"),
    path(
        "<slug:chapter_slug>/new/", views.PageCreateView.as_view(), name="page_create"
    ),
    path(page, views.PageView.as_view(), name="page"),
    path(page + "edit/", views.PageEditView.as_view(), name="page_edit"),
    path(page + "suggest/", views.PageSuggestView.as_view(), name="page_suggest"),
    path(page + "history/", views.PageHistoryView.as_view(), name="page_history"),
    path(page + "as-of/", views.PageAsOfView.as_view(), name="page_as_of"),
    path(page + "settings/", views.PageSettingsView.as_view(), name="page_settings"),
    path(page + "verify/", views.PageVerifyView.as_view(), name="page_verify"),
    path(page + "watch/", views.WatchView.as_view(), name="page_watch"),
    path(
        page + "files/<int:pk>/delete/",
        views.AttachmentDeleteView.as_view(),
        name="attachment_delete",
    ),
]
