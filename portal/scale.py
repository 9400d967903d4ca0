"""A large dataset on demand, for measuring what the portal costs when content grows.

`manage.py load_scale --homestays 1000 --stations 5000 --products 1000 --news 3000` grows each kind
to that many in all (a second run adds only what is missing). Each app registers what it can grow
(`registry.register_scale`) and makes plausible objects with its own models; this module gives
them the same seeded randomness and places: points around the rural county seats, denser near the
seat, as the real network is.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

# The rural county seats and how far their villages reach (degrees), from the portal's basemap.
RURAL_SEATS = (
    ("huangzhong", 101.571, 36.500, 0.22),
    ("datong", 101.685, 36.927, 0.25),
    ("huangyuan", 101.256, 36.682, 0.20),
)
VILLAGES = ("卡阳", "拦隆口", "上五庄", "多巴", "鲁沙尔", "田家寨", "窎沟", "朔北", "桥头", "东峡", "日月", "申中", "波航", "和平", "大华", "巴燕")


@dataclass
class ScaleContext:
    home: object  # the default-language home page
    stdout: object
    rng: random.Random = field(default_factory=lambda: random.Random(27))

    def place(self) -> tuple[str, float, float]:
        """(county code, lon, lat): a point near one of the rural county seats."""
        county, lon, lat, reach = self.rng.choice(RURAL_SEATS)
        distance = reach * math.sqrt(self.rng.random())
        angle = self.rng.random() * 2 * math.pi
        return county, round(lon + distance * math.cos(angle), 5), round(lat + distance * math.sin(angle) * 0.8, 5)

    def village(self) -> str:
        return self.rng.choice(VILLAGES) + "村"
