"""Demo content for the 线路 section (called by `manage.py load_demo`).

The three routes of the 2021 Xining article with real stops from ../shared/seed/places.md. The
lines are drawn, not surveyed: between stops they follow a gently wandering path with plausible
elevations, deterministic so every load gives the same line. Stops whose coordinates the seed
marks "est." are saved with "location checked" off, so editors see what still needs checking.
"""

from __future__ import annotations

import hashlib
import math

from wagtail.models import Locale

from portal.demo import demo_image, hero_image, home_collection, translate_page
from portal.geo import haversine_km
from routes.covers import make_cover
from routes.models import RouteIndexPage, RoutePage, RouteStop

# (name, kind, lat, lon, altitude m, checked, opening, description)
XINACHUAN = [
    (
        "青海藏文化馆",
        "museum",
        36.4927,
        101.5865,
        2620,
        True,
        "全年 9:00–17:00（周一闭馆以现场为准）",
        "国家 4A 级景区，展示藏医药、唐卡与藏族生活，位于湟中区鲁沙尔镇，离塔尔寺很近，适合作为线路的第一站。",
    ),
    (
        "塔尔寺",
        "heritage",
        36.4901,
        101.5671,
        2650,
        True,
        "全年开放，夏季 8:00–18:00",
        "国家 5A 级景区、藏传佛教格鲁派六大寺院之一，以酥油花、壁画和堆绣闻名。农历正月、四月、六月、九月有四大法会，正月十五展出酥油花灯。",
    ),
    ("多巴镇", "service", 36.66, 101.50, 2320, False, "", "西纳川的门户小镇，国家高原体育训练基地所在地。可在此加油、吃饭、补给。"),
    (
        "乡趣卡阳",
        "scenic",
        36.66,
        101.42,
        2860,
        False,
        "5–10 月",
        "国家 4A 级乡村旅游景区，距西宁约 42 公里：森林栈道、花海、露营地和木屋，夏季凉爽，是西宁人周末避暑的去处。",
    ),
    ("拦隆口镇", "village", 36.70, 101.45, 2480, False, "", "西纳川河谷里的农业重镇，夏天油菜花和青稞田连成一片，可在农家乐品尝青稞面和手抓羊肉。"),
    ("上五庄镇", "farm", 36.76, 101.37, 2720, False, "6–9 月", "西纳川上游，河谷开阔，牧场与农田交错，适合徒步、骑行和采摘体验。"),
]

DIAOGOU = [
    ("桥头镇", "service", 36.9369, 101.6813, 2450, True, "", "大通县城所在地，线路的起点，可在此吃饭、住宿、补给。"),
    (
        "老爷山",
        "scenic",
        36.9317,
        101.6883,
        2928,
        True,
        "全年开放；花儿会在农历六月初六前后",
        "国家 4A 级景区，海拔 2928 米，登山步道陡峭。每年农历六月初六前后举办老爷山花儿会，是河湟地区最有名的花儿会之一。",
    ),
    ("朔北藏族乡", "village", 36.95, 101.80, 2620, False, "", "大通县东部的藏族乡，保留着传统的庄廓院落和民俗。"),
    ("窎沟村", "village", 36.98, 101.84, 2700, False, "", "窎沟民俗文化线路的核心村庄，可体验土族、藏族的民俗风情和农家饭菜。"),
    (
        "边麻沟村",
        "farm",
        37.00,
        101.86,
        2760,
        False,
        "6 月至 10 月中旬（花期）",
        "以 800 亩花海闻名的乡村旅游村，距西宁约 51 公里，花期从 6 月延续到 10 月中旬。",
    ),
    ("鹞子沟", "scenic", 37.0414, 101.8290, 2850, True, "5–10 月", "森林旅游景区，云杉林、溪流和瀑布，夏季是避暑徒步的好去处。"),
]

HUANGYUAN = [
    (
        "西宁市区（出发地）",
        "service",
        36.6224,
        101.7804,
        2275,
        True,
        "",
        "从西宁市区出发，沿湟水河谷向西。西宁海拔约 2275 米，线路终点日月山高出 1200 多米，出发前请备好外套。",
    ),
    ("大黑沟森林公园", "scenic", 36.6737, 101.3732, 2700, True, "5–10 月", "湟源县东部的森林公园，山谷幽深，夏季凉爽，适合短途徒步。"),
    (
        "丹噶尔古城",
        "heritage",
        36.6876,
        101.2635,
        2640,
        True,
        "全年开放",
        "国家 4A 级景区，清代“茶马互市”的商贸重镇。城隍庙、排灯展和老街值得一看；湟源排灯是国家级非物质文化遗产，元宵节和腊八节展出。",
    ),
    ("宗家沟", "scenic", 36.60, 101.16, 2900, False, "5–10 月", "湟源县城西南约 16 公里的山谷，有溶洞和传说中的“西王母石室”。"),
    (
        "日月山",
        "heritage",
        36.4421,
        101.0936,
        3520,
        True,
        "全年开放，冬季路面可能结冰",
        "海拔约 3520 米，农业区与牧区的分界线，文成公主进藏的传说之地，山顶有日亭、月亭。这里风大、气温低，高原反应更明显，请慢行。",
    ),
]

ROUTES = [
    {
        "slug": "xinachuan",
        "title": "湟中区西纳川休闲农业",
        "theme": "agriculture",
        "colour": "#c2410c",
        "palette": "farm",
        "summary": "从塔尔寺出发，沿西纳川河谷走访农业小镇和乡趣卡阳：寺院文化、青稞田和森林露营，一天里都能体验。",
        "duration": "一日游（7–9 小时）",
        "best_months": [6, 7, 8, 9],
        "distance": 25,
        "by_car": "从西宁市区沿宁湟公路（约 25 公里，40 分钟）到湟中区鲁沙尔镇（塔尔寺）；再经多巴镇进入西纳川河谷。全程柏油路，旺季塔尔寺停车场较满。",
        "by_bus": "西宁市区有公交和城际班车到湟中区鲁沙尔镇（塔尔寺）；去卡阳、拦隆口、上五庄的班车较少，建议包车或自驾。",
        "advice": "<ul><li>进入塔尔寺请着装得体，按顺时针方向绕行，殿内不要拍照。</li><li>卡阳景区海拔接近 2900 米，夏季早晚气温 10 ℃ 左右，请带外套。</li><li>6–8 月是油菜花和青稞田最美的时候，也是游客最多的时候，最好工作日出行。</li></ul>",
        "accessibility": "塔尔寺主要殿堂之间有台阶和坡道，部分路段较陡；青海藏文化馆有无障碍通道。卡阳景区的森林栈道有大量台阶，不适合轮椅。",
        "stops": XINACHUAN,
    },
    {
        "slug": "diaogou",
        "title": "大通县朔北乡窎沟民俗文化",
        "theme": "folk",
        "colour": "#7c3aed",
        "palette": "flowers",
        "summary": "登老爷山、听花儿，再到朔北藏族乡的窎沟和边麻沟：民俗村落、漫山花海和鹞子沟的森林。",
        "duration": "一至两日",
        "best_months": [6, 7, 8, 9, 10],
        "distance": 35,
        "by_car": "从西宁沿宁大高速到大通县城桥头镇（约 35 公里，40 分钟），再向东进入朔北藏族乡；边麻沟距西宁约 51 公里。",
        "by_bus": "西宁有城际公交到大通县桥头镇；从桥头镇到朔北、边麻沟可乘乡村班车或打车。",
        "advice": "<ul><li>农历六月初六前后的老爷山花儿会人很多，请提前规划交通。</li><li>边麻沟花期为 6 月到 10 月中旬，7–8 月最盛。</li><li>村里可以吃到农家饭，尊重当地民俗，拍摄村民前请先征得同意。</li></ul>",
        "accessibility": "老爷山登山步道以台阶为主，坡度大；边麻沟花海主步道较平缓，部分路段为木栈道。",
        "stops": DIAOGOU,
    },
    {
        "slug": "huangyuan",
        "title": "湟源县历史文化",
        "theme": "history",
        "colour": "#1d4ed8",
        "palette": "temple",
        "summary": "沿湟水河谷西行，走进茶马互市的丹噶尔古城，看排灯，过宗家沟，登上农牧分界的日月山。",
        "duration": "一日游（8–10 小时）",
        "best_months": [5, 6, 7, 8, 9, 10],
        "distance": 50,
        "by_car": "从西宁沿京藏高速（G6）或 109 国道向西约 50 公里到湟源县城（丹噶尔古城），再沿 109 国道上日月山（县城以西约 40 公里）。",
        "by_bus": "西宁有开往湟源县城的城际班车；去日月山可乘往共和、青海湖方向的班车在日月山下车，或在县城包车。",
        "advice": "<ul><li>日月山海拔约 3520 米，初上高原的人容易气短、头痛：慢走，多喝水。</li><li>山顶风大，夏天也可能只有十几度，请带防风外套。</li><li>元宵节和腊八节有湟源排灯展，是欣赏非遗的好时机。</li></ul>",
        "accessibility": "丹噶尔古城街道平坦，适合轮椅和推车；日月山观景台有台阶，高海拔地区请量力而行。",
        "stops": HUANGYUAN,
    },
]


def _rand(seed: str, i: int) -> float:
    """A deterministic number in [0, 1) for a seed and an index."""
    h = hashlib.sha256(f"{seed}:{i}".encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**32


def demo_line(stops: list[tuple], seed: str) -> list[list[float]]:
    """[lon, lat, ele] positions through the stops, about every 400 m, wandering like a valley road.

    Between two stops the path bends away from the straight line (a few sine waves whose phase and
    amplitude come from the seed) and comes back to meet each stop exactly; elevation goes from one
    stop's altitude to the next with a small swell in between, never below the lower of the two
    minus a few metres, as roads along a valley do.
    """
    coords: list[list[float]] = []
    for k, (a, b) in enumerate(zip(stops, stops[1:])):
        lat1, lon1, ele1 = a[2], a[3], a[4]
        lat2, lon2, ele2 = b[2], b[3], b[4]
        dist = haversine_km((lon1, lat1), (lon2, lat2))
        n = max(8, int(dist / 0.4))
        kx = math.cos(math.radians((lat1 + lat2) / 2))
        dx, dy = (lon2 - lon1) * kx, lat2 - lat1
        norm = math.hypot(dx, dy) or 1.0
        px, py = -dy / norm, dx / norm  # unit perpendicular (in lon·cos(lat), lat space)
        amp = min(0.12, 0.08 + 0.04 * _rand(seed, k)) * math.hypot(dx, dy)
        waves = [(1 + int(3 * _rand(seed, k * 10 + j)), 2 * math.pi * _rand(seed, k * 10 + j + 5), 1 / (j + 1)) for j in range(3)]
        bump = (12 + 30 * _rand(seed, k + 99)) * (1 if _rand(seed, k + 7) > 0.4 else -0.3)
        for i in range(0 if k == 0 else 1, n + 1):
            t = i / n
            env = math.sin(math.pi * t)
            off = amp * env * sum(w * math.sin(f * math.pi * t + ph) for f, ph, w in waves) / 1.8
            lon = lon1 + (lon2 - lon1) * t + off * px / kx
            lat = lat1 + (lat2 - lat1) * t + off * py
            ele = ele1 + (ele2 - ele1) * (3 * t * t - 2 * t * t * t) + bump * env + 6 * math.sin(7 * math.pi * t) * env
            coords.append([round(lon, 6), round(lat, 6), round(ele, 1)])
    return coords


def load(ctx):
    index = RouteIndexPage.objects.first()
    if index is None:
        index = ctx.home.add_child(
            instance=RouteIndexPage(
                title="线路",
                slug="routes",
                show_in_menus=True,
                intro="<p>西宁市打造的三条乡村旅游精品线路：湟中区西纳川休闲农业、大通县朔北乡窎沟民俗文化和湟源县历史文化。每条线路都可以下载 GPX/KML 轨迹导入导航软件，或打印成行程单。</p>",
            )
        )
        ctx.log("Created RouteIndexPage /routes/")
    for spec in ROUTES:
        if RoutePage.objects.filter(slug=spec["slug"]).exists():
            continue
        _create_route(index, spec, ctx)
    return index


# What each stop's demo picture draws (portal.illustrations motifs).
STOP_MOTIFS = {
    "青海藏文化馆": "museum",
    "塔尔寺": "monastery",
    "多巴镇": "town",
    "乡趣卡阳": "forest",
    "拦隆口镇": "fields",
    "上五庄镇": "village",
    "桥头镇": "town",
    "老爷山": "mountain",
    "朔北藏族乡": "courtyard",
    "窎沟村": "village",
    "边麻沟村": "flowers",
    "鹞子沟": "forest",
    "西宁市区（出发地）": "town",
    "大黑沟森林公园": "forest",
    "丹噶尔古城": "old_town",
    "宗家沟": "mountain",
    "日月山": "mountain",
}


def _create_route(index, spec, ctx):
    page = RoutePage(
        title=spec["title"],
        slug=spec["slug"],
        theme=spec["theme"],
        colour=spec["colour"],
        summary=spec["summary"],
        geometry={"type": "LineString", "coordinates": demo_line(spec["stops"], spec["slug"])},
        duration=spec["duration"],
        best_months=spec["best_months"],
        distance_from_xining_km=spec["distance"],
        by_car=spec["by_car"],
        by_bus=spec["by_bus"],
        practical_advice=spec["advice"],
        accessibility=spec["accessibility"],
        search_description=spec["summary"],
    )
    english = ROUTES_EN.get(spec["slug"], {}).get("stops", [])
    for order, (name, kind, lat, lon, alt, checked, opening, description) in enumerate(spec["stops"]):
        name_en = english[order][0] if order < len(english) else ""
        image = demo_image(f"站点 · {name}", STOP_MOTIFS.get(name, "landscape"), caption=name, caption_en=name_en)
        page.stops.add(
            RouteStop(
                sort_order=order,
                name=name,
                kind=kind,
                location={"type": "Point", "coordinates": [lon, lat]},
                location_checked=checked,
                altitude_m=alt,
                opening=opening,
                description=description,
                image=image,
            )
        )
    index.add_child(instance=page)
    # The cover is drawn from the route's own line, stops and profile (routes.covers).
    page.hero_image = make_cover(page, alt_en=_cover_alt_en(spec))
    page.save_revision(user=ctx.users.get("editor")).publish()
    ctx.log(f"Created route /routes/{spec['slug']}/ ({page.length_km:.0f} km, {len(spec['stops'])} stops)")


def _cover_alt_en(spec) -> str:
    english = ROUTES_EN.get(spec["slug"])
    if not english:
        return ""
    stops = ", ".join(name for name, _description, _opening in english["stops"])
    return f"Map of the {english['title']}: the line through {stops}, with its elevation profile below"


# English copies (/en/routes/...): by route slug; stops in the same order as the Chinese ones,
# as (name, description, season or hours).
ROUTES_EN = {
    "xinachuan": {
        "title": "Xinachuan Leisure Agriculture Route, Huangzhong",
        "summary": "From Kumbum Monastery along the Xinachuan valley to farming towns and Kayang: temple culture, highland barley fields and forest camping in a single day.",
        "duration": "Day trip (7–9 hours)",
        "by_car": "From central Xining take the Ning–Huang road (about 25 km, 40 minutes) to Lushar town in Huangzhong (Kumbum Monastery), then continue via Duoba into the Xinachuan valley. Paved all the way; the monastery car park fills up in high season.",
        "by_bus": "City buses and intercity coaches run from Xining to Lushar (Kumbum Monastery); buses to Kayang, Lanlongkou and Shangwuzhuang are infrequent, so hire a car with driver or drive yourself.",
        "advice": "<ul><li>Dress modestly at Kumbum Monastery, walk round it clockwise and do not take photos inside the halls.</li><li>Kayang lies at almost 2,900 m; summer mornings and evenings are around 10 °C, so bring a jacket.</li><li>June to August is the best time for rapeseed flowers and barley fields, and also the busiest: go on a weekday if you can.</li></ul>",
        "accessibility": "Kumbum Monastery has steps and ramps between its main halls, some of them steep; the Qinghai Tibetan Culture Museum has step-free access. The forest boardwalks at Kayang have many steps and are not suitable for wheelchairs.",
        "stops": [
            (
                "Qinghai Tibetan Culture Museum",
                "A national 4A-rated attraction on Tibetan medicine, thangka painting and Tibetan daily life, in Lushar town, Huangzhong, close to Kumbum Monastery: a good first stop on the route.",
                "All year, 9:00–17:00 (closed some Mondays; check on site)",
            ),
            (
                "Kumbum Monastery",
                "A national 5A-rated site and one of the six great monasteries of the Gelug school of Tibetan Buddhism, famous for its yak-butter sculptures, murals and appliqué embroidery. Great assemblies are held in the first, fourth, sixth and ninth lunar months; butter-sculpture lanterns are shown on the 15th day of the first lunar month.",
                "Open all year; summer 8:00–18:00",
            ),
            ("Duoba", "The gateway town of Xinachuan and home of the national high-altitude sports training base. A place to refuel, eat and stock up.", ""),
            (
                "Kayang Rural Scenic Area",
                "A national 4A-rated rural scenic area about 42 km from Xining: forest boardwalks, flower fields, campsites and log cabins. Cool in summer, it is where Xining people go to escape the heat at weekends.",
                "May–October",
            ),
            (
                "Lanlongkou",
                "A farming town in the Xinachuan valley; in summer the rapeseed and barley fields run together. Try barley noodles and hand-held mutton at a farmhouse restaurant.",
                "",
            ),
            (
                "Shangwuzhuang",
                "The upper Xinachuan valley, wide and open, where pastures and fields meet: good for walking, cycling and fruit picking.",
                "June–September",
            ),
        ],
    },
    "diaogou": {
        "title": "Diaogou Folk Culture Route, Shuobei, Datong",
        "summary": "Climb Laoye Mountain and hear hua'er folk songs, then visit Diaogou and Bianmagou in Shuobei Tibetan Township: folk villages, hillsides of flowers and the forests of Yaozigou.",
        "duration": "One to two days",
        "by_car": "From Xining take the Ning–Da expressway to Qiaotou, the county town of Datong (about 35 km, 40 minutes), then head east into Shuobei Tibetan Township; Bianmagou is about 51 km from Xining.",
        "by_bus": "Intercity buses run from Xining to Qiaotou in Datong; from Qiaotou take a rural bus or a taxi to Shuobei and Bianmagou.",
        "advice": "<ul><li>The Laoye Mountain hua'er fair around the 6th day of the sixth lunar month draws big crowds: plan your transport ahead.</li><li>The Bianmagou flowers bloom from June to mid-October, at their best in July and August.</li><li>Villages serve farmhouse meals; respect local customs and ask before photographing people.</li></ul>",
        "accessibility": "The Laoye Mountain path is mostly steep steps; the main path through the Bianmagou flower fields is gentle, partly on boardwalks.",
        "stops": [
            ("Qiaotou", "The county town of Datong and the start of the route: places to eat, sleep and stock up.", ""),
            (
                "Laoye Mountain",
                "A national 4A-rated scenic area, 2,928 m high, with a steep path to the top. The Laoye Mountain hua'er fair, one of the best known in the Hehuang region, is held around the 6th day of the sixth lunar month every year.",
                "Open all year; hua'er fair around the 6th day of the sixth lunar month",
            ),
            ("Shuobei Tibetan Township", "A Tibetan township in eastern Datong that keeps its traditional walled courtyard houses and folk customs.", ""),
            ("Diaogou Village", "The heart of the Diaogou folk culture route: Tu and Tibetan folk customs and farmhouse cooking.", ""),
            (
                "Bianmagou Village",
                "A rural tourism village known for its 800 mu (about 53 hectares) of flower fields, about 51 km from Xining; the flowers last from June to mid-October.",
                "June to mid-October (flowering season)",
            ),
            ("Yaozigou", "A forest scenic area of spruce woods, streams and waterfalls: a cool place for summer walks.", "May–October"),
        ],
    },
    "huangyuan": {
        "title": "Huangyuan History and Heritage Route",
        "summary": "West up the Huangshui valley to Dan'gaer, the old tea-and-horse trading town, with its lanterns, past Zongjiagou to Riyue Mountain, where farmland meets grassland.",
        "duration": "Day trip (8–10 hours)",
        "by_car": "From Xining take the G6 Beijing–Lhasa expressway or National Road 109 west for about 50 km to the county town of Huangyuan (Dan'gaer Old Town), then follow Road 109 up to Riyue Mountain (about 40 km west of the town).",
        "by_bus": "Intercity buses run from Xining to Huangyuan; for Riyue Mountain take a bus towards Gonghe or Qinghai Lake and get off at the pass, or hire a car in Huangyuan.",
        "advice": "<ul><li>Riyue Mountain is about 3,520 m high; people new to altitude may feel breathless or get headaches: walk slowly and drink plenty of water.</li><li>It is windy at the top and can be only 10–15 °C even in summer: bring a windproof jacket.</li><li>The Huangyuan lantern shows at the Lantern Festival and the Laba festival are the time to see this intangible heritage.</li></ul>",
        "accessibility": "The streets of Dan'gaer Old Town are level and fine for wheelchairs and pushchairs; the viewing platforms on Riyue Mountain have steps, and at this altitude take it at your own pace.",
        "stops": [
            (
                "Central Xining (start)",
                "Leave central Xining westwards along the Huangshui valley. Xining is about 2,275 m above sea level and Riyue Mountain at the end of the route is over 1,200 m higher: bring a jacket.",
                "",
            ),
            ("Daheigou Forest Park", "A forest park in eastern Huangyuan with deep, cool valleys: good for short summer walks.", "May–October"),
            (
                "Dan'gaer Old Town",
                "A national 4A-rated site, a Qing-dynasty trading town of the tea-and-horse trade. See the City God Temple, the lantern exhibition and the old street; Huangyuan's lanterns are national intangible cultural heritage, shown at the Lantern Festival and the Laba festival.",
                "Open all year",
            ),
            (
                "Zongjiagou",
                "A valley about 16 km south-west of Huangyuan town, with caves and the legendary “Stone Chamber of the Queen Mother of the West”.",
                "May–October",
            ),
            (
                "Riyue Mountain (Sun and Moon Mountain)",
                "About 3,520 m high, the line between farmland and pastures and the place of the legend of Princess Wencheng's journey to Tibet, with the Sun and Moon pavilions at the top. Windy and cold, and altitude sickness is more noticeable here: go slowly.",
                "Open all year; the road may be icy in winter",
            ),
        ],
    },
}


def english_stop_name(english: str, chinese: str) -> str:
    """ "Kumbum Monastery 塔尔寺": the English name with the Chinese one beside it (without its notes in brackets)."""
    chinese = chinese.split("（")[0].strip()
    return f"{english} {chinese}" if chinese and chinese not in english else english


def load_english(ctx):
    """English copies of the routes index's routes with their stops (after portal made /en/routes/)."""

    editor = ctx.users.get("editor")
    for spec in ROUTES:
        english = ROUTES_EN[spec["slug"]]
        source = RoutePage.objects.filter(slug=spec["slug"], locale=Locale.get_default()).first()
        if source is None:
            continue

        def fill(page, english=english):
            stops = list(page.stops.all())
            for stop, (name, description, opening) in zip(stops, english["stops"]):
                # The Chinese name stays beside the English one: it is what road signs and drivers use.
                stop.name, stop.description, stop.opening = english_stop_name(name, stop.name), description, opening
            page.stops = stops

        page, made = translate_page(
            source,
            ctx.locale,
            user=editor,
            fill=fill,
            title=english["title"],
            summary=english["summary"],
            search_description=english["summary"],
            duration=english["duration"],
            by_car=english["by_car"],
            by_bus=english["by_bus"],
            practical_advice=english["advice"],
            accessibility=english["accessibility"],
        )
        if made:
            ctx.log(f"Created the English route /en/routes/{page.slug}/")


# The section page in English (by the Chinese page's slug), for portal's load_demo.
SECTION_EN = {
    "title": "Routes",
    "intro": "Three rural tourism routes around Xining: Xinachuan leisure agriculture in Huangzhong, Diaogou folk culture in Shuobei, Datong, and the history and heritage of Huangyuan. Every route can be downloaded as a GPX or KML track for navigation apps, or printed as an itinerary.",
    "search_description": "Three rural tourism routes around Xining, Qinghai: Xinachuan leisure agriculture, Diaogou folk culture and Huangyuan history and heritage, with maps, stops and GPX downloads.",
}


def home_blocks(sections, english):
    """The home page's banner and its routes section (portal's load_demo composes the page)."""
    routes = sections.get("routes")
    hero = {
        "title": "Discover rural Hehuang" if english else "走进河湟乡村",
        "subtitle": (
            "The fields of Xinachuan, the hua'er songs and folk customs of Diaogou, the lantern-lit old town of Dan'gaer: Xining's three rural tourism routes are waiting."
            if english
            else "西纳川的田园、窎沟的花儿与民俗、丹噶尔古城的灯火——西宁三条乡村旅游精品线路等你来。"
        ),
        "image": hero_image(),
        "image_alt": "Fields in the Hehuang valley below snow-capped mountains (illustration)" if english else "雪山下的河湟谷地田野（示意图）",
        "link_page": routes,
        "link_text": "See the three routes" if english else "查看三条精品线路",
    }
    return [(0, ("hero", hero)), home_collection(10, "Three rural routes" if english else "三条精品线路", "routes", routes)]
