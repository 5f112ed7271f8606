from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("", views.MemberDirectoryView.as_view(), name="directory"),
    path("pending/", views.PendingView.as_view(), name="pending"),
    path("no-profile/", views.NoProfileView.as_view(), name="no_profile"),
    path("about/", views.AboutView.as_view(), name="about"),
    # The signed-in member's own pages.
    path("me/", views.OwnProfileRedirectView.as_view(), name="me"),
    path("me/edit/", views.OwnProfileEditView.as_view(), name="profile_edit"),
    path("me/data.json", views.MyDataView.as_view(), name="my_data"),
    path("me/data/", views.MyDataPageView.as_view(), name="my_data_page"),
    path("me/delete/", views.DeletionRequestView.as_view(), name="deletion_request"),
    path(
        "me/leadership/add/",
        views.LeadershipRoleFormView.as_view(),
        name="leadership_add",
    ),
    path(
        "me/leadership/<int:pk>/edit/",
        views.LeadershipRoleFormView.as_view(),
        name="leadership_edit",
    ),
    path(
        "me/leadership/<int:pk>/delete/",
        views.LeadershipRoleDeleteView.as_view(),
        name="leadership_delete",
    ),
    path("me/leadership/cv/", views.LeadershipCVView.as_view(), name="leadership_cv"),
    path(
        "me/leadership.csv",
        views.LeadershipPortfolioCSVView.as_view(),
        name="leadership_csv",
    ),
    # Co-leads and GME staff.
    path("manage/", views.MemberListView.as_view(), name="manage"),
    path("manage/bulk/", views.MemberBulkActionView.as_view(), name="bulk"),
    path("manage/export.csv", views.MemberExportView.as_view(), name="export"),
    path("manage/import/", views.RosterImportView.as_view(), name="import"),
    path(
        "manage/import/<int:pk>/",
        views.RosterImportDetailView.as_view(),
        name="import_detail",
    ),
    path(
        "manage/import/<int:pk>/progress/",
        views.RosterImportProgressView.as_view(),
        name="import_progress",
    ),
    path("manage/rollover/", views.RolloverView.as_view(), name="rollover"),
    path(
        "manage/rollover/<int:pk>/undo/",
        views.RolloverUndoView.as_view(),
        name="rollover_undo",
    ),
    path("dashboard/", views.MemberDashboardView.as_view(), name="dashboard"),
    path("join-requests/", views.JoinRequestListView.as_view(), name="join_requests"),
    path(
        "join-requests/<int:pk>/decision/",
        views.JoinRequestDecisionView.as_view(),
        name="join_request_decide",
    ),
    path(
        "deletion-requests/",
        views.DeletionRequestListView.as_view(),
        name="deletion_requests",
    ),
    path(
        "deletion-requests/<int:pk>/decision/",
        views.DeletionRequestDecisionView.as_view(),
        name="deletion_request_decide",
    ),
    path("handoff/", views.HandoffView.as_view(), name="handoff"),
    path(
        "handoff/<int:pk>/step-down/",
        views.HandoffStepDownView.as_view(),
        name="handoff_step_down",
    ),
    path(
        "handoff/invitations/<int:pk>/",
        views.HandoffAnswerView.as_view(),
        name="handoff_answer",
    ),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.MemberEditView.as_view(), name="edit"),
]
