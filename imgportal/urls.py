from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from imgportal import views

# The admin signs in through allauth: the same rate limits, the same 2FA step.
# Django's own admin login form takes a password alone.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/deep", views.healthz_deep, name="healthz_deep"),
    path("system/", views.SystemView.as_view(), name="system"),
    path("ping", views.ping, name="ping"),
    path("ping/me", views.ping_signed_in, name="ping_signed_in"),
    path("group.css", views.group_css, name="group_css"),
    path("members/", include("members.urls")),
    # Email choices and unsubscribe links keep the /newsletters/ paths that
    # emails already in inboxes carry.
    path("newsletters/", include("notifications.urls")),
    path("newsletters/", include("newsletters.urls")),
    path("events/", include("events.urls")),
    path("handbook/", include("handbook.urls")),
    path("status/", include("tracker.urls")),
    path("leadership/", include("leadership.urls")),
    path("contacts/", include("contacts.urls")),
    path("mentorship/", include("mentorship.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
