"""A route's cover picture drawn from the route itself: its line, its numbered stops with their
names, and its elevation profile along the bottom.

Why: a cover is the first thing a visitor sees of a route, on its card and at the top of its
page. A drawing of the actual line says where the route goes and how high it climbs, which a
stock landscape never does, and it stays right when an editor redraws the line: make it again
(the admin's "从线路生成封面", or `manage.py route_covers`). Drawn with Pillow, no map tiles (so
nothing to licence and nothing fetched), at twice the size and scaled down for smooth lines.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from portal.demo import demo_collection
from portal.geo import iter_lines
from portal.illustrations import cjk_font, drawable, illustrate
from portal.images import ALT_SEPARATOR
from routes import geometry as geo

SIZE = (1200, 800)
SS = 2  # supersampling factor
PROFILE_H = 190
MARGIN = 70
PAPER = (244, 241, 232)
INK = (40, 44, 48)


@dataclass(frozen=True)
class Stop:
    name: str
    lon: float
    lat: float


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = (colour or "").lstrip("#")
    try:
        return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4)) if len(colour) == 6 else (194, 65, 12)
    except ValueError:
        return (194, 65, 12)


def _mix(a, b, t):
    return tuple(int(x + (y - x) * t) for x, y in zip(a, b))


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def render_cover(title: str, colour: str, geometry: dict | None, stops: list[Stop], fmt: str = "PNG") -> bytes:
    """The cover as encoded bytes. No line: the stops in order joined by a dashed line; no line
    and fewer than two stops: a drawn landscape captioned with the title."""
    lines = [[p for p in line if len(p) >= 2] for line in iter_lines(geometry)]
    lines = [line for line in lines if len(line) >= 2]
    stops = [s for s in stops if s.lon is not None and s.lat is not None]
    if not lines and len(stops) < 2:
        return illustrate("landscape", title or "线路", caption=title or "线路", note="线路封面", fmt="PNG" if fmt == "PNG" else "JPEG")

    facts = geo.measure(geometry) if lines else geo.Facts()
    has_profile = len(facts.profile) >= 2 and (facts.max_alt_m or 0) > (facts.min_alt_m or 0)
    w, h = SIZE[0] * SS, SIZE[1] * SS
    img = Image.new("RGB", (w, h), PAPER)
    d = ImageDraw.Draw(img)
    route = _rgb(colour)
    map_bottom = h - (PROFILE_H * SS if has_profile else 0)

    # -- projection: equirectangular scaled by cos(mid latitude), fitted inside the margins -------
    points = [p for line in lines for p in line] + [(s.lon, s.lat) for s in stops]
    lat0 = math.radians(sum(p[1] for p in points) / len(points))
    kx = math.cos(lat0)
    xs, ys = [p[0] * kx for p in points], [p[1] for p in points]
    top = 130 * SS  # below the title
    box = (MARGIN * SS, top, w - MARGIN * SS, map_bottom - 50 * SS)
    span_x, span_y = max(max(xs) - min(xs), 1e-4), max(max(ys) - min(ys), 1e-4)
    scale = min((box[2] - box[0]) / span_x, (box[3] - box[1]) / span_y)
    off_x = box[0] + ((box[2] - box[0]) - span_x * scale) / 2
    off_y = box[1] + ((box[3] - box[1]) - span_y * scale) / 2

    def proj(lon, lat):
        return off_x + (lon * kx - min(xs)) * scale, off_y + (max(ys) - lat) * scale

    # -- paper: a faint graticule every round fraction of a degree --------------------------------
    step = geo.nice_step(span_y, 4) or 0.05
    grid = _mix(PAPER, INK, 0.08)
    lat = math.floor(min(ys) / step) * step
    while lat <= max(ys) + step:
        y = proj(0, lat)[1]
        if top <= y <= map_bottom:
            d.line([(0, y), (w, y)], fill=grid, width=SS)
        lat += step
    lon = math.floor(min(xs) / kx / step) * step
    while lon * kx <= max(xs) + step:
        x = proj(lon, 0)[0]
        if 0 <= x <= w:
            d.line([(x, top), (x, map_bottom)], fill=grid, width=SS)
        lon += step

    # -- the line ---------------------------------------------------------------------------------
    for line in lines:
        xy = [proj(p[0], p[1]) for p in line]
        d.line(xy, fill=(255, 255, 255), width=18 * SS, joint="curve")
        d.line(xy, fill=route, width=10 * SS, joint="curve")
    if not lines:  # only stops: join them in visiting order, dashed (not a surveyed line)
        xy = [proj(s.lon, s.lat) for s in stops]
        for (x1, y1), (x2, y2) in zip(xy, xy[1:]):
            n = max(1, int(math.hypot(x2 - x1, y2 - y1) / (24 * SS)))
            for k in range(0, n, 2):
                a, b = k / n, min(1, (k + 1) / n)
                d.line([(x1 + (x2 - x1) * a, y1 + (y2 - y1) * a), (x1 + (x2 - x1) * b, y1 + (y2 - y1) * b)], fill=route, width=8 * SS)

    # -- numbered stops and their names, each name where it hides no other ------------------------
    r = 21 * SS
    number_font, label_font = cjk_font(24 * SS, bold=True), cjk_font(28 * SS, bold=True)
    centres = [proj(s.lon, s.lat) for s in stops]
    taken = [(x - r, y - r, x + r, y + r) for x, y in centres]
    for x, y in centres:
        d.ellipse([x - r, y - r, x + r, y + r], fill=route, outline=(255, 255, 255), width=4 * SS)
    for n, ((x, y), stop) in enumerate(zip(centres, stops), 1):
        d.text((x, y), str(n), font=number_font, fill=(255, 255, 255), anchor="mm")
        name = drawable(stop.name)
        if not name:
            continue
        tw = d.textlength(name, font=label_font)
        th = 34 * SS
        gap = r + 8 * SS
        candidates = [
            (x + gap, y - th / 2),
            (x - gap - tw, y - th / 2),
            (x - tw / 2, y - gap - th),
            (x - tw / 2, y + gap),
            (x + gap * 0.7, y - gap - th * 0.6),
            (x - gap * 0.7 - tw, y + gap * 0.6),
        ]

        def cost(pos, tw=tw, th=th):
            rect = (pos[0], pos[1], pos[0] + tw, pos[1] + th)
            outside = rect[0] < 8 * SS or rect[2] > w - 8 * SS or rect[1] < top - 20 * SS or rect[3] > map_bottom - 4 * SS
            return sum(_overlaps(rect, t) for t in taken) + (10 if outside else 0)

        best = min(candidates, key=cost)
        rect = (best[0], best[1], best[0] + tw, best[1] + th)
        taken.append(rect)
        d.text((best[0], best[1] + th / 2), name, font=label_font, fill=INK, anchor="lm", stroke_width=5 * SS, stroke_fill=(255, 255, 255))

    # -- a scale bar and north arrow ---------------------------------------------------------------
    km_per_px = (math.pi * 6371.0088 / 180) / scale
    bar_km = geo.nice_step(km_per_px * w / 5, 1)
    bar_px = bar_km / km_per_px
    by = map_bottom - 26 * SS
    d.line([(MARGIN * SS, by), (MARGIN * SS + bar_px, by)], fill=INK, width=4 * SS)
    for x in (MARGIN * SS, MARGIN * SS + bar_px):
        d.line([(x, by - 8 * SS), (x, by + 2 * SS)], fill=INK, width=3 * SS)
    d.text((MARGIN * SS + bar_px + 12 * SS, by), f"{bar_km:g} 公里" if drawable("公里") else f"{bar_km:g} km", font=cjk_font(22 * SS), fill=INK, anchor="lm")
    nx, ny = w - 50 * SS, top + 10 * SS
    d.polygon([(nx, ny - 30 * SS), (nx - 14 * SS, ny + 12 * SS), (nx, ny + 2 * SS), (nx + 14 * SS, ny + 12 * SS)], fill=INK)
    d.text((nx, ny + 32 * SS), "N", font=cjk_font(22 * SS, bold=True), fill=INK, anchor="mm")

    # -- the title ---------------------------------------------------------------------------------
    facts_text = []
    if facts.length_km:
        facts_text.append(f"全长约 {facts.length_km:.0f} 公里")
    if facts.max_alt_m:
        facts_text.append(f"最高 {facts.max_alt_m:,} 米")
    facts_text.append(f"{len(stops)} 个站点")
    d.rectangle([0, 0, w, 110 * SS], fill=_mix(route, (0, 0, 0), 0.15))
    d.text((MARGIN * SS, 40 * SS), drawable(title), font=cjk_font(44 * SS, bold=True), fill=(255, 255, 255), anchor="lm")
    d.text((MARGIN * SS, 86 * SS), drawable(" · ".join(facts_text)), font=cjk_font(26 * SS), fill=(255, 255, 255), anchor="lm")

    # -- the elevation profile -----------------------------------------------------------------------
    if has_profile:
        _profile(d, facts, lines, stops, route, (0, map_bottom, w, h))

    img = img.resize(SIZE, Image.LANCZOS)
    out = io.BytesIO()
    img.save(out, fmt, **({"optimize": True} if fmt == "PNG" else {"quality": 86}))
    return out.getvalue()


def _profile(d, facts, lines, stops, route, box) -> None:
    x0, y0, x1, y1 = box
    d.rectangle(box, fill=(255, 255, 255))
    d.line([(x0, y0), (x1, y0)], fill=_mix(PAPER, INK, 0.25), width=2 * SS)
    left, right = x0 + 130 * SS, x1 - 40 * SS
    top, bottom = y0 + 24 * SS, y1 - 40 * SS
    lo, hi = facts.min_alt_m, facts.max_alt_m
    km_total = facts.profile[-1][0] or 1.0

    def at(km, ele):
        return left + (right - left) * km / km_total, bottom - (bottom - top) * (ele - lo) / (hi - lo)

    pts = [at(km, ele) for km, ele in facts.profile]
    d.polygon([(left, bottom)] + pts + [(pts[-1][0], bottom)], fill=_mix(route, (255, 255, 255), 0.72))
    d.line(pts, fill=route, width=4 * SS, joint="curve")
    small = cjk_font(22 * SS)
    d.text((left - 14 * SS, top), f"{hi:,} 米" if drawable("米") else f"{hi:,} m", font=small, fill=INK, anchor="rm")
    d.text((left - 14 * SS, bottom), f"{lo:,} 米" if drawable("米") else f"{lo:,} m", font=small, fill=INK, anchor="rm")
    d.text((left, bottom + 22 * SS), "0", font=small, fill=INK, anchor="mm")
    d.text((right, bottom + 22 * SS), f"{km_total:.0f} 公里" if drawable("公里") else f"{km_total:.0f} km", font=small, fill=INK, anchor="rm")
    geometry = {"type": "MultiLineString", "coordinates": lines}
    number_font = cjk_font(18 * SS, bold=True)
    for n, stop in enumerate(stops, 1):
        found = geo.along_route_km(geometry, stop.lon, stop.lat)
        ele = geo.nearest_elevation(geometry, stop.lon, stop.lat, within_km=3.0)
        if not found or ele is None:
            continue
        x, y = at(min(found[0], km_total), ele)
        d.line([(x, y), (x, bottom)], fill=_mix(route, (255, 255, 255), 0.3), width=2 * SS)
        rr = 14 * SS
        d.ellipse([x - rr, y - rr, x + rr, y + rr], fill=route, outline=(255, 255, 255), width=3 * SS)
        d.text((x, y), str(n), font=number_font, fill=(255, 255, 255), anchor="mm")


# --- pages -------------------------------------------------------------------------------------


def page_stops(page) -> list[Stop]:
    stops = []
    for stop in page.stops.all():
        coords = (stop.location or {}).get("coordinates") if isinstance(stop.location, dict) else None
        if coords and len(coords) >= 2:
            stops.append(Stop(stop.name, float(coords[0]), float(coords[1])))
    return stops


def render_route_cover(page, fmt: str = "PNG") -> bytes:
    return render_cover(page.title, page.colour, page.geometry, page_stops(page), fmt=fmt)


def cover_title(page) -> str:
    return f"线路封面 · {page.title}"


def cover_alt(page) -> str:
    """The cover's description: what it shows, stop by stop, as a screen reader should say it."""
    names = "、".join(s.name for s in page_stops(page))
    parts = [f"{page.title}线路图"]
    if names:
        parts.append(f"依次经过{names}")
    if page.max_alt_m and page.min_alt_m and page.max_alt_m > page.min_alt_m:
        parts.append(f"下方为海拔剖面（{page.min_alt_m:,}–{page.max_alt_m:,} 米）")
    return "，".join(parts)


def make_cover(page, user=None, alt_en: str = ""):
    """A Wagtail image of the page's cover, made fresh from its line and stops (replacing the file
    of an earlier cover of the same route, so old renditions go). The page is not changed."""
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model
    from wagtail.images.rect import Rect

    Image_ = get_image_model()
    data = render_route_cover(page)
    title = cover_title(page)
    chinese = cover_alt(page)[:120]
    room = 255 - len(chinese) - len(ALT_SEPARATOR)
    if len(alt_en) > room:  # cut the English at a word, not mid-name
        alt_en = alt_en[: room - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    description = chinese + (ALT_SEPARATOR + alt_en if alt_en else "")
    image = Image_.objects.filter(title=title).first()
    if image is None:
        image = Image_(title=title, collection=demo_collection(), uploaded_by_user=user)
    else:
        image.renditions.all().delete()
    image.description = description[:255]
    image.file = ImageFile(io.BytesIO(data), name=f"route-cover-{page.slug}.png")
    # A 2:1 banner (the route page's header, under its own title) keeps the map and the profile
    # and loses the cover's title band.
    image.set_focal_point(Rect(0, 200, SIZE[0], SIZE[1]))
    image.save()
    image.tags.add("线路封面")
    return image
