"""Helpers for demo content: generated pictures (no copyrighted photos) and demo accounts.

Demo accounts exist only through `manage.py load_demo`; production never runs it.
"""

from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from wagtail.images import get_image_model
from wagtail.models import Collection

DEMO_PASSWORD = "changeme"

PALETTES = {
    "plateau": ((120, 170, 215), (66, 110, 90), (190, 160, 90)),
    "flowers": ((140, 190, 230), (80, 140, 70), (230, 190, 60)),
    "temple": ((150, 180, 220), (150, 60, 50), (220, 180, 90)),
    "autumn": ((170, 200, 225), (170, 110, 50), (210, 170, 70)),
    "snow": ((170, 200, 235), (235, 240, 245), (110, 120, 130)),
    "farm": ((150, 200, 235), (90, 150, 60), (200, 170, 90)),
}


def draw_landscape(seed: str, palette: str = "plateau", size: tuple[int, int] = (1200, 800)) -> bytes:
    """A JPEG of sky, layered mountains and fields, deterministic per seed."""
    from PIL import Image, ImageDraw

    rnd = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16))
    sky, land, accent = PALETTES.get(palette, PALETTES["plateau"])
    w, h = size
    img = Image.new("RGB", size, sky)
    d = ImageDraw.Draw(img)
    for y in range(h // 2):
        t = y / (h / 2)
        d.line([(0, y), (w, y)], fill=tuple(int(c * (1 - 0.25 * t) + 255 * 0.25 * t) for c in sky))
    sx, sy = rnd.randint(w // 8, w - w // 8), rnd.randint(h // 12, h // 4)
    d.ellipse([sx - 40, sy - 40, sx + 40, sy + 40], fill=(255, 244, 214))
    for layer in range(3):
        base = h // 2 + layer * h // 10
        shade = tuple(max(0, min(255, int(c * (0.75 + 0.12 * layer)))) for c in (110, 125, 150) if True)
        pts = [(0, h)]
        x = 0
        while x <= w:
            pts.append((x, base - rnd.randint(20, 160 - layer * 40)))
            x += rnd.randint(60, 180)
        pts += [(w, base), (w, h)]
        d.polygon(pts, fill=shade)
        if layer == 0:  # snow caps on the far range
            for px, py in pts[1:-2]:
                d.polygon([(px - 18, py + 22), (px, py), (px + 18, py + 22)], fill=(245, 248, 250))
    for band in range(6):
        y0 = int(h * 0.68) + band * h // 20
        colour = land if band % 2 == 0 else accent
        d.rectangle([0, y0, w, y0 + h // 20], fill=colour)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=82)
    return buf.getvalue()


def demo_collection() -> Collection:
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name="示例图片 Demo images").first()
    return existing or root.add_child(name="示例图片 Demo images")


def demo_image(title: str, palette: str = "plateau", collection: Collection | None = None):
    """Get or create a generated Wagtail image with this title."""
    Image = get_image_model()
    image = Image.objects.filter(title=title).first()
    if image:
        return image
    data = draw_landscape(title, palette)
    name = "demo-" + hashlib.sha1(title.encode()).hexdigest()[:10] + ".jpg"
    image = Image(title=title, collection=collection or demo_collection())
    image.file = ImageFile(io.BytesIO(data), name=name)
    image.save()
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
