"""Draw the portal's favicon, touch and app icons from the brand mark: `python scripts/make_icons.py`.

Why a script and committed output: the icons are build products of one small design (the brand mark
of portal/templates/portal/includes/brand_mark.html: two mountains, a snow cap, the sun and a golden
line), so anyone can change the design in one place and redraw every size, while a deployment needs
nothing but the committed files. Pillow only (already installed for Wagtail's renditions).

Pillow's polygons and ellipses have no anti-aliasing, so each icon is drawn SUPERSAMPLE times larger
and scaled down with a Lanczos filter. Sizes: the favicon.ico browsers and WeChat fetch by
themselves (16, 32 and 48 px in one file, as BMP for the oldest readers), a 32 px PNG and an SVG for
tabs, the 180 px apple-touch-icon (opaque: iOS rounds the corners itself), and for the web app
manifests the app icon at every size from 48 to 512 px (launchers, task switchers and splash screens
each pick the nearest size, and scaling one down blurs the thin snow cap and golden line) plus
maskable 192 and 512 px icons whose drawing keeps inside the central safe circle (radius 40%) that
Android's masks never cut.

Two manifests, one per language, because a manifest has one name, description and start_url: the
Chinese pages link site.webmanifest, the English ones site.en.webmanifest (icons_head.html). Each has
its own id and start_url, so the app installed from the English pages is an app of its own that opens
on /en/; both have scope "/", so the language switcher's links stay inside the installed app.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "portal" / "static" / "portal" / "icons"
SUPERSAMPLE = 8

WHITE, SUN, PINE, GREEN = "#ffffff", "#e0a526", "#14503f", "#1f6f5c"
# The header's mark paints its snow cap white, on its white tile: at 30 px nobody sees it, but at icon
# sizes the peak looks cut off, so the icons give the snow a pale tint of the mountain's green.
SNOW_TINT = "#d3e4dd"
BACKGROUND = "#f6f8f7"  # the page background (portal.css --bg): the splash screen of the installed app

# The brand mark in its own 32-unit coordinates (brand_mark.html's viewBox).
UNITS = 32
TILE_RADIUS = 8
SUN_CENTRE, SUN_RADIUS = (24.5, 8.5), 3.2
BACK_MOUNTAIN = [(11, 25), (20.5, 12), (29, 25)]
FRONT_MOUNTAIN = [(3, 25), (12, 11), (21, 25)]
SNOW = [(12, 11), (9.6, 14.8), (11.1, 14.1), (12.2, 15.1), (13.4, 14.2), (14.7, 14.9)]
LINE = ((4, 27.5), (28, 27.5), 1.6)  # from, to, width (round caps)

# The drawing's extent (sun top to line bottom, left mountain foot to right one), for centring it.
CONTENT_BOX = (3, SUN_CENTRE[1] - SUN_RADIUS, 29, LINE[0][1] + LINE[2] / 2)

# The app icons' sizes: "any" purpose (transparent around the white tile) and maskable (opaque).
ANY_SIZES = (48, 72, 96, 128, 144, 192, 256, 384, 512)
MASKABLE_SIZES = (192, 512)
SHORTCUT_ICON_SIZE = 96  # the size Android and Chromium ask of a shortcut's icon

# What the two manifests share; the rest is per language (MANIFESTS).
MANIFEST = {
    "dir": "ltr",
    "scope": "/",
    "display": "standalone",
    "background_color": BACKGROUND,
    "theme_color": GREEN,
}
# file name: (its language's fields, its one shortcut: the routes saved for use offline).
# short_name is what a launcher shows under the icon: 12 characters at most.
MANIFESTS = {
    "site.webmanifest": (
        {
            "id": "/",
            "name": "西宁乡村文旅",
            "short_name": "西宁乡村游",
            "description": "西宁乡村文旅门户：乡村旅游线路、精品民宿、河湟田源农产品与节庆资讯。",
            "lang": "zh-Hans",
            "start_url": "/",
        },
        {"name": "我的离线线路", "url": "/offline/"},
    ),
    "site.en.webmanifest": (
        {
            "id": "/en/",
            "name": "Xining Rural Portal",
            "short_name": "Xining Rural",
            "description": "Xining's rural tourism portal: countryside routes, boutique homestays, Hehuang Tianyuan farm produce and festivals.",
            "lang": "en",
            "start_url": "/en/",
        },
        {"name": "My offline routes", "url": "/en/offline/"},
    ),
}


def draw(size: int, *, tile: bool, scale: float = 1.0, background: str | None = None) -> Image.Image:
    """The mark at `size` px. `tile`: on its white rounded tile, transparent around it (tabs, "any"
    app icons); otherwise the drawing alone, `scale` times the tile's size and centred on a square
    filled with `background` (touch and maskable icons, which must be opaque)."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0) if tile else background)
    pen = ImageDraw.Draw(image)
    unit = big / UNITS * (1 if tile else scale)
    if tile:
        dx = dy = 0.0
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=TILE_RADIUS * unit, fill=WHITE)
    else:  # centre the drawing itself, not the 32-unit box it sits in
        left, top, right, bottom = CONTENT_BOX
        dx = big / 2 - (left + right) / 2 * unit
        dy = big / 2 - (top + bottom) / 2 * unit

    def at(points):
        return [(dx + x * unit, dy + y * unit) for x, y in points]

    (cx, cy), r = SUN_CENTRE, SUN_RADIUS
    pen.ellipse(at([(cx - r, cy - r), (cx + r, cy + r)]), fill=SUN)
    pen.polygon(at(BACK_MOUNTAIN), fill=PINE)
    pen.polygon(at(FRONT_MOUNTAIN), fill=GREEN)
    pen.polygon(at(SNOW), fill=SNOW_TINT)
    start, end, width = LINE
    (x0, y0), (x1, y1) = at([start, end])
    half = width * unit / 2
    pen.rectangle((x0, y0 - half, x1, y1 + half), fill=SUN)
    for x in (x0, x1):
        pen.ellipse((x - half, y0 - half, x + half, y0 + half), fill=SUN)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def svg() -> str:
    """The same drawing as a scalable icon (modern browsers prefer it for tabs): brand_mark.html's
    shapes, from the constants above."""

    def points(shape):
        return " ".join(f"{x:g},{y:g}" for x, y in shape)

    (cx, cy), r = SUN_CENTRE, SUN_RADIUS
    (x0, y), (x1, _), width = LINE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {UNITS} {UNITS}">'
        f'<rect width="{UNITS}" height="{UNITS}" rx="{TILE_RADIUS}" fill="{WHITE}"/>'
        f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{SUN}"/>'
        f'<polygon points="{points(BACK_MOUNTAIN)}" fill="{PINE}"/>'
        f'<polygon points="{points(FRONT_MOUNTAIN)}" fill="{GREEN}"/>'
        f'<polygon points="{points(SNOW)}" fill="{SNOW_TINT}"/>'
        f'<path d="M{x0:g} {y:g}H{x1:g}" stroke="{SUN}" stroke-width="{width:g}" stroke-linecap="round"/>'
        "</svg>\n"
    )


def png_icon(src: str, size: int, purpose: str) -> dict:
    """A manifest's entry for a square PNG (src relative to the manifest, as both sit in OUT)."""
    return {"src": src, "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}


def main(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def save(image: Image.Image, name: str, **options) -> None:
        path = out / name
        image.save(path, optimize=True, **options)
        written.append(path)

    # favicon.ico: each size drawn at that size (not one image scaled by the ICO writer)
    tabs = [draw(s, tile=True) for s in (16, 32, 48)]
    tabs[-1].save(out / "favicon.ico", format="ICO", sizes=[t.size for t in tabs], append_images=tabs[:-1], bitmap_format="bmp")
    written.append(out / "favicon.ico")
    save(tabs[1], "icon-32.png")
    # iOS and WeChat: opaque, full-bleed (the system rounds the corners), the drawing with a margin
    save(draw(180, tile=False, scale=0.84, background=WHITE).convert("RGB"), "apple-touch-icon.png")
    for size in ANY_SIZES:
        save(draw(size, tile=True), f"icon-{size}.png")
    # maskable: the drawing's far corners (the mountain feet) stay inside the 40% safe circle
    for size in MASKABLE_SIZES:
        save(draw(size, tile=False, scale=0.7, background=WHITE).convert("RGB"), f"icon-maskable-{size}.png")
    (out / "icon.svg").write_text(svg(), encoding="utf-8")
    written.append(out / "icon.svg")

    icons = [png_icon(f"icon-{size}.png", size, "any") for size in ANY_SIZES]
    icons += [png_icon(f"icon-maskable-{size}.png", size, "maskable") for size in MASKABLE_SIZES]
    icons.append({"src": "icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"})
    shortcut_icon = png_icon(f"icon-{SHORTCUT_ICON_SIZE}.png", SHORTCUT_ICON_SIZE, "any")
    for name, (fields, shortcut) in MANIFESTS.items():
        manifest = {**fields, **MANIFEST, "icons": icons, "shortcuts": [{**shortcut, "icons": [shortcut_icon]}]}
        (out / name).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(out / name)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
