"""Drawn demo pictures that show their subject: a basket of strawberries, a yak, a monastery's
white stupas, a courtyard house, a hua'er singer on a hillside, each with a caption band.

Why drawn: the demo ships no photographs whose licence we cannot state, yet a card of strawberries
that shows a mountain range tells a visitor nothing, and an editor cannot tell one demo picture
from another. Each motif is a small Pillow drawing; the subject apps choose the motif by name
(`portal` knows motifs, never the apps), and everything is seeded by the picture's title, so a
second `load_demo` draws the same pixels and two subjects never share a file.

The caption font is Noto Sans CJK (Debian's fonts-noto-cjk), found through fontconfig or its
known paths; without it the caption falls back to Pillow's built-in font, which has no Chinese
glyphs, so only the Latin part of the caption is drawn.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import math
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

logger = logging.getLogger(__name__)

SIZE = (1200, 800)
CAPTION_H = 112

FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-{weight}.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)


# --- fonts ---------------------------------------------------------------------------------


@functools.cache
def cjk_font_path(bold: bool = False) -> str | None:
    """A font file with simplified Chinese glyphs: fontconfig's answer first, then known paths."""
    weight = "Bold" if bold else "Regular"
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", f"Noto Sans CJK SC:style={weight}"], capture_output=True, text=True, timeout=5, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and "CJK" in found and Path(found).exists():
            return found
    for pattern in FONT_PATHS:
        path = pattern.format(weight=weight)
        if Path(path).exists():
            return path
    return None


@functools.cache
def _ttc_index(path: str) -> int:
    """The face of a CJK collection that is the simplified-Chinese one (SC), 0 when unknown."""
    for index in range(10):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0]
        except OSError:
            break
        if family.endswith(" SC"):
            return index
    return 0


@functools.cache
def cjk_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path(bold)
    if path:
        try:
            return ImageFont.truetype(path, size, index=_ttc_index(path) if path.endswith(".ttc") else 0)
        except OSError:
            logger.warning("Could not open the CJK font %s; captions fall back to Pillow's font", path)
    return ImageFont.load_default(size)


def has_cjk_font() -> bool:
    return cjk_font_path() is not None


def drawable(text: str) -> str:
    """The text as it can be drawn: without a CJK font, only its ASCII characters."""
    if has_cjk_font():
        return text
    return "".join(ch for ch in text if ord(ch) < 128).strip(" ·|/-")


# --- helpers -------------------------------------------------------------------------------


def rng(seed: str) -> random.Random:
    return random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16))


def mix(a, b, t: float) -> tuple[int, int, int]:
    return tuple(int(x + (y - x) * t) for x, y in zip(a, b))


def jitter(colour, rnd: random.Random, amount: int = 18) -> tuple[int, int, int]:
    return tuple(max(0, min(255, c + rnd.randint(-amount, amount))) for c in colour)


def gradient(d: ImageDraw.ImageDraw, box, top, bottom) -> None:
    x0, y0, x1, y1 = box
    for y in range(y0, y1):
        d.line([(x0, y), (x1, y)], fill=mix(top, bottom, (y - y0) / max(1, y1 - y0)))


def hills(d, rnd, w, base, colour, rough=80, step=(80, 200)) -> list:
    pts = [(0, SIZE[1])]
    x = 0
    while x <= w + step[1]:
        pts.append((x, base - rnd.randint(0, rough)))
        x += rnd.randint(*step)
    pts += [(w, SIZE[1])]
    d.polygon(pts, fill=colour)
    return pts


def mountains(d, rnd, w, base, colour, snow=True) -> None:
    pts = [(0, base)]
    x = 0
    while x <= w:
        pts.append((x + rnd.randint(40, 90), base - rnd.randint(90, 230)))
        x += rnd.randint(140, 260)
        pts.append((x, base - rnd.randint(10, 60)))
    pts += [(w, base), (w, SIZE[1]), (0, SIZE[1])]
    d.polygon(pts, fill=colour)
    if snow:
        for (px, py), _valley in zip(pts[1:-3:2], pts[2:-2:2]):
            d.polygon([(px - 26, py + 34), (px, py), (px + 24, py + 30), (px + 6, py + 40)], fill=(246, 248, 250))


def sun(d, rnd, colour=(255, 240, 200)) -> None:
    x, y, r = rnd.randint(120, 1080), rnd.randint(70, 170), rnd.randint(34, 52)
    d.ellipse([x - r, y - r, x + r, y + r], fill=colour)


def cloud(d, x, y, s=1.0, colour=(250, 252, 255)) -> None:
    for dx, dy, r in ((0, 0, 34), (40, -14, 42), (84, 0, 32), (40, 10, 36)):
        d.ellipse([x + dx * s - r * s, y + dy * s - r * s, x + dx * s + r * s, y + dy * s + r * s], fill=colour)


def leaf(d, cx, cy, length, angle, colour) -> None:
    a = math.radians(angle)
    tip = (cx + length * math.cos(a), cy + length * math.sin(a))
    side = length * 0.32
    p = math.radians(angle + 90)
    mid = (cx + length * 0.5 * math.cos(a), cy + length * 0.5 * math.sin(a))
    d.polygon(
        [(cx, cy), (mid[0] + side * math.cos(p), mid[1] + side * math.sin(p)), tip, (mid[0] - side * math.cos(p), mid[1] - side * math.sin(p))],
        fill=colour,
    )


# --- backgrounds ---------------------------------------------------------------------------


def bg_sky(d, rnd, sky=(132, 184, 226), land=(104, 150, 84), far=(122, 136, 160), horizon=470, snow=True) -> None:
    w, h = SIZE
    gradient(d, (0, 0, w, horizon + 40), sky, mix(sky, (255, 255, 255), 0.55))
    sun(d, rnd)
    for _ in range(rnd.randint(1, 3)):
        cloud(d, rnd.randint(40, 1000), rnd.randint(60, 220), rnd.uniform(0.7, 1.3))
    mountains(d, rnd, w, horizon, far, snow=snow)
    hills(d, rnd, w, horizon + 60, land, rough=60)


def bg_table(d, rnd, wall, cloth) -> None:
    """A still life: a wall, a table with a cloth, for produce (each picture a shade of its own)."""
    w, h = SIZE
    wall, cloth = jitter(wall, rnd, 10), jitter(cloth, rnd, 10)
    gradient(d, (0, 0, w, 470), mix(wall, (255, 255, 255), 0.25), wall)
    for x in range(0, w, 60):  # wallpaper stripes
        d.line([(x, 0), (x, 470)], fill=mix(wall, (255, 255, 255), 0.12), width=14)
    gradient(d, (0, 470, w, h), cloth, mix(cloth, (0, 0, 0), 0.25))
    for y in range(480, h, 44):  # a woven cloth
        d.line([(0, y), (w, y)], fill=mix(cloth, (255, 255, 255), 0.25), width=6)
    for x in range(0, w, 44):
        d.line([(x, 470), (x, h)], fill=mix(cloth, (255, 255, 255), 0.18), width=4)


def bg_room(d, rnd, wall=(236, 222, 196), floor=(170, 120, 80)) -> None:
    w, h = SIZE
    d.rectangle([0, 0, w, 520], fill=wall)
    d.rectangle([0, 520, w, h], fill=floor)
    for x in range(0, w, 90):
        d.line([(x, 520), (x - 120, h)], fill=mix(floor, (0, 0, 0), 0.15), width=3)
    # a lattice window (窗花) with the blue sky behind it
    x0, y0 = rnd.randint(120, 760), 90
    d.rectangle([x0, y0, x0 + 300, y0 + 220], fill=(150, 200, 235), outline=(120, 70, 40), width=14)
    for i in range(1, 5):
        d.line([(x0 + i * 60, y0), (x0 + i * 60, y0 + 220)], fill=(120, 70, 40), width=6)
    for j in range(1, 4):
        d.line([(x0, y0 + j * 55), (x0 + 300, y0 + j * 55)], fill=(120, 70, 40), width=6)
    d.regular_polygon((x0 + 150, y0 + 110, 38), 4, rotation=45, fill=(200, 40, 40))


def bunting(d, rnd, y=40) -> None:
    w = SIZE[0]
    colours = [(220, 50, 50), (240, 190, 40), (40, 120, 200), (60, 160, 90), (250, 250, 250)]
    d.line([(0, y), (w, y + 30)], fill=(90, 70, 60), width=3)
    for i, x in enumerate(range(10, w, 56)):
        yy = y + 30 * x / w
        d.polygon([(x, yy), (x + 44, yy + 2), (x + 22, yy + 52)], fill=colours[(i + rnd.randint(0, 4)) % len(colours)])


# --- motifs --------------------------------------------------------------------------------
# Each draws the subject in the picture's middle over its own background.


def m_strawberry(d, rnd):
    bg_table(d, rnd, (250, 226, 226), (238, 238, 230))
    d.ellipse([300, 470, 900, 700], fill=(190, 140, 80))  # a woven basket
    d.rectangle([300, 430, 900, 585], fill=(190, 140, 80))
    for y in range(440, 590, 26):
        d.line([(300, y), (900, y)], fill=(150, 100, 50), width=5)
    for _ in range(16):
        x, y, s = rnd.randint(320, 860), rnd.randint(300, 470), rnd.randint(48, 70)
        d.polygon([(x - s, y), (x + s, y), (x, y + int(s * 1.5))], fill=(212, 28, 40))
        d.ellipse([x - s, y - s // 2, x + s, y + s // 2 + 10], fill=(222, 34, 46))
        for _ in range(9):
            sx, sy = x + rnd.randint(-s + 12, s - 12), y + rnd.randint(-6, s)
            d.ellipse([sx - 3, sy - 4, sx + 3, sy + 4], fill=(250, 220, 120))
        for a in (-150, -110, -70, -30):
            leaf(d, x, y - s // 2 + 4, s * 0.7, a, (50, 140, 60))


def m_yak(d, rnd):
    bg_sky(d, rnd, land=(120, 160, 80))
    for k in range(rnd.randint(1, 3)):
        x, y, s = 330 + k * 260 + rnd.randint(-30, 30), 520 + rnd.randint(-20, 40), 1.2 - 0.25 * k
        body = (50, 36, 30)
        d.ellipse([x - 170 * s, y - 90 * s, x + 150 * s, y + 70 * s], fill=body)
        d.ellipse([x - 150 * s, y - 140 * s, x - 20 * s, y - 20 * s], fill=body)  # hump
        d.ellipse([x - 260 * s, y - 80 * s, x - 150 * s, y + 20 * s], fill=body)  # head
        d.arc([x - 290 * s, y - 140 * s, x - 210 * s, y - 50 * s], 150, 330, fill=(235, 230, 215), width=int(10 * s))
        d.arc([x - 200 * s, y - 140 * s, x - 120 * s, y - 50 * s], 210, 30, fill=(235, 230, 215), width=int(10 * s))
        for lx in (-130, -70, 40, 100):
            d.rectangle([x + lx * s, y + 30 * s, x + (lx + 28) * s, y + 140 * s], fill=body)
        for fx in range(int(x - 160 * s), int(x + 140 * s), 14):  # long shaggy hair
            d.line([(fx, y + 40 * s), (fx + 4, y + 100 * s)], fill=(70, 52, 44), width=5)


def m_beef(d, rnd):
    m_yak(d, rnd)
    d.rounded_rectangle([760, 560, 1130, 700], 24, fill=(230, 215, 190))  # a board with a cut
    d.ellipse([800, 575, 1090, 690], fill=(170, 40, 45))
    for _ in range(7):
        x, y = rnd.randint(830, 1050), rnd.randint(595, 665)
        d.line([(x, y), (x + rnd.randint(20, 50), y + rnd.randint(-8, 8))], fill=(240, 220, 215), width=4)


def m_yoghurt(d, rnd):
    bg_table(d, rnd, (214, 230, 244), (200, 60, 60))
    d.chord([330, 300, 870, 700], 0, 180, fill=(60, 110, 170))  # a blue bowl
    d.ellipse([330, 440, 870, 560], fill=(248, 246, 236))
    d.ellipse([400, 465, 800, 535], fill=(255, 252, 240))
    d.ellipse([500, 480, 560, 505], fill=(240, 230, 190))  # the skin of set yoghurt
    d.line([(770, 300), (880, 520)], fill=(170, 120, 70), width=18)  # a wooden spoon
    d.ellipse([850, 500, 910, 560], fill=(170, 120, 70))


def barley_stalk(d, x, y, length, rnd, colour=(214, 178, 80)):
    d.line([(x, y), (x + rnd.randint(-30, 30), y - length)], fill=(150, 130, 60), width=5)
    tx = x + rnd.randint(-30, 30)
    for k in range(9):
        gy = y - length + k * 18
        d.ellipse([tx - 16, gy - 10, tx - 2, gy + 12], fill=colour)
        d.ellipse([tx + 2, gy - 4, tx + 16, gy + 18], fill=colour)
        d.line([(tx - 10, gy), (tx - 34, gy - 50)], fill=colour, width=2)  # awns
        d.line([(tx + 10, gy + 6), (tx + 34, gy - 44)], fill=colour, width=2)


def m_barley(d, rnd):
    bg_sky(d, rnd, land=(200, 170, 80))
    for x in range(40, 1200, 38):
        barley_stalk(d, x + rnd.randint(-10, 10), 800, rnd.randint(260, 380), rnd, colour=jitter((214, 178, 80), rnd, 12))


def m_flour(d, rnd):
    bg_table(d, rnd, (236, 226, 200), (140, 100, 60))
    d.rounded_rectangle([380, 260, 820, 720], 60, fill=(236, 228, 210))  # a sack
    d.polygon([(420, 270), (600, 200), (780, 270)], fill=(226, 216, 196))
    d.line([(470, 290), (730, 290)], fill=(150, 110, 70), width=10)
    d.ellipse([470, 600, 900, 760], fill=(250, 246, 236))  # spilt flour
    for k in range(4):
        barley_stalk(d, 250 + k * 40, 720, 330, rnd)
        barley_stalk(d, 900 + k * 40, 720, 330, rnd)


def m_tsampa(d, rnd):
    bg_table(d, rnd, (226, 210, 180), (150, 50, 40))
    d.chord([330, 320, 870, 720], 0, 180, fill=(170, 110, 60))  # a wooden bowl
    d.ellipse([330, 460, 870, 580], fill=(205, 170, 120))
    for _ in range(7):
        x, y = rnd.randint(430, 760), rnd.randint(430, 500)
        d.ellipse([x - 40, y - 32, x + 40, y + 32], fill=(196, 150, 96))
        d.arc([x - 30, y - 20, x + 20, y + 20], 200, 320, fill=(160, 120, 70), width=4)
    d.ellipse([880, 560, 1040, 640], fill=(250, 230, 150))  # butter


def m_liquor(d, rnd):
    bg_table(d, rnd, (60, 80, 110), (150, 110, 70))
    d.rounded_rectangle([500, 260, 700, 720], 40, fill=(236, 236, 240), outline=(200, 200, 210), width=4)  # a white bottle
    d.rectangle([565, 170, 635, 270], fill=(236, 236, 240))
    d.rectangle([555, 150, 645, 190], fill=(200, 40, 40))
    d.rectangle([520, 430, 680, 580], fill=(200, 40, 40))
    d.ellipse([560, 465, 640, 545], outline=(240, 200, 80), width=6)
    for x in (290, 830):  # two small cups
        d.polygon([(x, 610), (x + 110, 610), (x + 90, 700), (x + 20, 700)], fill=(246, 246, 246))
        d.ellipse([x + 4, 598, x + 106, 624], fill=(236, 226, 190))
    for k in range(3):
        barley_stalk(d, 160 + k * 30, 720, 300, rnd)


def m_oil(d, rnd):
    bg_sky(d, rnd, land=(240, 205, 30), snow=True)
    for _ in range(260):  # rapeseed flowers in the field
        x, y = rnd.randint(0, 1200), rnd.randint(560, 800)
        d.ellipse([x - 6, y - 6, x + 6, y + 6], fill=(255, 222, 40))
    d.rounded_rectangle([500, 300, 700, 700], 30, fill=(230, 170, 20), outline=(190, 130, 10), width=6)  # a jar of oil
    d.rectangle([560, 240, 640, 310], fill=(230, 170, 20))
    d.rectangle([550, 220, 650, 250], fill=(60, 120, 60))
    d.rectangle([520, 430, 680, 540], fill=(250, 240, 210))
    d.ellipse([575, 455, 625, 515], fill=(230, 170, 20))


def m_honey(d, rnd):
    bg_table(d, rnd, (250, 236, 200), (120, 90, 60))
    for i in range(5):  # honeycomb
        for j in range(4):
            x, y = 130 + i * 62 + (31 if j % 2 else 0), 140 + j * 54
            d.regular_polygon((x, y, 34), 6, rotation=30, fill=(240, 180, 40), outline=(200, 130, 20))
    d.rounded_rectangle([520, 320, 820, 720], 40, fill=(232, 150, 20))  # a jar
    d.rectangle([540, 270, 800, 330], fill=(180, 60, 40))
    d.ellipse([600, 440, 740, 580], fill=(250, 210, 90))
    for _ in range(3):  # bees
        x, y = rnd.randint(860, 1100), rnd.randint(140, 420)
        d.ellipse([x - 30, y - 18, x + 30, y + 18], fill=(240, 190, 30))
        for k in (-12, 4):
            d.rectangle([x + k, y - 18, x + k + 8, y + 18], fill=(40, 30, 20))
        d.ellipse([x - 20, y - 46, x + 6, y - 10], fill=(220, 235, 250))


def m_herbs(d, rnd):
    bg_table(d, rnd, (222, 234, 214), (160, 130, 90))
    for k in range(3):  # dried roots on the table
        x, y = 300 + k * 250, 420 + rnd.randint(-20, 20)
        for _ in range(6):
            pts = [(x, y)]
            for _ in range(5):
                pts.append((pts[-1][0] + rnd.randint(-30, 30), pts[-1][1] + rnd.randint(30, 60)))
            d.line(pts, fill=(150, 100, 60), width=rnd.randint(8, 16), joint="curve")
        d.ellipse([x - 40, y - 30, x + 40, y + 30], fill=(170, 120, 70))
    for _ in range(18):  # and their leaves
        x, y = rnd.randint(120, 1080), rnd.randint(110, 380)
        for a in range(0, 360, 72):
            leaf(d, x, y, 52, a + rnd.randint(0, 40), jitter((70, 140, 70), rnd))
        d.ellipse([x - 8, y - 8, x + 8, y + 8], fill=(250, 250, 240))


def m_mushroom(d, rnd, morel: bool = False):
    bg_table(d, rnd, (214, 206, 190), (110, 80, 60))
    for _ in range(7):
        x, y, s = rnd.randint(200, 1000), rnd.randint(430, 640), rnd.randint(60, 110)
        d.rounded_rectangle([x - s // 5, y - s // 3, x + s // 5, y + s // 2], 10, fill=(240, 230, 210))
        if morel:
            d.ellipse([x - s // 2, y - int(s * 1.4), x + s // 2, y], fill=(120, 90, 60))
            for _ in range(10):
                hx, hy = x + rnd.randint(-s // 3, s // 3), y - rnd.randint(s // 5, int(s * 1.2))
                d.ellipse([hx - 8, hy - 10, hx + 8, hy + 10], fill=(80, 58, 40))
        else:
            d.chord([x - s, y - s, x + s, y + s // 2], 180, 360, fill=(120, 70, 40))
            for _ in range(6):
                cx, cy = x + rnd.randint(-s // 2, s // 2), y - rnd.randint(s // 4, int(s * 0.7))
                d.line([(cx - 10, cy), (cx + 10, cy + 4)], fill=(230, 210, 180), width=4)


def m_morel(d, rnd):
    m_mushroom(d, rnd, morel=True)


def m_potato(d, rnd):
    bg_table(d, rnd, (230, 220, 200), (110, 90, 70))
    for _ in range(11):
        x, y = rnd.randint(220, 980), rnd.randint(380, 680)
        rx, ry = rnd.randint(60, 95), rnd.randint(44, 64)
        d.ellipse([x - rx, y - ry, x + rx, y + ry], fill=jitter((190, 150, 100), rnd, 14), outline=(150, 110, 70), width=3)
        for _ in range(4):
            ex, ey = x + rnd.randint(-rx // 2, rx // 2), y + rnd.randint(-ry // 2, ry // 2)
            d.ellipse([ex - 4, ey - 3, ex + 4, ey + 3], fill=(130, 90, 60))


def m_vermicelli(d, rnd):
    bg_table(d, rnd, (240, 230, 214), (60, 110, 150))
    d.chord([260, 330, 940, 740], 0, 180, fill=(240, 240, 240))
    d.ellipse([260, 480, 940, 600], fill=(140, 80, 50))  # broth
    for _ in range(40):  # glassy noodles
        x = rnd.randint(300, 880)
        d.arc([x - 60, 470, x + 60, 600], rnd.randint(0, 90), rnd.randint(180, 300), fill=(235, 225, 200), width=4)
    for x in range(420, 800, 60):
        d.ellipse([x, 500, x + 30, 520], fill=(80, 160, 70))  # chopped greens
    d.line([(880, 250), (1060, 560)], fill=(150, 90, 50), width=12)
    d.line([(920, 240), (1090, 550)], fill=(150, 90, 50), width=12)


def m_vegetables(d, rnd):
    bg_sky(d, rnd, land=(96, 150, 70))
    for row in range(4):  # rows in the field
        y = 560 + row * 60
        for x in range(60 + row * 20, 1200, 110):
            r = 34 + row * 6
            d.ellipse([x - r, y - r * 0.7, x + r, y + r * 0.7], fill=jitter((110, 180, 90), rnd, 16))
            d.ellipse([x - r * 0.5, y - r * 0.4, x + r * 0.5, y + r * 0.4], fill=(170, 220, 140))
    for k in range(3):  # carrots in front
        x = 900 + k * 70
        d.polygon([(x, 640), (x + 40, 640), (x + 20, 780)], fill=(240, 120, 30))
        for a in (-120, -90, -60):
            leaf(d, x + 20, 640, 60, a, (60, 150, 60))


def m_lantern(d, rnd):
    w, h = SIZE
    gradient(d, (0, 0, w, h), (20, 24, 60), (60, 40, 80))
    for _ in range(60):
        x, y = rnd.randint(0, w), rnd.randint(0, 300)
        d.point((x, y), fill=(255, 255, 220))
    d.rectangle([0, 600, w, h], fill=(80, 60, 60))  # the old street's wall
    for x in range(0, w, 80):
        d.line([(x, 600), (x, h)], fill=(60, 44, 44), width=3)
    for k in range(6):  # 排灯: square lanterns with painted panels, hanging in a row
        x, y = 110 + k * 180, 230 + rnd.randint(-20, 30)
        d.line([(x + 50, 120), (x + 50, y)], fill=(200, 170, 120), width=3)
        d.rectangle([x, y, x + 100, y + 150], fill=(245, 200, 90), outline=(150, 30, 30), width=8)
        d.rectangle([x + 18, y + 24, x + 82, y + 126], fill=(255, 230, 150))
        d.ellipse([x + 30, y + 50, x + 70, y + 100], outline=(200, 60, 40), width=4)
        d.rectangle([x + 10, y + 150, x + 90, y + 166], fill=(150, 30, 30))
        for t in range(x + 20, x + 90, 14):
            d.line([(t, y + 166), (t, y + 200)], fill=(220, 50, 40), width=3)


def m_embroidery(d, rnd):
    w, h = SIZE
    d.rectangle([0, 0, w, h], fill=(120, 30, 40))
    cx, cy = 600, 360
    colours = [(240, 190, 50), (40, 120, 180), (60, 150, 90), (230, 230, 230), (220, 80, 60)]
    for k, r in enumerate(range(300, 20, -40)):  # 堆绣: layered appliqué rings
        d.regular_polygon((cx, cy, r), 8 if k % 2 else 12, rotation=rnd.randint(0, 30), fill=colours[(k + rnd.randint(0, 4)) % 5])
    for x in (140, 1060):  # silver plates at the sides
        d.ellipse([x - 100, cy - 100, x + 100, cy + 100], fill=(200, 204, 210), outline=(150, 150, 160), width=6)
        d.regular_polygon((x, cy, 50), 8, fill=(225, 228, 232))


def m_courtyard(d, rnd):
    """庄廓院: an earthen-walled courtyard with a wooden gate, a poplar and prayer flags."""
    bg_sky(d, rnd, land=jitter((150, 170, 90), rnd, 30))
    wall = jitter((196, 160, 112), rnd, 22)
    left, right = rnd.randint(60, 220), rnd.randint(980, 1140)
    d.rectangle([left, 360, right, 700], fill=wall)
    d.rectangle([left, 340, right, 372], fill=mix(wall, (0, 0, 0), 0.2))
    for y in range(390, 700, 36):  # rammed earth layers
        d.line([(left, y), (right, y)], fill=mix(wall, (0, 0, 0), 0.12), width=3)
    g = rnd.randint(left + 140, right - 300)  # the gate
    gate = jitter((120, 60, 30), rnd, 25)
    d.rectangle([g, 430, g + 160, 700], fill=gate)
    d.polygon([(g - 20, 430), (g + 80, 370), (g + 180, 430)], fill=mix(gate, (0, 0, 0), 0.3))
    d.line([(g + 80, 440), (g + 80, 700)], fill=mix(gate, (0, 0, 0), 0.4), width=6)
    for x in (g + 46, g + 114):
        d.ellipse([x - 8, 560, x + 8, 576], fill=(230, 190, 60))
    d.rectangle([g + 25, 440, g + 135, 470], fill=(200, 40, 40))  # a red couplet over the gate
    for x in rnd.sample(range(left + 40, right - 40, 90), 2):  # poplars behind the wall
        d.rectangle([x - 8, 180, x + 8, 360], fill=(110, 80, 50))
        d.ellipse([x - 60, 110, x + 60, 330], fill=(80, 140, 70))
    colours = [(40, 90, 200), (250, 250, 250), (210, 40, 40), (40, 150, 70), (250, 200, 40)]
    for i, x in enumerate(range(left + 20, right, 40)):  # prayer flags along the wall
        d.rectangle([x, 300 + (i % 2) * 6, x + 26, 336], fill=colours[i % 5])


def m_kang(d, rnd):
    """炕: the heated platform bed under a lattice window, with a low table and rugs."""
    bg_room(d, rnd)
    d.rectangle([80, 440, 1120, 620], fill=(150, 90, 60))  # the kang
    d.rectangle([80, 420, 1120, 460], fill=(200, 60, 50))  # felt
    rug = [(200, 50, 50), (40, 90, 160), (230, 180, 50)]
    for k in range(3):
        x = 180 + k * 300
        d.rectangle([x, 380, x + 240, 440], fill=rug[k], outline=(250, 230, 180), width=6)
        d.regular_polygon((x + 120, 410, 22), 4, rotation=45, fill=(250, 230, 180))
    d.rectangle([480, 330, 760, 380], fill=(130, 70, 40))  # the low kang table
    d.rectangle([500, 380, 520, 420], fill=(130, 70, 40))
    d.rectangle([720, 380, 740, 420], fill=(130, 70, 40))
    d.ellipse([580, 300, 640, 340], fill=(240, 240, 240))  # a bowl of tea
    for x in range(100, 1120, 60):
        d.line([(x, 470), (x, 610)], fill=(130, 80, 50), width=3)


def m_bedroom(d, rnd):
    bg_room(d, rnd, wall=jitter((226, 232, 236), rnd, 10), floor=(150, 110, 80))
    d.rectangle([260, 360, 940, 420], fill=(120, 80, 50))  # headboard
    d.rectangle([220, 420, 980, 620], fill=(250, 250, 246))
    d.rectangle([220, 500, 980, 620], fill=jitter((200, 70, 60), rnd, 30))  # quilt
    for x in (300, 640):
        d.rounded_rectangle([x, 430, x + 260, 490], 20, fill=(240, 236, 226))
    d.rectangle([220, 620, 240, 680], fill=(120, 80, 50))
    d.rectangle([960, 620, 980, 680], fill=(120, 80, 50))
    d.rectangle([1010, 420, 1130, 620], fill=(150, 100, 60))  # a bedside chest
    d.ellipse([1040, 360, 1100, 420], fill=(250, 220, 140))


def m_cabin(d, rnd):
    m_forest(d, rnd)
    d.polygon([(420, 420), (600, 280), (780, 420)], fill=(110, 60, 40))
    d.rectangle([450, 420, 750, 640], fill=(170, 110, 60))
    for y in range(430, 640, 26):
        d.line([(450, y), (750, y)], fill=(130, 80, 40), width=6)
    d.rectangle([570, 520, 630, 640], fill=(90, 50, 30))
    d.rectangle([480, 460, 540, 510], fill=(250, 220, 140))
    d.rectangle([660, 460, 720, 510], fill=(250, 220, 140))


def m_tent(d, rnd):
    """A herders' tent camp below snowy peaks (日月山牧帐)."""
    bg_sky(d, rnd, sky=(120, 170, 220), land=(130, 160, 90), far=(140, 150, 170))
    for k in range(3):
        x, y, s = 280 + k * 320, 560 + rnd.randint(-20, 20), 1 - 0.15 * k
        d.polygon([(x - 170 * s, y + 110 * s), (x, y - 120 * s), (x + 170 * s, y + 110 * s)], fill=(248, 246, 240))
        d.polygon([(x - 170 * s, y + 110 * s), (x, y - 120 * s), (x - 60 * s, y + 110 * s)], fill=(230, 226, 216))
        d.line([(x - 150 * s, y + 70 * s), (x + 150 * s, y + 70 * s)], fill=(40, 80, 160), width=int(14 * s))
        d.polygon([(x - 30 * s, y + 110 * s), (x, y + 20 * s), (x + 30 * s, y + 110 * s)], fill=(60, 50, 40))


def m_forest(d, rnd):
    bg_sky(d, rnd, land=(70, 120, 70))
    for _ in range(38):  # spruces (云杉)
        x, y, s = rnd.randint(-40, 1240), rnd.randint(460, 800), rnd.uniform(0.6, 1.4)
        green = jitter((36, 90, 60), rnd, 14)
        for k in range(4):
            top = y - 220 * s + k * 45 * s
            d.polygon([(x, top), (x - (40 + 18 * k) * s, top + 90 * s), (x + (40 + 18 * k) * s, top + 90 * s)], fill=green)
        d.rectangle([x - 6 * s, y - 30 * s, x + 6 * s, y], fill=(90, 60, 40))


def m_flowers(d, rnd):
    bg_sky(d, rnd, land=(90, 150, 70))
    colours = [(240, 80, 140), (250, 200, 40), (160, 80, 200), (250, 130, 50), (250, 250, 250)]
    for band in range(7):  # strips of colour across the hillside (边麻沟花海)
        colour = colours[(band + rnd.randint(0, 4)) % 5]
        y0 = 560 + band * 36
        for _ in range(90):
            x, y = rnd.randint(0, 1200), y0 + rnd.randint(0, 40)
            r = rnd.randint(5, 10) + band
            d.ellipse([x - r, y - r, x + r, y + r], fill=jitter(colour, rnd, 20))


def m_fields(d, rnd):
    bg_sky(d, rnd, land=(110, 160, 70))
    colours = [(230, 200, 40), (110, 170, 70), (200, 170, 90), (90, 140, 60)]
    for band in range(6):
        y0 = 560 + band * 40
        d.polygon([(0, y0), (1200, y0 - 30), (1200, y0 + 12), (0, y0 + 44)], fill=colours[(band + rnd.randint(0, 3)) % 4])
    for k in range(rnd.randint(2, 4)):  # farmhouses
        x = 150 + k * 280 + rnd.randint(-40, 40)
        d.rectangle([x, 480, x + 120, 550], fill=(200, 170, 130))
        d.polygon([(x - 10, 480), (x + 60, 440), (x + 130, 480)], fill=(150, 80, 60))


def m_village(d, rnd):
    bg_sky(d, rnd, land=(140, 160, 90))
    for k in range(7):  # flat-roofed earthen houses climbing the slope
        x, y = 80 + k * 160 + rnd.randint(-20, 20), 470 + (k % 3) * 60
        wall = jitter((200, 165, 120), rnd, 14)
        d.rectangle([x, y, x + 140, y + 100], fill=wall)
        d.rectangle([x - 6, y - 12, x + 146, y + 4], fill=mix(wall, (0, 0, 0), 0.25))
        d.rectangle([x + 56, y + 40, x + 84, y + 100], fill=(110, 60, 30))
        d.rectangle([x + 16, y + 30, x + 40, y + 56], fill=(250, 230, 160))
    d.line([(0, 780), (1200, 720)], fill=(220, 210, 190), width=30)  # the village road


def m_town(d, rnd):
    bg_sky(d, rnd, land=(150, 150, 140))
    for k in range(8):  # a street of shops
        x = k * 150 + rnd.randint(-10, 10)
        h = rnd.randint(150, 280)
        d.rectangle([x, 620 - h, x + 140, 620], fill=jitter((220, 210, 196), rnd, 20))
        for wy in range(640 - h, 560, 50):
            for wx in (x + 20, x + 80):
                d.rectangle([wx, wy, wx + 36, wy + 26], fill=(150, 190, 220))
        d.rectangle([x + 10, 570, x + 130, 600], fill=[(200, 40, 40), (40, 110, 180), (230, 170, 30)][k % 3])
    d.rectangle([0, 620, 1200, 800], fill=(120, 120, 124))
    for x in range(0, 1200, 120):
        d.rectangle([x, 705, x + 60, 715], fill=(240, 240, 240))


def stupa(d, x, y, s=1.0) -> None:
    white = (248, 248, 244)
    d.rectangle([x - 70 * s, y - 40 * s, x + 70 * s, y], fill=white)
    d.rectangle([x - 56 * s, y - 70 * s, x + 56 * s, y - 40 * s], fill=white)
    d.ellipse([x - 54 * s, y - 150 * s, x + 54 * s, y - 50 * s], fill=white)
    d.rectangle([x - 12 * s, y - 130 * s, x + 12 * s, y - 100 * s], fill=(60, 60, 60))
    d.polygon([(x - 14 * s, y - 150 * s), (x, y - 260 * s), (x + 14 * s, y - 150 * s)], fill=(230, 180, 50))
    d.ellipse([x - 10 * s, y - 280 * s, x + 10 * s, y - 256 * s], fill=(240, 190, 60))


def m_monastery(d, rnd):
    """塔尔寺: a row of white stupas in front of a red hall with a golden roof."""
    bg_sky(d, rnd, land=(150, 150, 110), far=(140, 130, 130), snow=False)
    d.rectangle([360, 330, 840, 560], fill=(170, 40, 40))  # the hall
    d.rectangle([360, 330, 840, 370], fill=(90, 50, 40))
    d.polygon([(320, 330), (600, 230), (880, 330)], fill=(230, 180, 40))  # golden roof
    d.polygon([(400, 250), (600, 180), (800, 250), (760, 270), (440, 270)], fill=(240, 200, 60))
    for x in range(400, 840, 70):
        d.rectangle([x, 420, x + 30, 520], fill=(90, 40, 30))
    for k in range(8):
        stupa(d, 120 + k * 137, 720, 0.75 + 0.05 * (k % 2))


def m_old_town(d, rnd):
    """丹噶尔古城: a crenellated city wall with a gate tower."""
    bg_sky(d, rnd, land=(170, 160, 120), snow=True)
    wall = (170, 150, 130)
    d.rectangle([0, 440, 1200, 720], fill=wall)
    for x in range(0, 1200, 60):
        d.rectangle([x, 410, x + 34, 442], fill=wall)
    for y in range(470, 720, 30):
        for x in range((y // 30 % 2) * 40, 1200, 80):
            d.rectangle([x, y, x + 78, y + 28], outline=mix(wall, (0, 0, 0), 0.15), width=2)
    d.chord([520, 520, 680, 800], 180, 360, fill=(50, 40, 40))  # the gate
    d.rectangle([520, 660, 680, 720], fill=(50, 40, 40))
    d.rectangle([440, 300, 760, 410], fill=(170, 40, 40))  # the tower
    for x in range(460, 760, 50):
        d.rectangle([x, 320, x + 24, 400], fill=(100, 40, 30))
    d.polygon([(400, 300), (600, 200), (800, 300)], fill=(60, 70, 80))
    d.polygon([(470, 220), (600, 160), (730, 220)], fill=(60, 70, 80))
    for x in (410, 790):
        d.ellipse([x - 16, 330, x + 16, 380], fill=(220, 50, 40))  # red lanterns


def m_museum(d, rnd):
    bg_sky(d, rnd, land=(150, 160, 120), snow=True)
    d.rectangle([260, 330, 940, 640], fill=(236, 226, 206))
    d.polygon([(220, 330), (600, 200), (980, 330)], fill=(170, 50, 40))
    for x in range(300, 940, 90):
        d.rectangle([x, 360, x + 40, 640], fill=(246, 240, 226))
    d.rectangle([540, 500, 660, 640], fill=(120, 60, 30))
    d.rectangle([200, 640, 1000, 680], fill=(200, 190, 170))


def m_mountain(d, rnd):
    """A sacred peak with a pavilion on top (老爷山, 日月山)."""
    w, h = SIZE
    gradient(d, (0, 0, w, 500), (110, 160, 220), (210, 228, 240))
    sun(d, rnd)
    peak = rnd.randint(480, 720)
    d.polygon([(0, 700), (peak, 170), (w, 640), (w, h), (0, h)], fill=(96, 120, 90))
    d.polygon([(peak - 90, 280), (peak, 170), (peak + 110, 290), (peak + 20, 260)], fill=(240, 244, 248))
    hills(d, rnd, w, 640, (110, 150, 80), rough=40)
    d.rectangle([peak - 40, 130, peak + 40, 170], fill=(170, 40, 40))  # the pavilion
    d.polygon([(peak - 64, 132), (peak, 90), (peak + 64, 132)], fill=(60, 80, 70))
    for k in range(12):  # the steep path up
        t = k / 12
        x, y = peak - 420 * (1 - t) + 30 * math.sin(k), 700 - 520 * t
        d.ellipse([x - 5, y - 5, x + 5, y + 5], fill=(230, 220, 190))


def m_landscape(d, rnd):
    bg_sky(d, rnd)
    for band in range(5):
        y0 = 620 + band * 36
        d.rectangle([0, y0, SIZE[0], y0 + 36], fill=[(110, 160, 70), (220, 190, 60)][band % 2])


def m_huaer(d, rnd):
    """花儿会: singers on a flowering hillside, notes in the air, festival flags."""
    m_flowers(d, rnd)
    bunting(d, rnd)
    for k in range(4):
        x, y = 260 + k * 220 + rnd.randint(-20, 20), 560
        robe = [(200, 40, 50), (40, 100, 170), (230, 170, 40), (60, 140, 80)][k]
        d.polygon([(x - 50, y + 140), (x, y), (x + 50, y + 140)], fill=robe)
        d.ellipse([x - 26, y - 56, x + 26, y - 4], fill=(230, 190, 150))
        d.rectangle([x - 34, y - 66, x + 34, y - 48], fill=(40, 30, 30))  # hat
        d.line([(x + 20, y + 40), (x + 70, y - 10)], fill=robe, width=12)  # a hand raised to sing
    for _ in range(9):  # notes
        x, y = rnd.randint(120, 1080), rnd.randint(170, 420)
        d.ellipse([x, y + 30, x + 26, y + 50], fill=(70, 40, 90))
        d.line([(x + 24, y + 40), (x + 24, y - 10)], fill=(70, 40, 90), width=5)
        d.line([(x + 24, y - 10), (x + 44, y + 4)], fill=(70, 40, 90), width=5)


def m_thangka(d, rnd):
    """晒大佛: a great thangka unrolled on the hillside above the monastery."""
    bg_sky(d, rnd, land=(130, 150, 100), snow=False)
    d.polygon([(0, 520), (600, 160), (1200, 520), (1200, 800), (0, 800)], fill=(120, 130, 100))
    d.rectangle([430, 180, 770, 560], fill=(60, 90, 160))
    d.rectangle([460, 210, 740, 530], fill=(230, 180, 60))
    d.ellipse([540, 240, 660, 360], fill=(240, 210, 120))
    d.ellipse([500, 360, 700, 520], fill=(200, 60, 40))
    d.ellipse([560, 270, 640, 350], fill=(230, 190, 150))
    for k in range(10):  # the crowd
        x = 60 + k * 115
        d.ellipse([x, 660, x + 60, 720], fill=[(180, 40, 40), (120, 40, 40), (220, 160, 40)][k % 3])
    for k in range(5):
        stupa(d, 150 + k * 225, 800, 0.5)


def m_butter_lantern(d, rnd):
    """酥油花灯: butter sculptures of flowers lit by lamps at night."""
    w, h = SIZE
    gradient(d, (0, 0, w, h), (16, 20, 50), (50, 30, 60))
    for k in range(5):
        x, y = 180 + k * 210, 430 + rnd.randint(-30, 30)
        d.rectangle([x - 70, y, x + 70, y + 260], fill=(90, 40, 40))
        for _ in range(6):
            fx, fy, r = x + rnd.randint(-60, 60), y - rnd.randint(20, 220), rnd.randint(24, 40)
            colour = [(240, 120, 150), (250, 220, 80), (90, 170, 220), (120, 200, 120), (250, 250, 240)][rnd.randint(0, 4)]
            for a in range(0, 360, 60):
                cx, cy = fx + r * 0.6 * math.cos(math.radians(a)), fy + r * 0.6 * math.sin(math.radians(a))
                d.ellipse([cx - r / 2, cy - r / 2, cx + r / 2, cy + r / 2], fill=colour)
            d.ellipse([fx - 10, fy - 10, fx + 10, fy + 10], fill=(250, 230, 150))
    for x in range(60, 1200, 80):  # butter lamps
        d.rectangle([x - 16, 720, x + 16, 760], fill=(220, 170, 60))
        d.ellipse([x - 8, 690, x + 8, 722], fill=(255, 220, 120))


def m_harvest(d, rnd):
    """丰收节: sheaves of barley, baskets of produce and a tractor under flags."""
    m_fields(d, rnd)
    bunting(d, rnd, y=20)
    for k in range(5):
        x = 120 + k * 230
        d.polygon([(x, 780), (x + 50, 600), (x + 100, 780)], fill=(220, 180, 70))
        d.rectangle([x + 30, 690, x + 70, 706], fill=(150, 100, 50))
    d.rectangle([760, 560, 980, 650], fill=(200, 40, 40))  # a tractor
    d.rectangle([850, 500, 960, 560], fill=(200, 40, 40))
    d.ellipse([900, 600, 1010, 710], fill=(40, 40, 40))
    d.ellipse([760, 630, 830, 700], fill=(40, 40, 40))


def m_ceremony(d, rnd):
    """A launch ceremony: a red stage banner, a lectern and an audience."""
    bg_sky(d, rnd, land=(150, 160, 120))
    bunting(d, rnd)
    d.rectangle([150, 260, 1050, 520], fill=(190, 30, 40))
    d.rectangle([170, 280, 1030, 500], outline=(240, 200, 80), width=6)
    for x in range(260, 980, 90):  # the banner's characters, as gold blocks
        d.rounded_rectangle([x, 350, x + 60, 420], 8, fill=(240, 200, 80))
    d.rectangle([100, 520, 1100, 580], fill=(120, 40, 40))
    d.rectangle([560, 460, 640, 540], fill=(140, 90, 50))
    for k in range(14):
        x = 40 + k * 84
        d.ellipse([x, 640, x + 56, 696], fill=(40, 36, 34))
        d.rectangle([x - 6, 690, x + 62, 800], fill=jitter((70, 80, 110), rnd, 30))


def m_logo(d, rnd):
    """A producer's emblem: concentric rings and a stylised ear of barley."""
    w, h = SIZE
    base = jitter((40, 110, 80), rnd, 40)
    d.rectangle([0, 0, w, h], fill=(248, 246, 240))
    d.ellipse([360, 120, 840, 600], fill=base)
    d.ellipse([400, 160, 800, 560], fill=(248, 246, 240))
    d.ellipse([430, 190, 770, 530], fill=mix(base, (255, 255, 255), 0.3))
    barley_stalk(d, 600, 500, 260, rnd, colour=(250, 220, 120))


MOTIFS: dict[str, Callable] = {name[2:]: fn for name, fn in globals().items() if name.startswith("m_") and callable(fn)}

# The palettes of the drawings made before subjects had motifs: load_demo calls that still pass a
# palette name get a landscape in that palette.
LEGACY_PALETTES = {
    "plateau": "landscape",
    "flowers": "flowers",
    "temple": "monastery",
    "autumn": "fields",
    "snow": "mountain",
    "farm": "fields",
}


# What each drawing shows, for its alt text (Chinese, English).
MOTIF_WORDS = {
    "strawberry": ("竹篮里的红草莓", "red strawberries in a woven basket"),
    "yak": ("雪山下草原上的牦牛", "yaks on grassland below snowy peaks"),
    "beef": ("草原上的牦牛和案板上的一块牦牛肉", "yaks on the grassland and a cut of yak beef on a board"),
    "yoghurt": ("一碗凝固的牦牛酸奶和木勺", "a bowl of set yak yoghurt with a wooden spoon"),
    "barley": ("成熟的青稞田", "a field of ripe highland barley"),
    "flour": ("一袋青稞面粉和青稞穗", "a sack of highland barley flour between ears of barley"),
    "tsampa": ("木碗里捏好的糌粑团和酥油", "balls of tsampa in a wooden bowl, with butter"),
    "liquor": ("一瓶青稞酒和两只酒杯", "a bottle of barley liquor and two small cups"),
    "oil": ("油菜花田前的一瓶菜籽油", "a bottle of rapeseed oil in front of flowering rapeseed fields"),
    "honey": ("一罐蜂蜜、蜂巢和蜜蜂", "a jar of honey, honeycomb and bees"),
    "herbs": ("晾干的药材根和叶子", "dried medicinal roots and their leaves"),
    "mushroom": ("桌上的香菇", "shiitake mushrooms on a table"),
    "morel": ("桌上的羊肚菌", "morel mushrooms on a table"),
    "potato": ("一堆马铃薯", "a heap of potatoes"),
    "vermicelli": ("一碗马铃薯粉条和筷子", "a bowl of potato vermicelli with chopsticks"),
    "vegetables": ("雪山下的蔬菜地", "rows of vegetables below snowy mountains"),
    "lantern": ("夜晚老街上挂着的一排排灯", "a row of painted square lanterns in an old street at night"),
    "embroidery": ("层层叠叠的堆绣图案和银器", "layered appliqué embroidery and silver plates"),
    "courtyard": ("土墙庄廓院、木门和经幡", "an earthen-walled courtyard house with a wooden gate and prayer flags"),
    "kang": ("窗花下铺着毡毯的火炕", "a heated kang bed with felt rugs under a lattice window"),
    "bedroom": ("客房里的双人床", "a guest room with a double bed"),
    "cabin": ("云杉林里的木屋", "a log cabin among spruce trees"),
    "tent": ("雪山下的白色牧帐", "white herders' tents below snowy mountains"),
    "forest": ("山谷里的云杉林", "spruce forest in a mountain valley"),
    "flowers": ("山坡上的花海", "bands of flowers across a hillside"),
    "fields": ("河谷里的农田和农家", "farm fields and farmhouses in a valley"),
    "village": ("山坡上的村庄", "a village of earthen houses on a slope"),
    "town": ("小镇街道和商铺", "a small town street with shops"),
    "monastery": ("一排白塔和金顶殿堂", "a row of white stupas before a golden-roofed hall"),
    "old_town": ("古城墙和城门楼", "an old city wall with its gate tower"),
    "museum": ("红顶的展馆", "a museum hall with a red roof"),
    "mountain": ("山顶有亭子的高山和登山步道", "a high peak with a pavilion on top and a path up"),
    "landscape": ("雪山下的河湟谷地田野", "fields of the Hehuang valley below snow-capped mountains"),
    "huaer": ("花海山坡上唱花儿的人们", "people singing hua'er folk songs on a flowering hillside"),
    "thangka": ("山坡上展开的巨幅唐卡和人群", "a giant thangka unrolled on a hillside above a crowd"),
    "butter_lantern": ("夜里灯火映照的酥油花", "butter sculptures of flowers lit by lamps at night"),
    "harvest": ("丰收的田野、麦垛和拖拉机", "harvest fields with sheaves and a tractor"),
    "ceremony": ("红色横幅舞台前的观众", "an audience in front of a red banner stage"),
    "logo": ("圆形的青稞穗标志", "a round emblem with an ear of barley"),
}


def motif_for(name: str) -> Callable:
    name = LEGACY_PALETTES.get(name, name)
    if name not in MOTIFS:
        raise KeyError(f"No illustration motif {name!r}; the motifs are {', '.join(sorted(MOTIFS))}")
    return MOTIFS[name]


def caption_band(img: Image.Image, caption: str, note: str) -> None:
    """A translucent band along the bottom: the subject's name over a note saying it is drawn,
    both centred, so a card that crops the picture to a narrow column still shows them whole
    when the caption is short (a few characters: the subject, not a sentence)."""
    w, h = img.size
    band = Image.new("RGBA", (w, CAPTION_H), (20, 24, 28, 170))
    img.paste(band, (0, h - CAPTION_H), band)
    d = ImageDraw.Draw(img)
    caption, note = drawable(caption), drawable(note)
    room = w - 80
    size = 48
    while size > 28 and d.textlength(caption, font=cjk_font(size, bold=True)) > room:
        size -= 4
    font = cjk_font(size, bold=True)
    while caption and d.textlength(caption, font=font) > room:  # still too long: cut, with an ellipsis
        caption = caption[:-2] + "…"
    d.text((w // 2, h - CAPTION_H + 42), caption, font=font, fill=(255, 255, 255), anchor="mm")
    if note:
        d.text((w // 2, h - 22), note, font=cjk_font(22), fill=(225, 225, 225), anchor="mm")


def illustrate(motif: str, seed: str, caption: str = "", note: str = "示意图 Illustration", fmt: str = "JPEG") -> bytes:
    """The picture of `motif`, varied by `seed`, with `caption` along the bottom; encoded bytes."""
    draw = motif_for(motif)
    img = Image.new("RGB", SIZE, (255, 255, 255))
    d = ImageDraw.Draw(img)
    draw(d, rng(f"{motif}:{seed}"))
    img = img.filter(ImageFilter.SMOOTH)  # soften the polygons' stair steps a little
    if caption:
        caption_band(img, caption, note)
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 82, "optimize": True} if fmt == "JPEG" else {}))
    return out.getvalue()
