"""Context for the products pages, kept out of models.py so the query budget is easy to read.

Every builder here runs a fixed number of queries whatever the number of products, stations or
pictures: related rows are fetched in bulk and images come with their renditions.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from portal.i18n import children_in_language
from portal.images import attach_images, rendition_specs
from portal.layers import layer_payloads, nearby
from portal.perf import ancestor_page
from products.forms import ProductFilterForm, StationFilterForm
from products.layers import is_public, map_query, matching, origin_feature, renditions_prefetch, restricted_paths, station_feature
from products.models import (
    NEARBY_KM,
    THUMB_SPEC,
    Producer,
    ProductIndexPage,
    ProductPage,
    ProductStation,
    ServiceStation,
    VillageProduct,
    current_month,
)

STATIONS_PER_PAGE = 30


def feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def index_context(index, request) -> dict:
    """The filtered list, a page of it read at a time; the map shows the matches' origins through
    the "products" layer with the same filters (map_query), not inline."""
    form = ProductFilterForm(request.GET)
    filters = form.filters()
    paths = restricted_paths()
    products = children_in_language(ProductPage.objects.live(), index)
    for path in paths:
        products = products.exclude(path__startswith=path)
    products = matching(products, filters)
    month = current_month()
    producer = None
    if "producer" in filters:
        producer = Producer.objects.filter(pk=filters["producer"], locale_id=index.locale_id).first()
    products = (
        products.select_related("image", "producer")
        .prefetch_related("origins", "certifications", renditions_prefetch("image", *rendition_specs("product_card"), THUMB_SPEC))
        .order_by("-featured", "path")
    )
    page_obj = index.paginate(request, products)
    villages = list(VillageProduct.objects.filter(locale_id=index.locale_id).select_related("product_page"))
    village_features = []
    for village in villages:
        village.link = village.product_page.get_url(request) if village.product_page and is_public(village.product_page, paths) else ""
        village_features.append(_village_feature(village))
    return {
        **form.context(),
        "filter_form": form.clean_form(),
        "filters": filters,
        "filter_query": form.querystring(),
        "products": page_obj,
        "paginator": page_obj.paginator,
        "product_count": page_obj.paginator.count,
        "map_query": map_query(filters),
        "producer_filter": producer,
        "month": month,
        "villages": villages,
        "villages_geo": feature_collection(village_features),
        "stations_url": index.stations_url(request),
    }


def _village_feature(village) -> dict:
    props = {"name": f"{village.village} · {village.products}", "kind": "village", "kind_label": _("一村一品"), "summary": village.place}
    if village.link:
        props["url"] = village.link
    return {"type": "Feature", "geometry": village.location, "properties": props}


def _nearby(layer: str, origins: list, limit: int = 6) -> list[dict]:
    """Features of another app's layer near any of the origins, nearest first, one per URL."""
    best: dict[str, tuple[float, dict]] = {}
    for origin in origins:
        if not origin.location:
            continue
        for distance, feat in nearby(layer, origin.location, NEARBY_KM):
            props = feat.get("properties", {})
            key = props.get("url") or props.get("name")
            if key and (key not in best or distance < best[key][0]):
                best[key] = (distance, feat)
    items = sorted(best.values(), key=lambda pair: pair[0])[:limit]
    return [{**feat["properties"], "distance_km": round(distance, 1)} for distance, feat in items]


def product_context(page, request) -> dict:
    origins = list(page.origins.all())
    certifications = list(page.certifications.all())
    shop_links = list(page.shop_links.all())
    gallery = list(page.gallery_images.all())
    stations = [link.station for link in page.station_links.select_related("station") if link.station_id]
    producer = page.producer if page.producer_id else None  # loaded with the page (serve_related)
    stations, producer = _in_page_language(page, stations, producer)

    others = page.other_products()

    attach_images([page, producer, *gallery, *others])  # every picture on the page, with its renditions, in one query
    for item in gallery:
        item.picture = item.image
    for other in others:
        other.picture = other.image

    url = page.get_url(request) or ""
    features = [origin_feature(page, origin, url, inline=True) for origin in origins if origin.location]
    index = ancestor_page(page, ProductIndexPage) if page.path else None
    station_items = []
    for station in stations:
        link = index.station_url(station, request) if index is not None else ""
        station_items.append({"station": station, "url": link})
        if station.location:
            features.append(station_feature(station, link, inline=True))

    month = current_month()
    layer_payloads(["routes", "homestays"])  # the two nearby lists' layers, read together: one query
    return {
        "origins": origins,
        "certifications": certifications,
        "shop_links": shop_links,
        "gallery": [g for g in gallery if g.picture is not None],
        "hero": page.image,
        "producer": producer,
        "producer_logo": producer.logo if producer else None,
        "index_url": index.get_url(request) if index else "",
        "producer_products_url": (index.get_url(request) + f"?producer={producer.pk}") if producer and index else "",
        "other_products": others,
        "stations": station_items,
        "product_geo": feature_collection(features),
        "months": [{"number": m, "available": m in page.season_months, "current": m == month} for m in range(1, 13)],
        "in_season_now": month in page.season_months,
        "nearby_routes": _nearby("routes", origins),
        "nearby_homestays": _nearby("homestays", origins),
        "nearby_km": NEARBY_KM,
    }


def _in_page_language(page, stations: list, producer):
    """The page's stations and producer in the page's language where they have a copy in it.

    Wagtail copies a page's links as they are when it is translated, so an English product may
    still point at the Chinese producer and stations; its visitors should meet the English ones.
    No query when everything already is in the page's language (the demo, and careful editors).
    """
    others = [obj for obj in [*stations, producer] if obj is not None and obj.locale_id != page.locale_id]
    if not others:
        return stations, producer
    copies = {}
    for model in {type(obj) for obj in others}:
        keys = [obj.translation_key for obj in others if isinstance(obj, model)]
        copies.update({(model, c.translation_key): c for c in model.objects.filter(translation_key__in=keys, locale_id=page.locale_id)})
    swap = lambda obj: copies.get((type(obj), obj.translation_key), obj) if obj is not None else None  # noqa: E731
    return [swap(s) for s in stations], swap(producer)


def stations_context(index, request) -> dict:
    form = StationFilterForm(request.GET)
    filters = form.filters()
    stations = ServiceStation.objects.filter(locale_id=index.locale_id)
    if "county" in filters:
        stations = stations.filter(county=filters["county"])
    if "level" in filters:
        stations = stations.filter(level=filters["level"])
    page_obj = index.paginate(request, stations, STATIONS_PER_PAGE)
    items = [{"station": s, "url": index.station_url(s, request)} for s in page_obj]
    return {
        **form.context(),
        "filter_form": form.clean_form(),
        "filter_query": form.querystring(),
        "stations": page_obj,
        "station_items": items,
        "paginator": page_obj.paginator,
        "index_url": index.get_url(request),
        "stations_url": index.stations_url(request),
        "page_title": _("电商服务站"),
    }


def station_context(index, request, pk) -> dict:
    station = ServiceStation.objects.filter(pk=pk).first()
    if station is None:
        raise Http404(_("No such service station."))
    if station.locale_id != index.locale_id:
        # e.g. /en/products/stations/<a Chinese station>/: its English copy, when it has one
        copy = ServiceStation.objects.filter(translation_key=station.translation_key, locale_id=index.locale_id).first()
        if copy is not None:
            return {"redirect": index.station_url(copy, request)}
    paths = restricted_paths()
    # The products of this index's language stocked at the station in any language: a product
    # translated before its stations still lists them, and the other way round.
    links = (
        ProductStation.objects.filter(station__translation_key=station.translation_key, page__locale_id=index.locale_id)
        .select_related("page", "page__image")
        .prefetch_related(renditions_prefetch("page__image", *rendition_specs("thumb")))
        .order_by("page__path")
    )
    products = list({link.page.pk: link.page for link in links if is_public(link.page, paths)}.values())
    for product in products:
        product.picture = product.image
    url = index.station_url(station, request)
    geo = feature_collection([station_feature(station, url, inline=True)] if station.location else [])
    return {
        "station": station,
        "station_products": products,
        "station_geo": geo,
        "index_url": index.get_url(request),
        "stations_url": index.stations_url(request),
        "page_title": station.name,
    }
