"""Wagtail API v2 at /api/v2/: public pages, and the images those pages show.

Two things Wagtail leaves to the project are settled here. Bad filter values (`?date=abc`,
`?length_km=abc`, `?search_operator=bad`) reach the database or the search backend unchecked and
become 500s; they are checked first and answered 400 with Wagtail's own BadRequestError. And the
absolute URLs the API writes (`meta.detail_url`, the `find` redirect, image `full_url`) use the
host the request came to, unless WAGTAILADMIN_BASE_URL is set in the environment
(docs/deployment.md), instead of Wagtail's fixed default of http://127.0.0.1:8000.
"""

import decimal
import functools
import math

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import translation
from wagtail.api.v2.filters import FieldsFilter, SearchFilter
from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.images import get_image_model
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Page, ReferenceIndex, Site

from portal.api_fields import configured_base_url

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


# What each kind of model field accepts in a filter, for the 400 message.
_EXPECTED = [
    ((models.DateTimeField,), "a date and time such as 2027-06-01T09:00:00+08:00"),
    ((models.DateField,), "a date such as 2027-06-01"),
    ((models.DecimalField, models.FloatField), "a number"),
    ((models.IntegerField, models.AutoField), "a whole number"),
]


def check_filter_value(field, name: str, value: str) -> None:
    """Raise BadRequestError unless `value` is one the database can compare `field` with.

    Wagtail's FieldsFilter converts booleans, integers and foreign keys itself and hands every other
    value to the database as text: a date, time or number that does not parse fails there, a 500.
    """
    if field.is_relation:  # a foreign key or many-to-many: the value is the related object's id
        field = getattr(field, "target_field", None)
    expected = next((text for types, text in _EXPECTED if isinstance(field, types)), None)
    if expected is None:
        return
    try:
        python = field.to_python(value)
        if isinstance(python, float) and not math.isfinite(python):
            raise ValidationError("not finite")
        if isinstance(python, decimal.Decimal) and not python.is_finite():
            raise ValidationError("not finite")
        if isinstance(field, (models.DecimalField, models.IntegerField)):
            field.run_validators(python)  # digits that fit the column, integers within its range
    except (ValidationError, ValueError, TypeError, ArithmeticError) as exc:
        raise BadRequestError(f"field filter error. {value[:100]!r} is not a valid value for {name}: expected {expected}") from exc


class PortalFieldsFilter(FieldsFilter):
    def filter_queryset(self, request, queryset, view):
        fields = set(view.get_available_fields(queryset.model, db_fields_only=True))
        for name, value in request.GET.items():
            if name in fields and name != "locale":
                try:
                    field = queryset.model._meta.get_field(name)
                except LookupError:
                    continue
                check_filter_value(field, name, value)
                if not field.is_relation and "\x00" not in value:
                    try:
                        # builds the lookup without running it: the field's own get_prep_value
                        # (custom fields such as a months list) judges the value here
                        queryset.filter(**{name: value})
                    except (ValidationError, ValueError, TypeError, ArithmeticError) as exc:
                        raise BadRequestError(f"field filter error. {value[:100]!r} is not a valid value for {name}") from exc
        return super().filter_queryset(request, queryset, view)


class PortalSearchFilter(SearchFilter):
    OPERATORS = ("and", "or")

    def filter_queryset(self, request, queryset, view):
        operator = request.GET.get("search_operator")
        if operator is not None and operator not in self.OPERATORS:
            raise BadRequestError(f"search_operator must be 'and' or 'or', not {operator[:100]!r}")
        return super().filter_queryset(request, queryset, view)


def _portal_filters(backends):
    replace = {FieldsFilter: PortalFieldsFilter, SearchFilter: PortalSearchFilter}
    return [replace.get(b, b) for b in backends]


class PortalPagesAPIViewSet(RejectNulMixin, PagesAPIViewSet):
    pagination_class = BoundedPagination
    filter_backends = _portal_filters(PagesAPIViewSet.filter_backends)

    def find_object(self, queryset, request):
        """`html_path` in any language: /en/routes/xinachuan/ is the English tree's page.

        Wagtail routes html_path from the site's root page, which is the Chinese home page; the
        English pages hang under its English translation, reached through the /en/ prefix
        (i18n_patterns), so the prefix picks the tree and is not itself a page slug.
        """
        if "html_path" not in request.GET:
            return super().find_object(queryset, request)
        site = Site.find_for_request(request)
        if site is None:
            return None
        path = request.GET["html_path"]
        if not path.startswith("/"):
            path = "/" + path
        language = translation.get_language_from_path(path)
        components = [c for c in path.split("/") if c]
        if language and components and components[0].lower() == language.lower():
            components = components[1:]
        with translation.override(language or settings.LANGUAGE_CODE):
            try:
                page, _args, _kwargs = site.root_page.localized.specific.route(request, components)
            except Http404:
                return None
        return page if queryset.filter(id=page.id).exists() else None


def _base_content_type(model):
    """The content type Wagtail's ReferenceIndex files a model under: the root of its
    multi-table inheritance (every page is filed as wagtailcore.Page)."""
    parents = model._meta.get_parent_list()
    return ContentType.objects.get_for_model(parents[-1] if parents else model, for_concrete_model=False)


def published_image_ids():
    """The ids of the images that live public pages use, from Wagtail's ReferenceIndex.

    The index holds what each page's row holds: for a live page, its published content, not its
    draft, so a photo put only on a draft or a never-published listing is not among them.
    ReferenceIndex keeps ids as text: the pages' ids are cast to text to find their rows, and
    only then, within rows that point at images, is the image id read back as a number (the
    search backends filter on the image's own `id` column only).
    """
    pages = Page.objects.live().public().annotate(id_text=Cast("pk", output_field=models.CharField(max_length=255))).values("id_text")
    image_model = get_image_model()
    return (
        ReferenceIndex.objects.filter(
            base_content_type=_base_content_type(Page),
            object_id__in=pages,
            to_content_type=_base_content_type(image_model),
        )
        .annotate(image_id=Cast("to_object_id", output_field=models.BigIntegerField()))
        .values("image_id")
    )


class PortalImagesAPIViewSet(RejectNulMixin, ImagesAPIViewSet):
    """Only the images live public pages show: the API links each one's original file, and a
    photo on a draft (an owner's listing waiting for review) is not public yet. Its detail URL
    answers 404 like any id that does not exist."""

    pagination_class = BoundedPagination
    filter_backends = _portal_filters(ImagesAPIViewSet.filter_backends)

    def get_queryset(self):
        return super().get_queryset().filter(pk__in=published_image_ids())


class _RequestRouter:
    """The router as one request sees it: object URLs made absolute with that request's host.

    Wagtail makes relative paths absolute with WAGTAILAPI_BASE_URL or the Site's own hostname;
    handing it absolute URLs (which it passes through) puts the host the client used in its
    links instead.
    """

    def __init__(self, router, request):
        self._router = router
        self._request = request

    def __getattr__(self, name):
        return getattr(self._router, name)

    def get_object_detail_urlpath(self, model, pk):
        path = self._router.get_object_detail_urlpath(model, pk)
        return self._request.build_absolute_uri(path) if path else path

    def get_model_listing_urlpath(self, model):
        path = self._router.get_model_listing_urlpath(model)
        return self._request.build_absolute_uri(path) if path else path


class PortalAPIRouter(WagtailAPIRouter):
    def wrap_view(self, func):
        @functools.wraps(func)
        def wrapped(request, *args, **kwargs):
            request.wagtailapi_router = self if configured_base_url() else _RequestRouter(self, request)
            return func(request, *args, **kwargs)

        return wrapped


api_router = PortalAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PortalPagesAPIViewSet)
api_router.register_endpoint("images", PortalImagesAPIViewSet)
