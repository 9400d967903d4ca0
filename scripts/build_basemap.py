"""Build the portal's own offline basemap: place-name labels for Xining's counties, towns and sights.

Why this exists: mainland visitors often cannot reach the tile host (or are offline in a valley),
and the route maps then showed a bare grid. The map module (portal/static/portal/js/map.js) draws
this file as a light underlay whenever tiles fail, so a route still sits among named places.

Why only labels: no county-boundary or river dataset with an open licence could be had through the
channels this project may use (the package registries carry only boundaries derived from Amap's
DataV.GeoAtlas, "for learning and exchange only", which may not be redistributed). So the basemap
states what the portal itself knows, with the source of every position, and nothing it does not
know: no boundaries and no river line are invented. See portal/static/portal/basemap/README.md.

Usage:
    .venv/bin/python scripts/build_basemap.py          # rewrite the GeoJSON
    .venv/bin/python scripts/build_basemap.py --check  # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
OUTPUT = BASE_DIR / "portal" / "static" / "portal" / "basemap" / "xining-places.geojson"

# The sources, as recorded in the project's seed facts (shared/seed/places.md):
WIKIDATA = "Wikidata"
WIKIPEDIA = "Wikipedia"
DERIVED = "public BD-09 point converted to WGS-84"
ESTIMATE = "estimate, ±5–8 km"

# rank: 0 city, 1 county (drawn at its seat: there is no boundary data), 2 district/town, 3 sight.
# Lower ranks win when two labels collide on screen.
PLACES = [
    # (zh, en, kind, rank, lat, lon, source)
    ("西宁市", "Xining", "city", 0, 36.6224, 101.7804, WIKIPEDIA),
    ("湟中区", "Huangzhong District", "county", 1, 36.4901, 101.5671, WIKIDATA + " (seat: 鲁沙尔镇 Lushar, at Kumbum)"),
    ("大通县", "Datong County", "county", 1, 36.9369, 101.6813, DERIVED + " (seat: 桥头镇 Qiaotou)"),
    ("湟源县", "Huangyuan County", "county", 1, 36.6876, 101.2635, DERIVED + " (seat: 城关镇, Dangar old town)"),
    ("城北区", "Chengbei District", "district", 2, 36.66, 101.76, ESTIMATE),
    ("城东区", "Chengdong District", "district", 2, 36.56, 101.87, ESTIMATE),
    ("多巴镇", "Duoba", "town", 2, 36.66, 101.50, ESTIMATE),
    ("拦隆口镇", "Lanlongkou", "town", 2, 36.70, 101.45, ESTIMATE),
    ("上五庄镇", "Shangwuzhuang", "town", 2, 36.76, 101.37, ESTIMATE),
    ("桥头镇", "Qiaotou", "town", 2, 36.9369, 101.6813, DERIVED),
    ("朔北藏族乡", "Shuobei Tibetan Township", "town", 2, 36.95, 101.80, ESTIMATE),
    ("窎沟村", "Diaogou village", "village", 3, 36.98, 101.84, ESTIMATE),
    ("边麻沟村", "Bianmagou village", "village", 3, 37.00, 101.86, ESTIMATE),
    ("塔尔寺", "Kumbum Monastery", "sight", 3, 36.4901, 101.5671, WIKIDATA),
    ("青海藏文化馆", "Tibetan Culture Museum", "sight", 3, 36.4927, 101.5865, DERIVED),
    ("乡趣卡阳", "Kayang rural park", "sight", 3, 36.66, 101.42, ESTIMATE),
    ("老爷山", "Laoye Mountain", "sight", 3, 36.9317, 101.6883, DERIVED),
    ("鹞子沟", "Yaozigou forest", "sight", 3, 37.0414, 101.8290, DERIVED),
    ("丹噶尔古城", "Dangar old town", "sight", 3, 36.6876, 101.2635, DERIVED),
    ("大黑沟森林公园", "Daheigou forest park", "sight", 3, 36.6737, 101.3732, DERIVED),
    ("宗家沟", "Zongjiagou", "sight", 3, 36.60, 101.16, ESTIMATE),
    ("日月山", "Riyue Mountain pass", "sight", 3, 36.4421, 101.0936, DERIVED),
]


def build() -> dict:
    """The FeatureCollection, in a stable order so the committed file only changes with the table."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": zh, "name_en": en, "kind": kind, "rank": rank, "source": source},
        }
        for zh, en, kind, rank, lat, lon, source in PLACES
    ]
    return {
        "type": "FeatureCollection",
        "name": "xining-places",
        "attribution": "西宁乡村文旅门户 Xining Rural Portal; positions from Wikidata (CC0), Wikipedia and the portal's own estimates",
        "features": features,
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs from the table")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run scripts/build_basemap.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode())} bytes, {len(PLACES)} places)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
