from django.urls import path

from newsletters import views

app_name = "newsletters"
urlpatterns = [
    path("", views.NewsletterArchiveView.as_view(), name="archive"),
    path("<int:pk>/", views.NewsletterDetailView.as_view(), name="detail"),
    path("manage/", views.NewsletterManageListView.as_view(), name="manage"),
    path("manage/new/", views.NewsletterFormView.as_view(), name="create"),
    path(
        "manage/<int:pk>/",
        views.NewsletterManageDetailView.as_view(),
        name="manage_detail",
    ),
    path(
        "manage/<int:pk>/progress/",
        views.NewsletterProgressView.as_view(),
        name="manage_progress",
    ),
    path("manage/<int:pk>/edit/", views.NewsletterFormView.as_view(), name="edit"),
    path(
        "manage/<int:pk>/email/",
        views.NewsletterEmailPreviewView.as_view(),
        name="manage_email",
    ),
    path(
        "manage/<int:pk>/email.html",
        views.NewsletterEmailRawView.as_view(),
        name="manage_email_raw",
    ),
]
