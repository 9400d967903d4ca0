"""Where the subject apps plug into the shared portal.

`portal` never imports `routes`, `homestays`, `products` or `news`: each of them registers what it
offers here from its `AppConfig.ready()`, and portal code (map layers, home page, search, demo
content) asks the registry. That keeps the dependency arrow pointing one way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Layer:
    """A named GeoJSON layer served at /api/geo/<name>.geojson.

    `features` returns RFC 7946 Feature dicts for live, public objects only. `models` lists the
    page/snippet models whose publish, unpublish, move, save or delete must invalidate the cache.
    """

    name: str
    label: str
    features: Callable[[], list[dict[str, Any]]]
    models: tuple = ()
    colour: str = "#1f6f5c"
    order: int = 100
    # Its features are places a visitor looks things up around (route stops: sights, villages,
    # towns): portal.places builds the gazetteer behind "near this sight" from such layers.
    places: bool = False
    # Model label of an index page that lists this layer's objects by distance from a place given
    # as ?near=<place name> (the homestay index), so search and the map can link to "all of them".
    near_listing: str = ""
    # Display names of the `kind` codes its features carry ({"homestay": "民宿"}); a feature may
    # also send its own `kind_label`.
    kinds: dict[str, str] = field(default_factory=dict)
    # The character a marker shows, for the layer and for each kind ({"homestay": "宿"}).
    glyph: str = "•"
    kind_glyphs: dict[str, str] = field(default_factory=dict)
    # For a layer whose features come and go at known times (alerts): returns the next such time,
    # after which the built layer is stale even if nothing was saved.
    changes_at: Callable[[], Any] | None = None
    # Its features are listed around a place ("near 塔尔寺": homestays, products, stations); not
    # warnings, which are shown where they apply.
    near: bool = True
    # For a layer that can be narrowed by what its app knows beyond geometry (homestays free on
    # given dates, an index page's filters): takes the request's GET parameters and returns None
    # (no such parameter), or (key, keys) where `keys` are the feature keys that stay (see keys_of;
    # the database filters on them) and `key` identifies the selection for the ETag. Raises
    # ValueError with a message for the visitor on a bad value.
    select: Callable[[Any], Any] | None = None
    # `/api/geo/<layer>.geojson?zoom=` below this merges overlapping points into clusters with
    # counts; at this zoom and closer every point comes alone.
    cluster_below: int = 14
    # For a layer whose features name their object (a feature's `id`): `keys_of(instance)` gives
    # the keys a changed object's features carry (None when it cannot tell: the layer is rebuilt),
    # and `features_for(keys)` builds those objects' features alone. Publishing one of them then
    # replaces its own stored rows (portal.layers.refresh), whatever the size of the layer.
    keys_of: Callable[[Any], Any] | None = None
    # Its objects number in the thousands at a province's scale (listings, stations): a page
    # reads it only when it asks for it, never along with the small layers it does draw.
    grows: bool = False
    features_for: Callable[[list[str]], list[dict[str, Any]]] | None = None


@dataclass
class Nearby:
    """Pages of the `consumer` layer list the features of the `shows` layers that lie within `km`
    of themselves (a route lists the homestays near its line). `km` is a number or a callable
    taking the consumer's feature. portal.cache uses it to purge exactly the pages that show a
    changed feature."""

    consumer: str
    shows: tuple[str, ...]
    km: float | Callable[[dict], float]

    def km_for(self, feature: dict) -> float:
        return float(self.km(feature) if callable(self.km) else self.km)


@dataclass
class DemoLoader:
    """A step of `manage.py load_demo`; `load(home, accounts)` builds that app's demo content."""

    name: str
    load: Callable[..., Any]
    order: int = 100


@dataclass
class DemoSection:
    """An app's section in the demo: the English of its section page (by the Chinese page's slug;
    a rich-text intro is wrapped in <p>), the blocks it adds to the home page, and the map layers
    the home page's map teaser shows from it.

    `home_blocks(sections, english)` gets the section pages by slug, in the home page's language,
    and returns [(position, (block type, value))]; the home page lists every app's blocks by
    position.
    """

    slug: str
    english: dict
    home_blocks: Callable[..., list] | None = None
    map_layers: tuple[str, ...] = ()


@dataclass
class ScaleLoader:
    """`manage.py load_scale --<name> N`: grows the app's <name> to N in all, with plausible content
    spread over Xining's counties; `load(target, ctx)` adds what is missing and returns how many
    it added (ctx: portal.scale.ScaleContext)."""

    name: str
    help: str
    load: Callable[..., int]
    order: int = 100


@dataclass(frozen=True)
class SearchType:
    """A filter tab on the search page: `key` in the URL (?type=), its label, the page models it holds."""

    key: str
    label: str
    models: tuple[str, ...]
    order: int = 100

    def content_type_ids(self) -> list[int]:
        """ContentType ids of this type's models that exist (an app may not be installed)."""
        from django.apps import apps
        from django.contrib.contenttypes.models import ContentType

        ids = []
        for label in self.models:
            try:
                ids.append(ContentType.objects.get_for_model(apps.get_model(label)).pk)
            except LookupError:
                continue
        return ids


@dataclass
class Registry:
    layers: dict[str, Layer] = field(default_factory=dict)
    demo_loaders: list[DemoLoader] = field(default_factory=list)
    # Steps that add translations (e.g. English) once the default-language demo and the translated
    # home and section pages exist; `load(ctx)` gets ctx.locale, the target Locale.
    demo_translations: list[DemoLoader] = field(default_factory=list)
    demo_sections: list[DemoSection] = field(default_factory=list)
    scale_loaders: list[ScaleLoader] = field(default_factory=list)
    # Page models a place shown by another app may link to (a route stop → the homestay there).
    place_pages: list[str] = field(default_factory=list)
    # name -> callable(limit, request=None) returning a list of pages, for the home page blocks.
    collections: dict[str, tuple[str, Callable[..., list]]] = field(default_factory=dict)
    # name -> callable(page, limit) returning items related to a page of another app,
    # e.g. "events" gives the upcoming events that editors linked to a route page.
    related: dict[str, Callable[..., list]] = field(default_factory=dict)
    nearby: list[Nearby] = field(default_factory=list)
    # model label ("*": any model) -> callables(instance) returning the pages (or URL paths) that
    # show the instance beyond its own URL, its ancestors and the map layers: a news item that links
    # a homestay, the product pages a service station stocks. A snippet model nobody registers
    # purges everything (portal.cache).
    dependents: dict[str, list[Callable[[Any], Any]]] = field(default_factory=dict)
    search_types: list[SearchType] = field(default_factory=list)
    # Page models an app offers as a section under the home page (its index page).
    home_sections: list[str] = field(default_factory=list)
    # URL patterns an app serves under each language prefix, before Wagtail's page URLs.
    public_urls: list = field(default_factory=list)
    # callables(url, request) -> {"label", "href"} or None: a link a page shows beside a place it
    # presents (the page itself, a route's stop, a station): "report a problem here".
    place_actions: list[Callable[..., Any]] = field(default_factory=list)
    # callables(first, last) -> [{"start", "end", "title", "url"}]: dated happenings (festivals)
    # that other apps mark on their calendars (a homestay's availability, its 节庆 prices).
    date_marks: list[Callable[..., Any]] = field(default_factory=list)
    # page model -> {name: callable(page, request, ...)}: how a page answers a request (its context,
    # its sub-routes), kept in its app's views module. Page methods ask here, so an app's models
    # never import its views: views import models, and `AppConfig.ready()` joins the two.
    page_views: dict[type, dict[str, Callable[..., Any]]] = field(default_factory=dict)

    def register_page_views(self, model: type, **views: Callable[..., Any]) -> None:
        self.page_views.setdefault(model, {}).update(views)

    def page_view(self, page, name: str) -> Callable[..., Any]:
        """The view `name` registered for the page's class or the nearest base class that has one."""
        for cls in type(page).__mro__:
            view = self.page_views.get(cls, {}).get(name)
            if view is not None:
                return view
        raise LookupError(f"{type(page).__name__} has no page view {name!r}: its app registers it in AppConfig.ready()")

    def register_date_marks(self, provider: Callable[..., Any]) -> None:
        if provider not in self.date_marks:
            self.date_marks.append(provider)

    def marks_between(self, first, last) -> list[dict]:
        """Every app's dated happenings touching first … last (dates, inclusive), by start date."""
        found = [mark for provider in self.date_marks for mark in provider(first, last)]
        return sorted(found, key=lambda m: (m["start"], str(m["title"])))

    def register_layer(self, layer: Layer) -> Layer:
        self.layers[layer.name] = layer
        return layer

    def register_nearby(self, consumer: str, shows: tuple[str, ...], km) -> None:
        self.nearby.append(Nearby(consumer, tuple(shows), km))

    def register_dependents(self, model_label: str, pages: Callable[[Any], Any]) -> None:
        self.dependents.setdefault(model_label, []).append(pages)

    def dependents_of(self, instance) -> list:
        """Pages and URL paths that show `instance`, from every app that registered some for its model."""
        found = []
        for provider in self.dependents.get(instance._meta.label, []) + self.dependents.get("*", []):
            found.extend(provider(instance) or ())
        return found

    def knows_model(self, label: str) -> bool:
        """Whether an app said which pages show objects of this model (dependents or a map layer)."""
        return label in self.dependents or any(label in layer.models for layer in self.layers.values())

    def register_demo(self, name: str, load: Callable[..., Any], order: int = 100) -> None:
        if not any(d.name == name for d in self.demo_loaders):
            self.demo_loaders.append(DemoLoader(name, load, order))
            self.demo_loaders.sort(key=lambda d: d.order)

    def register_demo_translation(self, name: str, load: Callable[..., Any], order: int = 100) -> None:
        if not any(d.name == name for d in self.demo_translations):
            self.demo_translations.append(DemoLoader(name, load, order))
            self.demo_translations.sort(key=lambda d: d.order)

    def register_demo_section(self, section: DemoSection) -> None:
        if not any(s.slug == section.slug for s in self.demo_sections):
            self.demo_sections.append(section)

    def register_scale(self, name: str, help: str, load: Callable[..., int], order: int = 100) -> None:
        if not any(s.name == name for s in self.scale_loaders):
            self.scale_loaders.append(ScaleLoader(name, help, load, order))
            self.scale_loaders.sort(key=lambda s: s.order)

    def register_place_page(self, model_label: str) -> None:
        if model_label not in self.place_pages:
            self.place_pages.append(model_label)

    def register_urls(self, patterns: list) -> None:
        self.public_urls.extend(p for p in patterns if p not in self.public_urls)

    def register_place_action(self, action: Callable[..., Any]) -> None:
        if action not in self.place_actions:
            self.place_actions.append(action)

    def place_actions_for(self, url: str, request=None) -> list[dict]:
        """The links every app offers beside the place at `url` (a feature's URL on a map layer)."""
        return [link for action in self.place_actions if (link := action(url, request))]

    def register_collection(self, name: str, label: str, provider: Callable[..., list]) -> None:
        self.collections[name] = (label, provider)

    def register_related(self, name: str, provider: Callable[..., list]) -> None:
        self.related[name] = provider

    def related_for(self, name: str, page, limit: int = 5) -> list:
        """Items another app relates to `page`; empty when that app is not installed."""
        provider = self.related.get(name)
        return provider(page, limit) if provider else []

    def collection_choices(self) -> list[tuple[str, str]]:
        return [(name, label) for name, (label, _provider) in sorted(self.collections.items())]

    def ordered_layers(self) -> list[Layer]:
        return sorted(self.layers.values(), key=lambda layer: (layer.order, layer.name))

    def layer_choices(self) -> list[tuple[str, str]]:
        return [(layer.name, layer.label) for layer in self.ordered_layers()]

    def kind_labels(self) -> dict[str, str]:
        return {code: label for layer in self.ordered_layers() for code, label in layer.kinds.items()}

    def kind_glyphs(self) -> dict[str, str]:
        return {code: glyph for layer in self.ordered_layers() for code, glyph in layer.kind_glyphs.items()}

    def register_search_type(self, key: str, label: str, models: tuple[str, ...], order: int = 100) -> None:
        self.search_types = sorted([t for t in self.search_types if t.key != key] + [SearchType(key, label, tuple(models), order)], key=lambda t: t.order)

    def register_home_section(self, model_label: str) -> None:
        if model_label not in self.home_sections:
            self.home_sections.append(model_label)


registry = Registry()


def collection_choices() -> list[tuple[str, str]]:
    """The home page's collection block choices: every registered collection."""
    return registry.collection_choices()


def layer_choices() -> list[tuple[str, str]]:
    """The map teaser block's layer choices: every registered layer."""
    return registry.layer_choices()
