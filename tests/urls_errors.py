"""A URL conf for tests only (ROOT_URLCONF is overridden): a view that breaks
while a member's data is in the request, the way a real bug would."""

from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def boom(request):
    note = request.POST.get("note", "")
    email = request.POST.get("email", "")
    raise ValueError(f"could not file the note for {email}: {len(note)} characters")


urlpatterns = [
    path("boom/", boom, name="boom"),
    path("", include("imgportal.urls")),
]
