"""Helpers for demo content: drawn pictures of each subject (no copyrighted photos), tagged and
described, and demo accounts.

Demo accounts exist only through `manage.py load_demo`; production never runs it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from wagtail.images import get_image_model
from wagtail.images.rect import Rect
from wagtail.models import Collection

from portal.illustrations import LEGACY_PALETTES, MOTIF_WORDS, illustrate
from portal.images import ALT_SEPARATOR

DEMO_PASSWORD = "changeme"

# Demo pictures carry this tag: the admin's "待替换的演示图片" report lists the live pages that
# still show one (portal.reports), and editors can find them all under 图片 → 标签.
DEMO_TAG = "演示图片"


def demo_collection() -> Collection:
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name="示例图片 Demo images").first()
    return existing or root.add_child(name="示例图片 Demo images")


def demo_alt(alt: str, alt_en: str = "") -> str:
    """The image description (its alt text): Chinese, then English after the separator that
    portal.images.alt_text splits on for English pages."""
    return f"{alt}{ALT_SEPARATOR}{alt_en}" if alt_en else alt


def demo_image(
    title: str,
    motif: str = "landscape",
    *,
    caption: str | None = "",
    caption_en: str = "",
    name: str = "",
    alt: str = "",
    alt_en: str = "",
    collection: Collection | None = None,
    data: bytes | None = None,
    focal_point: tuple[int, int, int, int] | None = (400, 320, 800, 800),
):
    """Get or create a demo picture of `motif` (portal.illustrations) with this title.

    It is tagged DEMO_TAG and described (`alt`, `alt_en`: what the picture shows, in words a
    screen reader can say; by default `name` (else the caption), `caption_en` in English, and
    what the motif draws). Captions are drawn centred and should be short: the subject's name. `data` gives the file instead of a drawing (a route's cover), and
    `focal_point` (left, top, right, bottom) what crops keep: by default the lower part, where a
    drawing's caption is, so a 2:1 banner loses sky, not the name. An
    existing picture keeps its pixels but gains a missing description or tag, so running
    load_demo again on an older demo fixes its alt text.
    """
    Image = get_image_model()
    if not alt:
        words = MOTIF_WORDS.get(LEGACY_PALETTES.get(motif, motif), ("", ""))
        name = name or caption or title
        alt = f"示意图：{name}——{words[0]}" if words[0] else f"{name}（示意图）"
        if caption_en and words[1]:
            alt_en = alt_en or f"Illustration: {caption_en}, {words[1]}"
    description = demo_alt(alt, alt_en)
    image = Image.objects.filter(title=title).first()
    if image is None:
        if data is None:
            # caption=None: no caption band (a banner whose own text lies over the picture)
            data = illustrate(motif, title, caption=title if caption == "" else caption or "")
        name = "demo-" + hashlib.sha1(title.encode()).hexdigest()[:10] + (".png" if data.startswith(b"\x89PNG") else ".jpg")
        image = Image(title=title, collection=collection or demo_collection(), description=description)
        image.file = ImageFile(io.BytesIO(data), name=name)
        if focal_point:
            image.set_focal_point(Rect(*focal_point))
        image.save()
    elif not image.description:
        image.description = description
        image.save(update_fields=["description"])
    if not image.tags.filter(name=DEMO_TAG).exists():
        image.tags.add(DEMO_TAG)
    return image


@dataclass
class DemoContext:
    """What each app's demo loader receives."""

    home: object
    users: dict = field(default_factory=dict)
    stdout: object = None
    locale: object = None  # the target Locale of a translation step (registry.demo_translations)

    def log(self, msg: str) -> None:
        if self.stdout is not None:
            self.stdout.write(msg)


def ensure_user(username: str, *, superuser: bool = False, groups: tuple[str, ...] = (), **extra):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        if superuser:
            user = User.objects.create_superuser(username=username, password=DEMO_PASSWORD, **extra)
        else:
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD, **extra)
    for name in groups:
        group, _ = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    return user


def translate_page(page, locale, *, user=None, fill=None, **fields):
    """The page's copy in `locale`: made once with Wagtail's copy for translation, given `fields`
    (and whatever `fill(copy)` sets), then published. Returns (page, created).

    A real copy, not an alias, so it has its own English text. An existing copy is left alone,
    so running load_demo again never overwrites what editors changed.
    """
    page = page.specific
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific, False
    copy = page.copy_for_translation(locale).specific
    for name, value in fields.items():
        setattr(copy, name, value)
    if fill is not None:
        fill(copy)
    copy.save_revision(user=user).publish()
    # publish() works on the revision's copy of the page: reload to return it live.
    return copy.specific_class.objects.get(pk=copy.pk), True


def hero_image():
    """The home page's banner, the same picture in both languages."""
    return demo_image(
        "河湟谷地风光",
        "landscape",
        caption=None,
        alt="雪山下的河湟谷地田野（示意图）",
        alt_en="Fields in the Hehuang valley below snow-capped mountains (illustration)",
    )


def home_collection(position: int, heading: str, source: str, more_page, limit: int = 3) -> tuple:
    """A home-page collection block for DemoSection.home_blocks: (position, block)."""
    return position, ("collection", {"heading": heading, "source": source, "limit": limit, "more_page": more_page})
