"""Pictures as responsive renditions (issue 10): every public template asks for a named preset,
never for a filter spec of its own.

Why presets rather than specs in templates: a page renders with no rendition query only when its
querysets prefetched exactly the renditions its templates ask for, and a `<picture>` asks for
several (two formats times two or three widths). Naming them once here lets a queryset say
`prefetch_renditions(*rendition_specs("card"))` and stay right when a preset changes.

Each preset keeps the crop (and so the aspect ratio) its template used before; its `base` step
is that old size, so the `<img>` keeps the same src size, width and height and nothing moves.
Formats: AVIF first where this Pillow can write it, then WebP; the `<img>` itself is WebP, which
every browser the portal targets reads (WeChat's included), so no JPEG is made for pages. The
setting `PORTAL_PICTURE_FORMATS` narrows the list: the test settings make WebP only, as AVIF
encoding is the slowest step of a first page view and the suite makes thousands of renditions.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from PIL import features
from wagtail.images import get_image_model
from wagtail.images.models import Picture

logger = logging.getLogger(__name__)

AVIF = features.check("avif")


def formats() -> tuple[str, ...]:
    """The rendition formats, best first and WebP (the `<img>`) last: AVIF only where Pillow writes it."""
    wanted = getattr(settings, "PORTAL_PICTURE_FORMATS", ("avif", "webp"))
    return tuple(fmt for fmt in wanted if fmt != "avif" or AVIF)


@dataclass(frozen=True)
class Preset:
    operation: str  # Wagtail's resize operation: "fill", "width" or "max"
    steps: tuple[str, ...]  # its sizes, smallest first: "480x320" (fill, max) or "800" (width)
    base: str  # the step the <img> falls back to: its src, width and height
    sizes: str  # the <img sizes>: how wide the picture is shown at each viewport width

    def specs(self) -> list[str]:
        """Wagtail filter specs, per format the base step first (Wagtail's Picture makes the first
        WebP rendition the <img> src)."""
        steps = (self.base, *(s for s in self.steps if s != self.base))
        return [f"{self.operation}-{step}|format-{fmt}" for fmt in formats() for step in steps]


CARD_STEPS = ("480x320", "960x640")
CARD_SIZES = "(min-width: 960px) 23rem, (min-width: 600px) 50vw, 100vw"

PRESETS: dict[str, Preset] = {
    # Listing cards (homestays, routes, news, home-page sections): 3:2 in a 1/2/3-column grid.
    "card": Preset("fill", CARD_STEPS, "480x320", CARD_SIZES),
    # The same renditions; on phones a product card shows its picture at 36% of the width.
    "product_card": Preset("fill", CARD_STEPS, "480x320", "(min-width: 960px) 23rem, (min-width: 600px) 50vw, 36vw"),
    # The same renditions, as the small square beside a news item (6.5rem; 14rem from 700px).
    "news_item": Preset("fill", CARD_STEPS, "480x320", "(min-width: 700px) 14rem, 6.5rem"),
    # A route's stops: full width up to 28rem on phones, 16rem floated right from 700px.
    "stop": Preset("fill", CARD_STEPS, "480x320", "(min-width: 700px) 16rem, (min-width: 32rem) 28rem, calc(100vw - 5.25rem)"),
    # A product page's picture: the card's renditions, shown larger.
    "product_hero": Preset("fill", CARD_STEPS, "960x640", "(min-width: 72rem) 42rem, (min-width: 900px) 58vw, 100vw"),
    # Full-width 2:1 banners: a route's header, the home page's hero block.
    "hero": Preset("fill", ("640x320", "960x480", "1200x600"), "1200x600", "100vw"),
    # A homestay's main photo, 16:9 beside the contact box from 56rem.
    "homestay_hero": Preset("fill", ("640x360", "960x540", "1200x675"), "1200x675", "(min-width: 72rem) 42rem, (min-width: 56rem) 58vw, 100vw"),
    # A news item's own picture, uncropped, across the article (52rem at most).
    "lead": Preset("width", ("640", "960", "1200"), "1200", "(min-width: 52rem) 50rem, calc(100vw - 2rem)"),
    # An image block in body text (prose is 46rem at most).
    "figure": Preset("width", ("480", "800", "1200"), "800", "(min-width: 46rem) 44rem, calc(100vw - 2rem)"),
    # Photo galleries: 4:3 in columns of at least 9rem.
    "gallery": Preset("fill", ("400x300", "800x600"), "400x300", "(min-width: 600px) 12rem, 50vw"),
    # A homestay's room photos: 4:3, one room card per column.
    "room": Preset("fill", ("320x240", "640x480"), "320x240", "(min-width: 64rem) 23rem, (min-width: 36rem) 50vw, 100vw"),
    # Mini cards (a producer's other products, a station's products): 80×60 CSS pixels.
    "thumb": Preset("fill", ("160x120", "320x240"), "160x120", "80px"),
    # Search results: a 4.5rem square, 6rem from 600px.
    "search": Preset("fill", ("160x160", "320x320"), "160x160", "(min-width: 600px) 6rem, 4.5rem"),
    # A producer's logo, never cropped; shown 72px wide.
    "logo": Preset("max", ("160x160", "320x320"), "160x160", "72px"),
}


def rendition_specs(*names: str) -> list[str]:
    """Every filter spec the named presets render, once each, for `prefetch_renditions(...)`."""
    specs: dict[str, None] = {}
    for name in names:
        try:
            preset = PRESETS[name]
        except KeyError:
            raise KeyError(f"No image preset {name!r}; the presets are {', '.join(PRESETS)}") from None
        specs.update(dict.fromkeys(preset.specs()))
    return list(specs)


# --- prefetching ----------------------------------------------------------------------------


def _prefetched(image) -> list | None:
    """The renditions Wagtail will look in before the database, or None when none were prefetched
    (the two places Wagtail's own `_get_prefetched_renditions` reads)."""
    cache = getattr(image, "_prefetched_objects_cache", {})
    if "renditions" in cache:
        return list(cache["renditions"])
    return getattr(image, "prefetched_renditions", None)


def prefetch_presets(images: Iterable, *names: str, only_prefetched: bool = False) -> None:
    """Give images that lack some of these presets' renditions all of them, in one query.

    For lists a queryset did not prefetch for (a home-page section filled by another app, search
    hits): one query for the lot instead of one per picture. Images whose prefetched renditions
    already cover the presets are left alone, so this costs nothing once the queryset is right.
    `only_prefetched`: touch only images that had renditions prefetched (see `picture`).
    """
    specs = rendition_specs(*names)
    lacking = defaultdict(list)  # image id → its instances (select_related makes one per row)
    for image in images:
        if image is None or image.pk is None:
            continue
        found = _prefetched(image)
        if found is None and only_prefetched:
            continue
        if found is None or not set(specs) <= {r.filter_spec for r in found}:
            lacking[image.pk].append(image)
    if not lacking:
        return
    Rendition = get_image_model().get_rendition_model()
    by_image = defaultdict(list)
    for rendition in Rendition.objects.filter(image_id__in=list(lacking), filter_spec__in=specs):
        by_image[rendition.image_id].append(rendition)
    for pk, instances in lacking.items():
        for image in instances:
            for rendition in by_image[pk]:
                rendition.image = image  # as Django's prefetch does: no query when a rendition reads its image
            found = _prefetched(image)
            if found is None:
                image.prefetched_renditions = list(by_image[pk])
                continue
            have = {r.pk for r in found}
            for rendition in by_image[pk]:
                if rendition.pk not in have:
                    image._add_to_prefetched_renditions(rendition)


def load_images(ids: Iterable) -> dict:
    """Images by id, each with every rendition it already has, in ONE query: the renditions joined
    to their images (plus one query for images that have no rendition at all yet, i.e. never shown).

    Every rendition is loaded, not just some specs: Wagtail takes an image's prefetched renditions
    as all there are, so a partial list would make it render the rest again.
    """
    wanted = {i for i in ids if i}
    found = {}
    if not wanted:
        return found
    Image = get_image_model()
    for rendition in Image.get_rendition_model().objects.filter(image_id__in=wanted).select_related("image").order_by("pk"):
        image = found.get(rendition.image_id)
        if image is None:
            image = found[rendition.image_id] = rendition.image
            image.prefetched_renditions = []
        rendition.image = image  # one instance per image, as Django's prefetch does
        image.prefetched_renditions.append(rendition)
    if wanted - found.keys():
        for image in Image.objects.filter(pk__in=wanted - found.keys()):
            image.prefetched_renditions = []
            found[image.pk] = image
    return found


def image_fields(model) -> list:
    """The model's foreign keys to the image model (hero_image, image, share_image, …)."""
    image_model = get_image_model()
    return [f for f in model._meta.concrete_fields if f.many_to_one and f.related_model is image_model]


def image_ids(objects: Iterable) -> list:
    """The ids in every image foreign key of these objects (pages of any types, snippets, inline rows)."""
    return [getattr(obj, field.attname) for obj in objects if obj is not None for field in image_fields(type(obj))]


def set_images(objects: Iterable, images: dict) -> None:
    """Fill the image foreign keys of these objects from `images` (by id, e.g. from load_images)."""
    for obj in objects:
        if obj is None:
            continue
        for field in image_fields(type(obj)):
            image = images.get(getattr(obj, field.attname))
            if image is not None:
                field.set_cached_value(obj, image)


def _attached(obj, field) -> bool:
    """Whether the foreign key already holds an image loaded with its renditions (or no image)."""
    if getattr(obj, field.attname) is None:
        return True
    if not field.is_cached(obj):
        return False
    return hasattr(field.get_cached_value(obj), "prefetched_renditions")


def attach_images(objects: Iterable) -> None:
    """Fill every image foreign key of these objects (pages of any types, snippets) from one
    `load_images` query, so `card_image` and `{% responsive_image %}` need no query of their own.
    Pictures already attached (e.g. when the page gathered them before rendering) cost nothing."""
    objects = [obj for obj in objects if obj is not None]
    missing = [getattr(obj, field.attname) for obj in objects for field in image_fields(type(obj)) if not _attached(obj, field)]
    if missing:
        set_images(objects, load_images(missing))


def stream_chooser_ids(stream_value, kind: str = "image") -> list[int]:
    """The ids of every image (kind "image") or page ("page") chosen in a StreamField value, read
    from its raw data (so nothing is converted, and nothing fetched, yet): a page gathers them with
    its other pictures and pages."""
    from wagtail.blocks import ListBlock, PageChooserBlock, StreamBlock, StructBlock
    from wagtail.images.blocks import ImageChooserBlock

    chooser = ImageChooserBlock if kind == "image" else PageChooserBlock

    def walk(block, raw):
        if isinstance(block, chooser):
            if isinstance(raw, int):
                yield raw
        elif isinstance(block, StructBlock):
            if isinstance(raw, dict):
                for name, child in block.child_blocks.items():
                    yield from walk(child, raw.get(name))
        elif isinstance(block, ListBlock):
            for item in raw or []:
                is_wrapped = isinstance(item, dict) and item.get("type") == "item" and "value" in item
                yield from walk(block.child_block, item["value"] if is_wrapped else item)
        elif isinstance(block, StreamBlock):
            for item in raw or []:
                child = block.child_blocks.get(item.get("type")) if isinstance(item, dict) else None
                if child is not None:
                    yield from walk(child, item.get("value"))

    if stream_value is None or not hasattr(stream_value, "raw_data"):
        return []
    return list(walk(stream_value.stream_block, list(stream_value.raw_data)))


def stream_image_ids(stream_value) -> list[int]:
    return stream_chooser_ids(stream_value, "image")


# --- alt text -------------------------------------------------------------------------------

# An image's description (Wagtail's field for its alt text) may carry an English version after
# this separator: "竹篮里的草莓（示意图） | Strawberries in a basket (illustration)". One image
# serves the Chinese page and its English copy, and Wagtail's images are not translatable.
ALT_SEPARATOR = " | "


def alt_text(image, language: str | None = None) -> str:
    """What the picture shows, in the page's language: the description's part for that language
    (English after ALT_SEPARATOR, Chinese before it), else the other part; "" without a
    description (see image_alt_text: never the title)."""
    description = (getattr(image, "description", "") or "").strip() if image else ""
    if not description:
        return ""
    chinese, _sep, english = description.partition(ALT_SEPARATOR.strip())
    chinese, english = chinese.strip(), english.strip()
    if language is None:
        from django.utils.translation import get_language

        language = get_language() or ""
    if language.startswith("en") and english:
        return english
    return chinese or english


# --- rendering ------------------------------------------------------------------------------


class ResponsivePicture(Picture):
    """Wagtail's Picture, with each srcset listing a width once, narrowest first: a small original
    is not upscaled, so two steps can give renditions of the same width."""

    @classmethod
    def get_width_srcset(cls, renditions_list):
        by_width = {}
        for rendition in renditions_list:
            by_width.setdefault(rendition.width, rendition)
        if len(by_width) == 1:
            return renditions_list[0].url
        return ", ".join(f"{r.url} {width}w" for width, r in sorted(by_width.items()))


def picture(image, preset_name: str, *, alt: str | None = None, eager: bool = False, sizes: str | None = None, **attrs) -> SafeString:
    """`<picture>` with an AVIF and a WebP source and a WebP `<img>` that has width and height.

    Lazy (and decoded off the main thread) unless `eager`: a picture at the top of the page is
    fetched first instead (fetchpriority="high"). No image, or no readable original file: nothing.
    `alt` None (not given, or an empty field passed on): the image's own `alt_text` for the page's
    language; alt="" marks a picture as decorative on purpose.
    """
    if not image:
        return mark_safe("")
    preset = PRESETS[preset_name]
    specs = preset.specs()
    # Wagtail takes a prefetched image's renditions as all there are, and makes the missing ones
    # again (opening the original and encoding every format) before it finds them in the
    # database: one query here instead, when a queryset prefetched other specs.
    prefetch_presets([image], preset_name, only_prefetched=True)
    try:
        renditions = image.get_renditions(*specs)
    except OSError:  # the original is missing (SourceImageIOError) or unreadable: a page must still load
        logger.warning("Image %s has no readable original file; not shown", image.pk, exc_info=True)
        return mark_safe("")
    img_attrs = {"sizes": sizes or preset.sizes, "alt": alt_text(image) if alt is None else alt}
    img_attrs.update(attrs)
    if eager:
        img_attrs["fetchpriority"] = "high"
    else:
        img_attrs["loading"] = "lazy"
        img_attrs["decoding"] = "async"
    return mark_safe(ResponsivePicture(renditions, img_attrs).__html__())  # noqa: S308 - flatatt escapes every attribute


def rendition_url(image, spec: str) -> str | None:
    """One rendition's URL (a map popup's thumbnail), or None when the image or its file is missing:
    one broken upload must not break a whole layer or page."""
    if image is None:
        return None
    try:
        return image.get_rendition(spec).url
    except Exception:  # noqa: BLE001 - whatever the upload's fault, the layer still loads
        logger.warning("No %s rendition for image %s", spec, image.pk, exc_info=True)
        return None


def image_alt_text(image) -> str:
    """What a picture shows, for its alt attribute: the editor's description of the image, or ""
    (decorative) when there is none. Not Wagtail's `default_alt_text`, which falls back to the image
    title: uploads are titled by file name ("IMG_2041") or by where they are used ("站点 · 塔尔寺"),
    which would only repeat the card's own title to a screen reader. In the page's language
    (alt_text): one image serves a page and its English copy."""
    return alt_text(image)


def card_alt_text(page) -> str:
    """The alt text of a page's card picture (`card_image`): the page's own alt text for its main
    picture when it has one (an `image_alt` field, e.g. a news item's), else the image's description."""
    image = getattr(page, "card_image", None)
    if not image:
        return ""
    own = (getattr(page, "image_alt", "") or "").strip()
    if own and getattr(page, "image_id", None) == image.pk:
        return own
    return image_alt_text(image)
