"""What the products app offers the rest of the portal: two map layers and a home-page collection.

Registered from ProductsConfig.ready(); portal serves and caches the layers, so these functions
run once per invalidation, not per request.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from wagtail.images import get_image_model

from portal.geo import feature
from portal.i18n import in_active_language
from portal.images import rendition_url
from portal.layers import selection
from portal.perf import public
from products.forms import ProductFilterForm
from products.models import THUMB_SPEC, ProductCertification, ProductIndexPage, ProductOrigin, ProductPage, ProductStation, ServiceStation, current_month


def renditions_prefetch(image_lookup: str, *specs: str) -> Prefetch:
    """Renditions of an image reached through `image_lookup` (a select_related FK), in one query."""
    Rendition = get_image_model().get_rendition_model()
    return Prefetch(f"{image_lookup}__renditions", queryset=Rendition.objects.filter(filter_spec__in=specs), to_attr="prefetched_renditions")


def restricted_paths() -> list[str]:
    """Tree paths of private sections, to test many pages for privacy in Python: one query."""
    from wagtail.models import PageViewRestriction

    return list(PageViewRestriction.objects.values_list("page__path", flat=True))


def is_public(page, paths: list[str]) -> bool:
    return page.live and not any(page.path.startswith(p) for p in paths)


def origin_feature(page, origin, url: str, thumbnail: str | None = None, *, inline: bool = False) -> dict:
    """One map feature per origin village. Layer features carry kind=category; inline ones
    (maps on our own pages) use kind="product" so the marker shows the 产 glyph."""
    props = {
        "name": page.title,
        "url": url,
        "kind": "product" if inline else page.category,
        "kind_label": str(page.get_category_display()),
        "category": page.category,
        "summary": origin.place,
    }
    if page.brand_authorised:
        props["meta"] = _("河湟田源授权产品")
    if page.reference_price is not None:
        props["price"] = page.price_label
    if thumbnail:
        props["thumbnail"] = thumbnail
    return feature(origin.location, **props)


def station_feature(station, url: str, *, inline: bool = False) -> dict:
    summary = " · ".join(p for p in [station.place, station.opening_hours, station.phone] if p)
    return feature(
        station.location,
        name=station.name,
        url=url,
        kind="station" if inline else station.level,
        kind_label=str(station.get_level_display()),
        summary=summary,
        **({"phone": station.phone} if station.phone else {}),
    )


def object_keys(instance) -> list[str] | None:
    """The layer features a changed product or station shows: its own, in every language."""
    return [str(instance.translation_key)] if isinstance(instance, (ProductPage, ServiceStation)) else None


def product_features(keys: list[str] | None = None) -> list[dict]:
    """The "products" layer (one feature per origin village), or the products `keys` alone."""
    paths = restricted_paths()
    pages = in_active_language(ProductPage.objects.live())
    if keys is not None:
        pages = pages.filter(translation_key__in=keys)
    pages = pages.select_related("image").prefetch_related("origins", renditions_prefetch("image", THUMB_SPEC)).order_by("path")
    features = []
    for page in pages:
        if not is_public(page, paths):
            continue
        url = page.get_url()
        if not url:
            continue
        thumbnail = rendition_url(page.image, THUMB_SPEC)
        for origin in page.origins.all():
            if origin.location:
                features.append({**origin_feature(page, origin, url, thumbnail), "id": str(page.translation_key)})
    return features


def station_features(keys: list[str] | None = None) -> list[dict]:
    """The "stations" layer, or the stations `keys` alone."""
    index = in_active_language(public(ProductIndexPage.objects.live())).order_by("path").first()
    features = []
    stations = in_active_language(ServiceStation.objects.filter(location__isnull=False))
    if keys is not None:
        stations = stations.filter(translation_key__in=keys)
    for station in stations:
        url = index.station_url(station) if index else ""
        features.append({**station_feature(station, url), "id": str(station.translation_key)})
    return features


def matching(products, filters: dict):
    """The products of `products` that the index's filters keep, as a query (a page of them is
    read, never all)."""
    if "category" in filters:
        products = products.filter(category=filters["category"])
    if "county" in filters:
        products = products.filter(pk__in=ProductOrigin.objects.filter(county=filters["county"]).values("page_id"))
    if "certification" in filters:
        products = products.filter(pk__in=ProductCertification.objects.filter(kind=filters["certification"]).values("page_id"))
    if filters.get("in_season"):
        products = products.in_season(current_month())
    if filters.get("brand"):
        products = products.filter(brand_authorised=True)
    if "producer" in filters:
        products = products.filter(producer_id=filters["producer"])
    return products


# The index's filters that narrow the map's "products" layer too (paging does not).
FILTERS = ("category", "county", "certification", "in_season", "brand", "producer")


def map_query(filters: dict) -> str:
    """The index's accepted filters as the query its map adds to the layer requests."""
    return urlencode({name: ("1" if value is True else value) for name, value in filters.items() if name in FILTERS})


def select_products(params):
    """The index's filters on /api/geo/products.geojson (?category=…&county=…, map_query): the
    products the index lists for them, so its map shows their origins through the layer API."""
    if not any(name in params for name in FILTERS):
        return None
    form = ProductFilterForm(params)
    filters = form.filters()
    if form.has_invalid_values():
        raise ValueError(" ".join(form.notes()) or _("筛选条件无效。"))
    return selection(matching(in_active_language(public(ProductPage.objects.live())), filters).values_list("translation_key", flat=True))


def featured_products(limit: int = 3, request=None) -> list:
    """The home page's 河湟田源 section: live, public, featured products, in the editors' tree order."""
    # the block attaches the pictures (portal.images); the origins give the cards' counties
    pages = in_active_language(public(ProductPage.objects.live())).filter(featured=True).prefetch_related("origins").order_by("path")
    return list(pages[:limit])


# --- what shows what (portal.cache purges these pages when the object changes) -------------------


def _index_paths(suffix: str) -> list[str]:
    """`suffix` under every product index page, in every language (e.g. the station list)."""
    paths = []
    for index in ProductIndexPage.objects.all():
        url = index.get_full_url()
        if url:
            paths.append(urlsplit(url).path + suffix)
    return paths


def station_pages(station) -> list:
    """A station's own page, the station list, and the products it stocks (they list it)."""
    return [*_index_paths(f"stations/{station.pk}/"), *_index_paths("stations/"), *ProductPage.objects.filter(station_links__station=station)]


def product_station_pages(page) -> list:
    """The pages of the stations that stock a product (a station page lists its products)."""
    ids = ProductStation.objects.filter(page_id=page.pk).values_list("station_id", flat=True)
    return [path for pk in ids for path in _index_paths(f"stations/{pk}/")]


def producer_pages(producer) -> list:
    return list(ProductPage.objects.filter(producer=producer))


def village_pages(village) -> list:
    """一村一品 villages are mapped on the product index (the index itself is always purged with its
    products; here because a village is not a page) and link one product."""
    pages = list(ProductIndexPage.objects.all())
    if village.product_page_id:
        pages.append(village.product_page)
    return pages
