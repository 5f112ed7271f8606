from django.contrib import admin
from django.urls import include, path

from imgportal import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("members/", include("members.urls")),
    path("newsletters/", include("newsletters.urls")),
    path("events/", include("events.urls")),
    path("handbook/", include("handbook.urls")),
    path("status/", include("tracker.urls")),
    path("mentorship/", include("mentorship.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
