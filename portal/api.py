"""Wagtail API v2 at /api/v2/: public pages and images only."""

from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

MAX_OFFSET = 1_000_000


class BoundedPagination(WagtailPagination):
    """Wagtail hands ?offset= to SQL unchecked: 10**23 overflows the database integer, a 500
    (found by tests/test_security_fuzz.py). Past a million there is nothing to page through."""

    def paginate_queryset(self, queryset, request, view=None):
        offset = request.GET.get("offset", "")
        if offset.isdigit() and int(offset) > MAX_OFFSET:
            raise BadRequestError(f"offset cannot be higher than {MAX_OFFSET}")
        return super().paginate_queryset(queryset, request, view)


class RejectNulMixin:
    """PostgreSQL cannot compare text containing NUL: Wagtail's ?locale=%00 was a 500 (found by
    tests/test_security_fuzz.py). No parameter of ours has a use for one."""

    def check_query_parameters(self, queryset):
        if any("\x00" in value for _name, values in self.request.GET.lists() for value in values):
            raise BadRequestError("query parameters cannot contain NUL characters")
        return super().check_query_parameters(queryset)


class PortalPagesAPIViewSet(RejectNulMixin, PagesAPIViewSet):
    pagination_class = BoundedPagination


class PortalImagesAPIViewSet(RejectNulMixin, ImagesAPIViewSet):
    pagination_class = BoundedPagination


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PortalPagesAPIViewSet)
api_router.register_endpoint("images", PortalImagesAPIViewSet)
