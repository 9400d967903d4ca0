"""What a visitor reads off a route line: length, climbing, the elevation profile, where stops lie.

Elevations travel inside the GeoJSON itself, as the optional third number of each position
([lon, lat, altitude]), so a line and its elevations can never drift apart when an editor redraws
part of the route: moved vertices keep theirs, new vertices simply have none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portal.geo import EARTH_RADIUS_KM, haversine_km, iter_lines, walk

# GPS and DEM elevations jitter by a few metres; counting every wiggle would report hundreds of
# metres of "climbing" on a flat valley road. A change only counts once it exceeds this.
CLIMB_THRESHOLD_M = 5.0


@dataclass
class Facts:
    length_km: float = 0.0
    ascent_m: int | None = None
    descent_m: int | None = None
    max_alt_m: int | None = None
    min_alt_m: int | None = None
    # (km from start, elevation) for each position that has one
    profile: list[tuple[float, float]] = field(default_factory=list)


def measure(geometry: dict | None) -> Facts:
    """Length (great-circle, gaps between segments not counted) and the elevation facts."""
    facts = Facts()
    for km, pos in walk(geometry):
        facts.length_km = km
        # an altitude no place on Earth has (a hand-edited 1e308) is not a fact to add up
        if len(pos) > 2 and pos[2] is not None and MIN_ELEVATION_M <= pos[2] <= MAX_ELEVATION_M:
            facts.profile.append((km, float(pos[2])))
    if len(facts.profile) >= 2:
        elevations = [e for _, e in facts.profile]
        gain, loss = climb(elevations)
        facts.ascent_m, facts.descent_m = round(gain), round(loss)
        facts.max_alt_m, facts.min_alt_m = round(max(elevations)), round(min(elevations))
    elif facts.profile:
        facts.max_alt_m = facts.min_alt_m = round(facts.profile[0][1])
    return facts


def climb(elevations: list[float], threshold: float = CLIMB_THRESHOLD_M) -> tuple[float, float]:
    """Total ascent and descent in metres, ignoring changes smaller than `threshold` (hysteresis)."""
    if not elevations:
        return 0.0, 0.0
    gain = loss = 0.0
    anchor = elevations[0]
    for e in elevations[1:]:
        delta = e - anchor
        if delta >= threshold:
            gain += delta
            anchor = e
        elif delta <= -threshold:
            loss -= delta
            anchor = e
    return gain, loss


def along_route_km(geometry: dict | None, lon: float, lat: float) -> tuple[float, float] | None:
    """(km from the start to the nearest vertex, km off the line) for a stop, or None without a line."""
    best = None
    for km, pos in walk(geometry):
        off = haversine_km(pos, (lon, lat))
        if best is None or off < best[1]:
            best = (km, off)
    return best


def nearest_elevation(geometry: dict | None, lon: float, lat: float, within_km: float = 1.0) -> float | None:
    """The elevation of the line's nearest vertex that has one, when it is close enough to stand for the stop's."""
    best = None
    for line in iter_lines(geometry):
        for pos in line:
            if len(pos) > 2 and pos[2] is not None:
                d = haversine_km(pos, (lon, lat))
                if d <= within_km and (best is None or d < best[0]):
                    best = (d, pos[2])
    return best[1] if best else None


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A 1/2/5×10ⁿ tick step giving about `target_ticks` ticks over `span`."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _thin(points: list[tuple[float, float]], limit: int) -> list[tuple[float, float]]:
    # Keep each bucket's extreme elevations so peaks and passes survive the thinning.
    if len(points) <= limit:
        return points
    size = len(points) / (limit / 2)
    out: list[tuple[float, float]] = []
    i = 0.0
    while int(i) < len(points):
        bucket = points[int(i) : max(int(i + size), int(i) + 1)]
        lo = min(bucket, key=lambda p: p[1])
        hi = max(bucket, key=lambda p: p[1])
        out.extend(sorted({lo, hi}, key=lambda p: p[0]))
        i += size
    if out[-1] != points[-1]:
        out.append(points[-1])
    return out


def profile_svg(profile: list[tuple[float, float]], plot_height: int = 160) -> dict | None:
    """Geometry for an inline SVG elevation profile (rendered by a template), or None without elevations.

    Drawn on the server so the profile shows without JavaScript, prints, and reads in a screen
    reader through its title and description. The curve sits in a nested SVG stretched to the
    full width (x in 0–1000 units), while labels use percentages and pixels in the outer SVG, so
    text stays the same legible size on a phone and on a desktop.
    """
    if len(profile) < 2:
        return None
    pts = _thin(profile, 400)
    top, bottom_space = 18, 22
    max_km = pts[-1][0] or 1.0
    elevations = [e for _, e in pts]
    e_min, e_max = min(elevations), max(elevations)
    step_e = nice_step(max(e_max - e_min, 50), 3)
    lo = math.floor(e_min / step_e) * step_e
    hi = math.ceil(e_max / step_e) * step_e
    if hi - lo < step_e:
        hi = lo + step_e

    def x(km: float) -> float:
        return round(km / max_km * 1000, 1)

    def y(e: float) -> float:
        return round((hi - e) / (hi - lo) * plot_height, 1)

    line = "M" + " L".join(f"{x(k)} {y(e)}" for k, e in pts)
    area = f"{line} L1000 {plot_height} L0 {plot_height} Z"
    step_km = nice_step(max_km, 4)
    x_ticks = []
    k = 0.0
    while k <= max_km + 1e-9:
        pct = round(k / max_km * 100, 2)
        x_ticks.append({"pct": pct, "label": f"{k:g}", "anchor": "start" if pct < 3 else ("end" if pct > 97 else "middle")})
        k += step_km
    # the total length closes the axis; a round tick too close to it would collide on a phone
    if x_ticks[-1]["pct"] >= 99:
        x_ticks[-1].update(label=f"{x_ticks[-1]['label']} km", anchor="end")
    else:
        while len(x_ticks) > 1 and x_ticks[-1]["pct"] > 78:
            x_ticks.pop()
        x_ticks.append({"pct": 100, "label": f"{max_km:.0f} km", "anchor": "end"})
    y_ticks = []
    e = lo
    while e <= hi + 1e-9:
        y_ticks.append({"y": round(top + y(e), 1), "label_y": round(top + y(e) - 4, 1), "label": f"{e:.0f} m"})
        e += step_e
    top_pt = max(pts, key=lambda p: p[1])
    peak_pct = round(top_pt[0] / max_km * 100, 2)
    return {
        "height": top + plot_height + bottom_space,
        "top": top,
        "plot_height": plot_height,
        "plot_bottom": top + plot_height,
        "xlabel_y": top + plot_height + 16,
        "line": line,
        "area": area,
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "peak": {
            "pct": peak_pct,
            "y": round(top + y(top_pt[1]), 1),
            "label_y": round(top + y(top_pt[1]) - 7, 1),
            "label": f"{top_pt[1]:.0f} m",
            "anchor": "end" if peak_pct > 80 else ("start" if peak_pct < 20 else "middle"),
        },
        "summary": _("从 %(start)s 米到 %(end)s 米，最高 %(max)s 米，最低 %(min)s 米，全程 %(km)s 公里。")
        % {"start": f"{pts[0][1]:.0f}", "end": f"{pts[-1][1]:.0f}", "max": f"{e_max:.0f}", "min": f"{e_min:.0f}", "km": f"{max_km:.1f}"},
    }


def sketch_svg(geometry: dict | None, stops: list[tuple[int, float, float]], width: int = 640, height: int = 420) -> dict | None:
    """A tile-free outline of the line with numbered stops, for the print view.

    Printing a web map is unreliable (tiles load late, or not at all offline); a plain sketch
    always prints, and it is enough to follow the itinerary beside it.
    """
    lines = list(iter_lines(geometry))
    coords = [p for line in lines for p in line] + [(lon, lat) for _, lon, lat in stops]
    if len(coords) < 2:
        return None
    lat0 = math.radians(sum(p[1] for p in coords) / len(coords))
    kx = math.cos(lat0)
    xs = [p[0] * kx for p in coords]
    ys = [p[1] for p in coords]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    pad = 28
    scale = min((width - 2 * pad) / max(max_x - min_x, 1e-6), (height - 2 * pad) / max(max_y - min_y, 1e-6))
    off_x = (width - (max_x - min_x) * scale) / 2
    off_y = (height - (max_y - min_y) * scale) / 2

    def proj(lon: float, lat: float) -> tuple[float, float]:
        return round(off_x + (lon * kx - min_x) * scale, 1), round(height - off_y - (lat - min_y) * scale, 1)

    paths = []
    for line in lines:
        paths.append("M" + " L".join(" ".join(str(v) for v in proj(p[0], p[1])) for p in line))
    # a scale bar of a round number of km, about a quarter of the width
    km_per_px = (math.pi * EARTH_RADIUS_KM / 180) / scale
    bar_km = nice_step(km_per_px * width / 4, 1)
    return {
        "width": width,
        "height": height,
        "paths": paths,
        "stops": [{"number": n, "x": proj(lon, lat)[0], "y": proj(lon, lat)[1]} for n, lon, lat in stops],
        "bar_end": round(16 + bar_km / km_per_px, 1),
        "bar_y": height - 14,
        "bar_label_y": height - 20,
        "bar_label": f"{bar_km:g} km",
        "north_x": width - 20,
    }


# Xining's own altitude, the yardstick every note compares with (seed: places.md).
XINING_ALT_M = 2275
# Within this many metres of Xining the air feels the same to a visitor arriving from the city.
NEAR_XINING_M = 225


def altitude_note(max_alt_m: int | None) -> str:
    """Plain-language advice for the route's highest point, compared with Xining (about 2,275 m).

    Bands: clearly lower (no altitude worries, but it is a change of climate from the city), about
    the same, somewhat higher (from 2,500 m, where sensitive people start to notice), and high
    (from 3,000 m: passes such as 日月山 at 3,520 m, where altitude sickness is common).
    """
    if max_alt_m is None:
        return ""
    alt = f"{max_alt_m:,}"
    if max_alt_m >= 3000:
        return _(
            "线路最高处约 %(alt)s 米，明显高于西宁（约 2,275 米）。初到高原的人可能出现头痛、气短、失眠等高原反应：到达后先休息，放慢步伐，多喝水，不饮酒；"
            "心肺疾病患者、孕妇和老人出发前请先咨询医生。高处风大、紫外线强、早晚寒冷，请带好外套、帽子和防晒用品。"
        ) % {"alt": alt}
    if max_alt_m >= 2500:
        return _(
            "线路最高处约 %(alt)s 米，比西宁（约 2,275 米）略高。大多数人能适应，但请慢行、多喝水；从低海拔地区直接来的游客第一天宜安排轻松些。早晚温差大，请带外套。"
        ) % {"alt": alt}
    if max_alt_m > XINING_ALT_M - NEAR_XINING_M:
        return _("线路最高处约 %(alt)s 米，与西宁市区（约 2,275 米）海拔相近。高原阳光强烈，请注意防晒、多喝水。") % {"alt": alt}
    return _("线路最高处约 %(alt)s 米，比西宁市区（约 2,275 米）低，一般不必担心高原反应；从西宁出发的游客会觉得空气更湿润、气温更高。") % {"alt": alt}


# -- elevations as devices record them ----------------------------------------------------------
# Lowest and highest ground on Earth (Dead Sea shore ≈ −430 m, Everest ≈ 8,849 m): a GPS altitude
# outside this range is a device error, not a place.
MIN_ELEVATION_M = -430.0
MAX_ELEVATION_M = 8900.0
# A 0 is a real sea-level reading only among other near-sea-level readings; next to a neighbour
# further from 0 than this it is a lost fix (many phones write 0 when they have no altitude).
ZERO_NEIGHBOUR_M = 30.0
# What counts as "0": devices that lost their fix write 0, -0 or a few centimetres either side.
ZERO_BAND_M = 0.5
# A single point that jumps up or down by at least SPIKE_MIN_M from both neighbours, steeper than
# MAX_GRADE (rise over run; 1.0 = 45°) on both sides, is a glitch: no road or path does that.
SPIKE_MIN_M = 50.0
MAX_GRADE = 1.0


@dataclass
class ElevationFixes:
    """How many elevations of a line were set aside, and why (for the import report)."""

    missing: int = 0
    impossible: int = 0
    zeros: int = 0
    all_zero: bool = False
    spikes: int = 0

    def __iadd__(self, other: ElevationFixes) -> ElevationFixes:
        self.missing += other.missing
        self.impossible += other.impossible
        self.zeros += other.zeros
        self.all_zero = self.all_zero or other.all_zero
        self.spikes += other.spikes
        return self

    @property
    def dropped(self) -> int:
        return self.impossible + self.zeros + self.spikes


def clean_elevations(line: list[list]) -> tuple[list[list[float]], ElevationFixes]:
    """Positions [lon, lat, ele-or-None] → GeoJSON positions, with untrustworthy elevations removed.

    The one rule set for every format (GPX, KML/KMZ, GeoJSON), so a file's facts do not depend on
    how it was saved: an elevation that is absent, not a number, physically impossible, a 0 beside
    readings far from sea level (or a line of nothing but 0), or a one-point spike is dropped; the
    position stays, without an altitude, and the profile simply skips it.
    """
    fixes = ElevationFixes()
    eles: list[float | None] = []
    for pos in line:
        e = pos[2] if len(pos) > 2 else None
        if e is None or isinstance(e, bool) or not isinstance(e, (int, float)) or not math.isfinite(e):
            fixes.missing += 1
            e = None
        elif not MIN_ELEVATION_M <= e <= MAX_ELEVATION_M:
            fixes.impossible += 1
            e = None
        eles.append(None if e is None else float(e))

    known = [i for i, e in enumerate(eles) if e is not None]
    nonzero = [i for i in known if abs(eles[i]) >= ZERO_BAND_M]
    if known and not nonzero:
        fixes.all_zero = True
        fixes.zeros += len(known)
        eles = [None] * len(eles)
    elif len(nonzero) < len(known):
        zeros = [i for i in known if abs(eles[i]) < ZERO_BAND_M]
        for i in zeros:
            before = next((eles[j] for j in reversed(nonzero) if j < i), None)
            after = next((eles[j] for j in nonzero if j > i), None)
            if any(n is not None and abs(n) > ZERO_NEIGHBOUR_M for n in (before, after)):
                eles[i] = None
                fixes.zeros += 1

    for _pass in range(3):  # a removed spike can unmask its neighbour; a few passes settle it
        known = [i for i, e in enumerate(eles) if e is not None]
        spikes = []
        for a, i, b in zip(known, known[1:], known[2:]):
            d1, d2 = eles[i] - eles[a], eles[i] - eles[b]
            if d1 * d2 <= 0 or min(abs(d1), abs(d2)) < SPIKE_MIN_M:
                continue
            run1 = max(haversine_km(line[a], line[i]) * 1000, 1.0)
            run2 = max(haversine_km(line[i], line[b]) * 1000, 1.0)
            if abs(d1) / run1 > MAX_GRADE and abs(d2) / run2 > MAX_GRADE:
                spikes.append(i)
        if not spikes:
            break
        for i in spikes:
            eles[i] = None
        fixes.spikes += len(spikes)

    out = []
    for pos, e in zip(line, eles):
        p = [pos[0], pos[1]]
        if e is not None:
            p.append(round(e, 1))
        out.append(p)
    return out, fixes
