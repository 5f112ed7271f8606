"""What every handbook page view shares: the editor check, finding the page
from its address, and the visitors' cache (pages served from Redis when it answers)."""

import logging

from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from redis.exceptions import RedisError

from handbook import cache as visitor_cache
from handbook import selectors
from handbook.models import Page
from handbook.permissions import (
    EDIT,
)
from members.permissions import PortalPermissionRequiredMixin

logger = logging.getLogger(__name__)


class EditorRequiredMixin(PortalPermissionRequiredMixin):
    permission_required = EDIT


class PageMixin:
    """Loads the page in the URL if this viewer may read it: a members-only page
    sends a visitor to sign in; anything else they may not read is a 404."""

    def get_page(self) -> Page:
        if not hasattr(self, "_page"):
            chapter, slug = self.kwargs["chapter_slug"], self.kwargs["page_slug"]
            try:
                self._page = selectors.page_for(self.request.user, chapter, slug)
            except Page.DoesNotExist:
                raise Http404("No such page") from None
        return self._page

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            page = Page.objects.filter(
                chapter__slug=kwargs["chapter_slug"],
                slug=kwargs["page_slug"],
                members_only=True,
                published_revision__isnull=False,
            )
            if page.exists():
                return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


class VisitorCacheMixin:
    """GET responses for visitors (not signed in, no pending messages) come from
    Redis, under a key that names the handbook generation (handbook/cache.py).
    Looked up before any check: only what every visitor may see is cached, and
    any change of content or visibility starts a new generation. With Redis
    down, visitors get the page rendered as for anyone else."""

    visitor_timeout = visitor_cache.TIMEOUT
    visitor_cache_key: str | None = None

    def visitor_key(self) -> str:
        raise NotImplementedError

    def _visitor_key(self, request) -> str | None:
        if (
            request.method != "GET"
            or request.user.is_authenticated
            or len(get_messages(request))
        ):
            return None
        return self.visitor_key()

    def dispatch(self, request, *args, **kwargs):
        try:
            key = self._visitor_key(request)
            html = cache.get(key) if key else None
        except RedisError:
            logger.warning("Redis unavailable: rendering the handbook for a visitor")
            key = html = None
        if html is not None:
            return HttpResponse(html)
        self.visitor_cache_key = key
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs).render()
        key = self.visitor_cache_key
        if key and response.status_code == 200:
            try:
                cache.set(key, response.content.decode(), self.visitor_timeout)
            except RedisError:
                logger.warning("Redis unavailable: a visitor's page was not cached")
        return response
