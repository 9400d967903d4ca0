"""Demo content for the 民宿 section (called by `manage.py load_demo`, after the routes).

Fourteen listings along the three routes: three belong to `owner1` (one still a draft), three to
`owner2` (one waiting in 民宿审核), the rest to the editor. Owners get their permissions through
homestays.owners.grant_listing, the same code the admin's invite view runs. Names, rooms and
prices are invented and marked 示例; points are estimates near the routes' stops
(../shared/seed/places.md). Idempotent: listings are looked up by slug.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from homestays.models import (
    Amenity,
    County,
    DayStatus,
    Grade,
    HomestayGalleryImage,
    HomestayIndexPage,
    HomestayPage,
    HomestayRoom,
    Inquiry,
    InquiryStatus,
    Licence,
    LicenceKind,
    RoomNight,
    Season,
    SeasonPeriod,
)
from homestays.owners import grant_listing, make_owner, owner_collection
from homestays.workflow import REVIEW
from portal.demo import demo_image, home_collection, translate_page

R = HomestayRoom

LISTINGS = [
    # slug, title, owner, county, township, village, (lat, lon), grade, certified, featured, palette, state
    {
        "slug": "kayang-huahai",
        "title": "卡阳花海小院",
        "owner": "owner1",
        "county": County.HUANGZHONG,
        "township": "拦隆口镇",
        "village": "卡阳村",
        "point": (36.6628, 101.4175),
        "grade": Grade.JIA,
        "certified": True,
        "featured": True,
        "palette": "flowers",
        "summary": "乡趣卡阳景区脚下的土木小院，推窗是花海和云杉林，清晨可以走森林栈道。",
        "amenities": ["heating", "hot-water", "wifi", "parking", "breakfast", "mobile-pay"],
        "rooms": [
            R(room_type="花园大床房", beds="一张1.8米大床", capacity=2, price_per_night=368),
            R(room_type="家庭房", beds="一张1.8米大床 + 两张1.2米单人床", capacity=4, price_per_night=588),
            R(room_type="标准间", beds="两张1.2米单人床", capacity=2, price_per_night=298),
        ],
        "meals": "含早餐（青稞饼、酸奶、奶茶）。午餐、晚餐可预订农家菜。",
        "specialities": "手抓羊肉、甜醅、青稞酒；夏天可采蘑菇、挖野菜。",
        "season": "全年（5月—10月花期最佳）",
        "languages": "普通话、青海话",
        "phone": "13897000001",
        "wechat": "kayang-xiaoyuan",
        "state": "live",
    },
    {
        "slug": "xinachuan-qingke",
        "title": "西纳川青稞园农家院",
        "owner": "owner1",
        "county": County.HUANGZHONG,
        "township": "拦隆口镇",
        "village": "拦隆口村",
        "point": (36.7032, 101.4548),
        "grade": Grade.YI,
        "certified": False,
        "featured": False,
        "palette": "farm",
        "summary": "青稞地边的农家院，可以跟主人下地、磨炒面、酿青稞酒。",
        "amenities": ["heating", "hot-water", "wifi", "parking", "breakfast"],
        "rooms": [
            R(room_type="炕房", beds="土炕（可睡4人）", capacity=4, price_per_night=260),
            R(room_type="标准间", beds="两张1.2米单人床", capacity=2, price_per_night=180),
        ],
        "meals": "农家饭按人计价，早餐 20 元/人。",
        "specialities": "炒面、狗浇尿饼、青稞酒体验。",
        "season": "全年",
        "languages": "普通话、青海话",
        "phone": "0971-2230001",
        "wechat": "",
        "state": "live",
    },
    {
        "slug": "taersi-suyoudeng",
        "title": "塔尔寺畔酥油灯客栈",
        "owner": "owner1",
        "county": County.HUANGZHONG,
        "township": "鲁沙尔镇",
        "village": "",
        "point": (36.4952, 101.5736),
        "grade": Grade.UNRATED,
        "certified": False,
        "featured": False,
        "palette": "temple",
        "summary": "离塔尔寺步行十分钟的藏式小楼（业主正在完善信息）。",
        "amenities": ["heating", "hot-water", "wifi"],
        "rooms": [R(room_type="藏式大床房", beds="一张1.5米大床", capacity=2, price_per_night=320)],
        "meals": "",
        "specialities": "",
        "season": "全年",
        "languages": "普通话、藏语",
        "phone": "13897000003",
        "wechat": "",
        "state": "draft",
    },
    {
        "slug": "shangwuzhuang-mujia",
        "title": "上五庄牧家乐",
        "owner": "editor",
        "county": County.HUANGZHONG,
        "township": "上五庄镇",
        "village": "",
        "point": (36.7585, 101.3712),
        "grade": Grade.BING,
        "certified": False,
        "featured": False,
        "palette": "plateau",
        "summary": "西纳川上游的牧家，夏天能看到转场的牦牛群。",
        "amenities": ["hot-water", "parking", "breakfast", "halal"],
        "rooms": [
            R(room_type="标准间", beds="两张1.2米单人床", capacity=2, price_per_night=150),
            R(room_type="大通铺", beds="六张单人床", capacity=6, price_per_night=360),
        ],
        "meals": "清真厨房，手抓羊肉、酿皮。",
        "specialities": "酸奶、曲拉、牦牛肉干。",
        "season": "5月—10月",
        "languages": "普通话、青海话",
        "phone": "13897000004",
        "wechat": "",
        "state": "live",
    },
    {
        "slug": "duoba-yunshan",
        "title": "多巴云杉民宿",
        "owner": "editor",
        "county": County.HUANGZHONG,
        "township": "多巴镇",
        "village": "",
        "point": (36.6561, 101.5044),
        "grade": Grade.YI,
        "certified": True,
        "featured": False,
        "palette": "plateau",
        "summary": "紧挨多巴高原训练基地，适合跑步爱好者在 2300 米海拔适应训练。",
        "amenities": ["heating", "hot-water", "wifi", "parking", "accessible", "mobile-pay"],
        "rooms": [
            R(room_type="标准间", beds="两张1.2米单人床", capacity=2, price_per_night=220),
            R(room_type="无障碍大床房", beds="一张1.8米大床", capacity=2, price_per_night=260),
        ],
        "meals": "早餐 25 元/人；可做运动员营养餐。",
        "specialities": "",
        "season": "全年",
        "languages": "普通话、英语",
        "phone": "0971-2230005",
        "wechat": "duoba-yunshan",
        "state": "live",
    },
    {
        "slug": "diaogou-huaer",
        "title": "窎沟花儿院",
        "owner": "owner2",
        "county": County.DATONG,
        "township": "朔北藏族乡",
        "village": "窎沟村",
        "point": (36.9786, 101.8377),
        "grade": Grade.JIA,
        "certified": True,
        "featured": True,
        "palette": "autumn",
        "summary": "窎沟村里的四合院，主人会唱花儿；院里晒着青稞，墙上挂着刺绣。",
        "amenities": ["heating", "hot-water", "wifi", "parking", "breakfast", "halal", "mobile-pay"],
        "rooms": [
            R(room_type="四合院大床房", beds="一张1.8米大床", capacity=2, price_per_night=398),
            R(room_type="炕房", beds="土炕（可睡5人）", capacity=5, price_per_night=520),
            R(room_type="标准间", beds="两张1.2米单人床", capacity=2, price_per_night=268),
        ],
        "meals": "含早餐；晚餐可订土火锅。",
        "specialities": "花儿演唱、刺绣体验、青稞酒。",
        "season": "全年（6月—10月边麻沟花期）",
        "languages": "普通话、青海话、藏语",
        "phone": "13997000006",
        "wechat": "diaogou-huaer",
        "state": "live",
    },
    {
        "slug": "bianmagou-huahai",
        "title": "边麻沟花海民宿",
        "owner": "owner2",
        "county": County.DATONG,
        "township": "朔北藏族乡",
        "village": "边麻沟村",
        "point": (37.0018, 101.8622),
        "grade": Grade.YI,
        "certified": True,
        "featured": False,
        "palette": "flowers",
        "summary": "八百亩花海旁的木屋，六月到十月中旬开满格桑花和油菜花。",
        "amenities": ["heating", "hot-water", "wifi", "parking", "pets"],
        "rooms": [
            R(room_type="花海木屋", beds="一张1.5米大床", capacity=2, price_per_night=458),
            R(room_type="亲子木屋", beds="一张1.5米大床 + 一张1.2米单人床", capacity=3, price_per_night=558),
        ],
        "meals": "早餐 30 元/人。",
        "specialities": "花海摄影、篝火晚会。",
        "season": "6月—10月中旬",
        "languages": "普通话",
        "phone": "13997000007",
        "wechat": "",
        "state": "moderation",
    },
    {
        "slug": "shuobei-zangjia",
        "title": "朔北藏家院子",
        "owner": "owner2",
        "county": County.DATONG,
        "township": "朔北藏族乡",
        "village": "",
        "point": (36.9517, 101.8021),
        "grade": Grade.BING,
        "certified": False,
        "featured": False,
        "palette": "autumn",
        "summary": "藏族人家的院子，酥油茶、糌粑管够。",
        "amenities": ["heating", "hot-water", "breakfast"],
        "rooms": [
            R(room_type="藏式炕房", beds="土炕（可睡4人）", capacity=4, price_per_night=240),
            R(room_type="标准间", beds="两张1.2米单人床", capacity=2, price_per_night=160),
        ],
        "meals": "含早餐：酥油茶、糌粑、酸奶。",
        "specialities": "",
        "season": "全年",
        "languages": "普通话、藏语",
        "phone": "0971-2740008",
        "wechat": "",
        "state": "live",
    },
    {
        "slug": "yaozigou-muwu",
        "title": "鹞子沟林间木屋",
        "owner": "editor",
        "county": County.DATONG,
        "township": "宝库乡",
        "village": "",
        "point": (37.0392, 101.8268),
        "grade": Grade.YI,
        "certified": False,
        "featured": False,
        "palette": "plateau",
        "summary": "森林景区里的原木屋，夜里能听到溪水声。",
        "amenities": ["hot-water", "wifi", "parking", "oxygen"],
        "rooms": [
            R(room_type="林间木屋", beds="一张1.8米大床", capacity=2, price_per_night=680),
            R(room_type="家庭木屋", beds="两张1.5米大床", capacity=4, price_per_night=800),
        ],
        "meals": "景区餐厅步行五分钟。",
        "specialities": "森林徒步、观鸟。",
        "season": "5月—10月",
        "languages": "普通话",
        "phone": "0971-2740009",
        "wechat": "",
        "state": "live",
    },
    {
        "slug": "laoyeshan-qiaotou",
        "title": "老爷山下桥头人家",
        "owner": "editor",
        "county": County.DATONG,
        "township": "桥头镇",
        "village": "",
        "point": (36.9341, 101.6842),
        "grade": Grade.UNRATED,
        "certified": False,
        "featured": False,
        "palette": "temple",
        "summary": "县城边的家庭旅馆，去老爷山花儿会最方便。",
        "amenities": ["hot-water", "wifi", "mobile-pay"],
        "rooms": [
            R(room_type="标准间", beds="两张1.2米单人床", capacity=2, price_per_night=128),
            R(room_type="三人间", beds="三张1.2米单人床", capacity=3, price_per_night=168),
        ],
        "meals": "",
        "specialities": "",
        "season": "全年",
        "languages": "普通话、青海话",
        "phone": "13997000010",
        "wechat": "",
        "state": "live",
    },
    {
        "slug": "danggaer-paideng",
        "title": "丹噶尔古城排灯客栈",
        "owner": "editor",
        "county": County.HUANGYUAN,
        "township": "城关镇",
        "village": "",
        "point": (36.6881, 101.2652),
        "grade": Grade.JIA,
        "certified": True,
        "featured": True,
        "palette": "temple",
        "summary": "古城老街上的四合院客栈，元宵、腊八推门就是排灯。",
        "amenities": ["heating", "hot-water", "wifi", "breakfast", "accessible", "mobile-pay"],
        "rooms": [
            R(room_type="四合院大床房", beds="一张1.8米大床", capacity=2, price_per_night=428),
            R(room_type="套房", beds="一张1.8米大床 + 沙发床", capacity=3, price_per_night=688),
            R(room_type="标准间", beds="两张1.2米单人床", capacity=2, price_per_night=318),
        ],
        "meals": "含早餐；古城里小吃很多：酿皮、甜醅、羊肠面。",
        "specialities": "排灯制作体验（需预约）。",
        "season": "全年",
        "languages": "普通话、青海话、英语",
        "phone": "0971-4330011",
        "wechat": "danggaer-inn",
        "state": "live",
    },
    {
        "slug": "daheigou-senlin",
        "title": "大黑沟森林人家",
        "owner": "editor",
        "county": County.HUANGYUAN,
        "township": "",
        "village": "",
        "point": (36.6721, 101.3698),
        "grade": Grade.BING,
        "certified": False,
        "featured": False,
        "palette": "plateau",
        "summary": "森林公园门口的农家，夏天凉快，适合带孩子。",
        "amenities": ["hot-water", "parking", "pets"],
        "rooms": [
            R(room_type="标准间", beds="两张1.2米单人床", capacity=2, price_per_night=138),
            R(room_type="家庭房", beds="一张1.5米大床 + 一张1.2米单人床", capacity=3, price_per_night=198),
        ],
        "meals": "农家饭，可自带食材加工。",
        "specialities": "",
        "season": "5月—10月",
        "languages": "普通话",
        "phone": "13997000012",
        "wechat": "",
        "state": "live",
    },
    {
        "slug": "zongjiagou-shanju",
        "title": "宗家沟石室山居",
        "owner": "editor",
        "county": County.HUANGYUAN,
        "township": "日月藏族乡",
        "village": "宗家沟村",
        "point": (36.6024, 101.1618),
        "grade": Grade.BING,
        "certified": False,
        "featured": False,
        "palette": "autumn",
        "summary": "去“西王母石室”的山路边，石头垒的小院。",
        "amenities": ["heating", "hot-water", "breakfast"],
        "rooms": [R(room_type="石屋大床房", beds="一张1.5米大床", capacity=2, price_per_night=198)],
        "meals": "含早餐。",
        "specialities": "",
        "season": "4月—10月",
        "languages": "普通话、藏语",
        "phone": "13997000013",
        "wechat": "",
        "state": "live",
    },
    {
        "slug": "riyueshan-muzhang",
        "title": "日月山牧帐营地",
        "owner": "editor",
        "county": County.HUANGYUAN,
        "township": "日月藏族乡",
        "village": "",
        "point": (36.4462, 101.1003),
        "grade": Grade.UNRATED,
        "certified": False,
        "featured": False,
        "palette": "snow",
        "summary": "海拔 3400 米的牧帐营地，看日出和星空；高原反应请量力而行。",
        "amenities": ["oxygen", "parking", "breakfast", "halal"],
        "rooms": [
            R(room_type="牧帐", beds="两张单人床", capacity=2, price_per_night=260),
            R(room_type="大牧帐", beds="六张单人床", capacity=6, price_per_night=720),
        ],
        "meals": "含早餐；晚餐手抓羊肉。",
        "specialities": "骑马、赛马会（7月）。",
        "season": "6月—9月",
        "languages": "普通话、藏语",
        "phone": "13997000014",
        "wechat": "",
        "state": "live",
    },
]

HOUSE_RULES = "入住请出示身份证，按规定实名登记。\n22:00 后请保持安静。\n室内禁止吸烟。\n高原地区昼夜温差大，请带外套。"
DEMO_NOTE = "（示例内容：民宿名称、房价和联系方式均为虚构。）"


def load(ctx):
    index = HomestayIndexPage.objects.first()
    if index is None:
        index = ctx.home.add_child(
            instance=HomestayIndexPage(
                title="民宿",
                slug="homestays",
                show_in_menus=True,
                intro="<p>河湟精品民宿：住在三条乡村旅游精品线路旁的村子里，吃农家饭、听花儿、看排灯。按县区、等级、价格、人数和设施筛选，或找离某条线路最近的民宿。</p>",
            )
        )
        ctx.log("Created HomestayIndexPage /homestays/")
    users = ctx.users
    for owner in ("owner1", "owner2"):
        if owner in users:
            make_owner(users[owner])
    existing = set(index.get_children().values_list("slug", flat=True))
    for n, spec in enumerate(LISTINGS):
        if spec["slug"] in existing:
            continue
        _create_listing(index, spec, n, users, ctx)
    _demo_inquiries(users.get("owner1"))
    _demo_nights(timezone.localdate())
    _demo_licences(users.get("editor"), timezone.localdate())
    return index


# What each listing's demo pictures draw (portal.illustrations motifs): the house, then its
# surroundings (the gallery's 周边).
PICTURES = {
    "kayang-huahai": ("courtyard", "flowers"),
    "xinachuan-qingke": ("courtyard", "barley"),
    "taersi-suyoudeng": ("courtyard", "monastery"),
    "shangwuzhuang-mujia": ("courtyard", "yak"),
    "duoba-yunshan": ("cabin", "forest"),
    "diaogou-huaer": ("courtyard", "huaer"),
    "bianmagou-huahai": ("cabin", "flowers"),
    "shuobei-zangjia": ("courtyard", "village"),
    "yaozigou-muwu": ("cabin", "forest"),
    "laoyeshan-qiaotou": ("courtyard", "mountain"),
    "danggaer-paideng": ("courtyard", "old_town"),
    "daheigou-senlin": ("cabin", "forest"),
    "zongjiagou-shanju": ("courtyard", "mountain"),
    "riyueshan-muzhang": ("tent", "mountain"),
}


def _room_motif(room_type: str) -> str:
    return "kang" if "炕" in room_type else "cabin" if "木屋" in room_type else "tent" if "牧帐" in room_type else "bedroom"


def _create_listing(index, spec, n, users, ctx):
    owner = users.get(spec["owner"]) or users.get("editor")
    editor = users.get("editor")
    collection = owner_collection(owner) if spec["owner"].startswith("owner") and owner else None
    house, around = PICTURES.get(spec["slug"], ("courtyard", spec["palette"]))
    title_en = LISTINGS_EN.get(spec["slug"], {}).get("title", "") or f"Homestay {spec['title']}"
    hero = demo_image(f"民宿 · {spec['title']}", house, caption=spec["title"], caption_en=title_en, collection=collection)
    lat, lon = spec["point"]
    page = HomestayPage(
        title=spec["title"],
        slug=spec["slug"],
        owner=owner,
        summary=spec["summary"],
        image=hero,
        county=spec["county"],
        township=spec["township"],
        village=spec["village"],
        address=f"{spec['village'] or spec['township'] or '县城'}{n + 1}号（示例地址）",
        location={"type": "Point", "coordinates": [lon, lat]},
        grade=spec["grade"],
        brand_certified=spec["certified"],
        brand_certificate_no=f"HHJP-示例-{n + 1:03d}" if spec["certified"] else "",
        amenities=spec["amenities"],
        meals=spec["meals"],
        specialities=spec["specialities"],
        open_season=spec["season"],
        languages=spec["languages"],
        house_rules=HOUSE_RULES,
        phone=spec["phone"],
        wechat_id=spec["wechat"],
        business_licence_no=f"91630100MA75XX{n:04d}（示例）" if spec["state"] != "draft" else "",
        special_trade_permit_no=f"青公特旅字第示例{n:04d}号" if spec["state"] != "draft" else "",
        featured=spec["featured"],
        search_description=spec["summary"],
        description=[("paragraph", f"<p>{spec['summary']}</p><p>{DEMO_NOTE}</p>")],
    )
    for order, room in enumerate(spec["rooms"]):
        room_photo = demo_image(
            f"房间 · {spec['title']} · {room.room_type}",
            _room_motif(room.room_type),
            caption=room.room_type,
            name=f"{spec['title']} · {room.room_type}",
            caption_en=f"{ROOM_TYPES_EN.get(room.room_type, 'Room')}, {title_en}" if title_en else "",
            collection=collection,
        )
        page.rooms.add(
            HomestayRoom(
                sort_order=order,
                room_type=room.room_type,
                beds=room.beds,
                capacity=room.capacity,
                price_per_night=room.price_per_night,
                # Demo season prices: weekends about a fifth more, summer a third, festivals half again.
                weekend_price=_round10(room.price_per_night * 1.2),
                peak_price=_round10(room.price_per_night * 1.3),
                festival_price=_round10(room.price_per_night * 1.5),
                photos=[("photo", room_photo)],
            )
        )
    for order, (label, motif, label_en) in enumerate((("院子", "courtyard", "the courtyard"), ("周边", around, "the surroundings"))):
        image = demo_image(
            f"民宿 · {spec['title']} · {label}",
            motif,
            caption=label,
            name=f"{spec['title']} · {label}",
            caption_en=f"{title_en}, {label_en}" if title_en else "",
            collection=collection,
        )
        page.gallery_images.add(HomestayGalleryImage(sort_order=order, image=image, caption=label))
    for order, period in enumerate(_demo_seasons(timezone.localdate())):
        page.seasons.add(SeasonPeriod(sort_order=order, **period))
    page.live = spec["state"] == "live"
    index.add_child(instance=page)
    if spec["owner"].startswith("owner") and owner:
        grant_listing(owner, page)
    revision = page.save_revision(user=owner if spec["state"] != "live" else editor)
    if spec["state"] == "live":
        revision.publish(user=editor)
    elif spec["state"] == "moderation":
        workflow = page.get_workflow() or REVIEW.get()
        if workflow:
            workflow.start(page, owner)
    ctx.log(f"Created homestay /homestays/{spec['slug']}/ ({spec['state']}, owner {owner.username if owner else '-'})")


def _round10(value: float) -> int:
    return int(round(value / 10.0) * 10)


# 春节 (Spring Festival, the first day of the lunar year) by year: the one festival week every
# homestay prices, and within the next 90 days for most of the winter.
SPRING_FESTIVAL = {2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11)}


def _demo_seasons(today: dt.date) -> list[dict]:
    """Summer (7–8月) as 旺季 and the 春节 week as 节庆, the next of each from `today`."""
    periods = []
    summer = today.year if today < dt.date(today.year, 9, 1) else today.year + 1
    periods.append({"kind": Season.PEAK, "name": "暑期旺季", "start": dt.date(summer, 7, 1), "end": dt.date(summer, 8, 31)})
    for year in (today.year, today.year + 1):
        if year in SPRING_FESTIVAL:
            first = dt.date(year, *SPRING_FESTIVAL[year])
            if first + dt.timedelta(days=6) >= today:
                periods.append({"kind": Season.FESTIVAL, "name": "春节", "start": first - dt.timedelta(days=1), "end": first + dt.timedelta(days=6)})
                break
    return periods


def _demo_nights(today: dt.date) -> None:
    """Some nights already taken, so the calendars and the date search show something: the next
    weekend in every first room type, a fortnight's winter closure in the high pasture tent camp."""
    listings = list(HomestayPage.objects.live().order_by("path"))
    if RoomNight.objects.filter(room__page__in=listings).exists():
        return
    friday = today + dt.timedelta(days=(4 - today.weekday()) % 7 or 7)
    rows = []
    for n, page in enumerate(listings):
        rooms = list(page.rooms.all())
        if not rooms:
            continue
        for day in (friday, friday + dt.timedelta(days=1)):
            rows.append(RoomNight(room=rooms[0], date=day, status=DayStatus.FULL))
        if n % 3 == 0:  # every room of every third house full on the second weekend
            for room in rooms[1:]:
                for day in (friday + dt.timedelta(days=7), friday + dt.timedelta(days=8)):
                    rows.append(RoomNight(room=room, date=day, status=DayStatus.FULL))
            rows.append(RoomNight(room=rooms[0], date=friday + dt.timedelta(days=7), status=DayStatus.FULL))
            rows.append(RoomNight(room=rooms[0], date=friday + dt.timedelta(days=8), status=DayStatus.FULL))
        if page.slug == "riyueshan-muzhang":
            for i in range(14):
                for room in rooms:
                    rows.append(RoomNight(room=room, date=today + dt.timedelta(days=30 + i), status=DayStatus.CLOSED))
    RoomNight.objects.bulk_create(rows, ignore_conflicts=True)


def _demo_licences(editor, today: dt.date) -> None:
    """Verified licences for the live listings, so their badges show; one fire certificate runs out
    within the month, so the reminders and the editors' list have something to say."""

    listings = list(HomestayPage.objects.live().filter(locale__language_code="zh-hans").exclude(business_licence_no="").order_by("path"))
    if Licence.objects.filter(listing__in=listings).exists():
        return
    rows = []
    for n, page in enumerate(listings):
        verified = timezone.now() - dt.timedelta(days=40 + n)
        rows.append(Licence(listing=page, kind=LicenceKind.BUSINESS, number=page.business_licence_no, verified_at=verified, verified_by=editor))
        rows.append(
            Licence(
                listing=page,
                kind=LicenceKind.SPECIAL_TRADE,
                number=page.special_trade_permit_no,
                expires=today + dt.timedelta(days=400 + n),
                verified_at=verified,
                verified_by=editor,
            )
        )
        if n % 2 == 0:
            expires = today + dt.timedelta(days=20 if n == 0 else 300)
            rows.append(
                Licence(listing=page, kind=LicenceKind.FIRE, number=f"青消安检字示例{n:03d}号", expires=expires, verified_at=verified, verified_by=editor)
            )
        if n % 3 == 1:  # waiting for an editor
            rows.append(Licence(listing=page, kind=LicenceKind.HEALTH, number=f"JY163010000示例{n:03d}", expires=today + dt.timedelta(days=700)))
    Licence.objects.bulk_create(rows)


def _demo_inquiries(owner1):
    if owner1 is None:
        return
    listings = list(HomestayPage.objects.live().filter(owner=owner1).order_by("path"))
    if not listings or Inquiry.objects.filter(listing__in=listings).exists():
        return
    today = timezone.localdate()
    samples = [
        ("王女士", "13800000001", 12, 2, 2, "想订花园大床房，两个大人，有停车位吗？"),
        ("Li Wei", "13800000002", 20, 3, 4, "一家四口，孩子 6 岁和 9 岁，能加床吗？"),
        ("张先生", "0971-6000003", 35, 1, 2, ""),
    ]
    # The first answered within hours, the second confirmed, the third still waiting after three
    # days: what the editors' reply-time view flags.
    for i, (name, phone, days, nights, guests, message) in enumerate(samples):
        arrival = today + dt.timedelta(days=days)
        created = timezone.now() - dt.timedelta(days=i * 3 + 1)
        status = (InquiryStatus.REPLIED, InquiryStatus.CONFIRMED, InquiryStatus.NEW)[i % 3]
        answered = created + dt.timedelta(hours=3 + i * 5) if status != InquiryStatus.NEW else None
        Inquiry.objects.create(
            status=status,
            replied_at=answered,
            status_changed_at=answered,
            listing=listings[i % len(listings)],
            name=name,
            phone=phone,
            arrival=arrival,
            departure=arrival + dt.timedelta(days=nights),
            guests=guests,
            message=message,
            consent=True,
            notified=True,
            notify_attempts=1,
            created=created,
        )


# English copies (/en/homestays/...), by slug: the live listings only (a draft or a listing waiting
# in review has nothing public to translate yet). Proper names keep their Chinese beside the
# English so a visitor can show them to a driver or match them to road signs.
TOWNSHIPS_EN = {
    "拦隆口镇": "Lanlongkou Town",
    "鲁沙尔镇": "Lushar Town",
    "上五庄镇": "Shangwuzhuang Town",
    "多巴镇": "Duoba Town",
    "朔北藏族乡": "Shuobei Tibetan Township",
    "宝库乡": "Baoku Township",
    "桥头镇": "Qiaotou Town",
    "城关镇": "Chengguan Town",
    "日月藏族乡": "Riyue Tibetan Township",
}
VILLAGES_EN = {
    "卡阳村": "Kayang Village",
    "拦隆口村": "Lanlongkou Village",
    "窎沟村": "Diaogou Village",
    "边麻沟村": "Bianmagou Village",
    "宗家沟村": "Zongjiagou Village",
}
ROOM_TYPES_EN = {
    "花园大床房": "Garden double room",
    "家庭房": "Family room",
    "标准间": "Twin room",
    "炕房": "Kang room (heated brick bed)",
    "藏式大床房": "Tibetan-style double room",
    "大通铺": "Dormitory",
    "无障碍大床房": "Accessible double room",
    "四合院大床房": "Courtyard double room",
    "花海木屋": "Flower-field cabin",
    "亲子木屋": "Family cabin",
    "藏式炕房": "Tibetan kang room",
    "林间木屋": "Forest cabin",
    "家庭木屋": "Family forest cabin",
    "三人间": "Triple room",
    "套房": "Suite",
    "石屋大床房": "Stone-house double room",
    "牧帐": "Herder's tent",
    "大牧帐": "Large herder's tent",
}
BEDS_EN = {
    "一张1.8米大床": "One 1.8 m double bed",
    "一张1.8米大床 + 两张1.2米单人床": "One 1.8 m double bed + two 1.2 m single beds",
    "两张1.2米单人床": "Two 1.2 m single beds",
    "土炕（可睡4人）": "Heated brick kang (sleeps 4)",
    "土炕（可睡5人）": "Heated brick kang (sleeps 5)",
    "一张1.5米大床": "One 1.5 m double bed",
    "六张单人床": "Six single beds",
    "一张1.5米大床 + 一张1.2米单人床": "One 1.5 m double bed + one 1.2 m single bed",
    "两张1.5米大床": "Two 1.5 m double beds",
    "三张1.2米单人床": "Three 1.2 m single beds",
    "一张1.8米大床 + 沙发床": "One 1.8 m double bed + sofa bed",
    "两张单人床": "Two single beds",
}
LISTINGS_EN = {
    "kayang-huahai": {
        "title": "Kayang Flower Sea Courtyard 卡阳花海小院",
        "summary": "An earth-and-timber courtyard house below the Kayang rural park: flower fields and spruce forest outside the window, forest boardwalks at dawn.",
        "meals": "Breakfast included (barley flatbread, yoghurt, milk tea). Farmhouse lunch and dinner on request.",
        "specialities": "Hand-held mutton, tianpei (fermented barley), barley liquor; mushroom picking and wild greens in summer.",
        "season": "All year (flowers best May–October)",
        "languages": "Mandarin, Qinghai dialect",
    },
    "xinachuan-qingke": {
        "title": "Xinachuan Barley Farmhouse 西纳川青稞园农家院",
        "summary": "A farmhouse beside the barley fields: go out to the fields with your hosts, grind roasted barley flour and brew barley liquor.",
        "meals": "Farmhouse meals charged per person; breakfast ¥20 per person.",
        "specialities": "Roasted barley flour, gou jiao niao flatbread, barley liquor making.",
        "season": "All year",
        "languages": "Mandarin, Qinghai dialect",
    },
    "shangwuzhuang-mujia": {
        "title": "Shangwuzhuang Herder's Home 上五庄牧家乐",
        "summary": "A herding family in the upper Xinachuan valley; in summer you can watch the yak herds move to their pastures.",
        "meals": "Halal kitchen: hand-held mutton, niangpi cold noodles.",
        "specialities": "Yoghurt, qula dried curd, yak jerky.",
        "season": "May–October",
        "languages": "Mandarin, Qinghai dialect",
    },
    "duoba-yunshan": {
        "title": "Duoba Spruce Guesthouse 多巴云杉民宿",
        "summary": "Next to the Duoba high-altitude training base: a good base for runners acclimatising at 2,300 m.",
        "meals": "Breakfast ¥25 per person; athletes' meals on request.",
        "specialities": "",
        "season": "All year",
        "languages": "Mandarin, English",
    },
    "diaogou-huaer": {
        "title": "Diaogou Hua'er Courtyard 窎沟花儿院",
        "summary": "A courtyard house in Diaogou village whose hosts sing hua'er folk songs; barley dries in the yard and embroidery hangs on the walls.",
        "meals": "Breakfast included; earthen hotpot for dinner on request.",
        "specialities": "Hua'er singing, embroidery workshops, barley liquor.",
        "season": "All year (Bianmagou flowers June–October)",
        "languages": "Mandarin, Qinghai dialect, Tibetan",
    },
    "shuobei-zangjia": {
        "title": "Shuobei Tibetan Family Courtyard 朔北藏家院子",
        "summary": "A Tibetan family's courtyard, with all the butter tea and tsampa you can eat.",
        "meals": "Breakfast included: butter tea, tsampa, yoghurt.",
        "specialities": "",
        "season": "All year",
        "languages": "Mandarin, Tibetan",
    },
    "yaozigou-muwu": {
        "title": "Yaozigou Forest Cabins 鹞子沟林间木屋",
        "summary": "Log cabins inside the forest scenic area; at night you hear the stream.",
        "meals": "The scenic area's restaurant is a five-minute walk away.",
        "specialities": "Forest walks, birdwatching.",
        "season": "May–October",
        "languages": "Mandarin",
    },
    "laoyeshan-qiaotou": {
        "title": "Qiaotou Family Inn below Laoye Mountain 老爷山下桥头人家",
        "summary": "A family-run inn at the edge of the county town, the handiest base for the Laoye Mountain hua'er fair.",
        "meals": "",
        "specialities": "",
        "season": "All year",
        "languages": "Mandarin, Qinghai dialect",
    },
    "danggaer-paideng": {
        "title": "Dan'gaer Lantern Inn 丹噶尔古城排灯客栈",
        "summary": "A courtyard inn on the old street of Dan'gaer; at the Lantern Festival and Laba the lanterns are right outside the gate.",
        "meals": "Breakfast included; the old town is full of snacks: niangpi, tianpei, mutton-sausage noodles.",
        "specialities": "Lantern-making workshops (book ahead).",
        "season": "All year",
        "languages": "Mandarin, Qinghai dialect, English",
    },
    "daheigou-senlin": {
        "title": "Daheigou Forest Farmhouse 大黑沟森林人家",
        "summary": "A farmhouse at the gate of the forest park: cool in summer and good for children.",
        "meals": "Farmhouse meals; they will also cook what you bring.",
        "specialities": "",
        "season": "May–October",
        "languages": "Mandarin",
    },
    "zongjiagou-shanju": {
        "title": "Zongjiagou Stone Chamber Lodge 宗家沟石室山居",
        "summary": "A stone-walled courtyard on the mountain road to the “Stone Chamber of the Queen Mother of the West”.",
        "meals": "Breakfast included.",
        "specialities": "",
        "season": "April–October",
        "languages": "Mandarin, Tibetan",
    },
    "riyueshan-muzhang": {
        "title": "Riyue Mountain Herders' Tent Camp 日月山牧帐营地",
        "summary": "A herders' tent camp at 3,400 m for sunrise and the stars; take the altitude at your own pace.",
        "meals": "Breakfast included; hand-held mutton for dinner.",
        "specialities": "Horse riding, horse racing fair (July).",
        "season": "June–September",
        "languages": "Mandarin, Tibetan",
    },
}
HOUSE_RULES_EN = (
    "Please show your ID card (passport for foreign visitors) at check-in: guests are registered by name as the law requires.\n"
    "Quiet after 22:00.\nNo smoking indoors.\nDays and nights differ a lot on the plateau: bring a jacket."
)
DEMO_NOTE_EN = "(Demo content: the homestay names, prices and contact details are invented.)"


def load_english(ctx):
    """English copies of the live listings, with their rooms and gallery (after /en/homestays/ exists)."""
    from wagtail.models import Locale

    editor = ctx.users.get("editor")
    for n, spec in enumerate(LISTINGS):
        english = LISTINGS_EN.get(spec["slug"])
        source = HomestayPage.objects.filter(slug=spec["slug"], locale=Locale.get_default(), live=True).first()
        if english is None or source is None:
            continue
        township = TOWNSHIPS_EN.get(spec["township"], spec["township"])
        village = VILLAGES_EN.get(spec["village"], spec["village"])

        def fill(page, english=english):
            rooms = list(page.rooms.all())
            for room in rooms:
                room.room_type = ROOM_TYPES_EN.get(room.room_type, room.room_type)
                room.beds = BEDS_EN.get(room.beds, room.beds)
            page.rooms = rooms
            gallery = list(page.gallery_images.all())
            for item in gallery:
                item.caption = {"院子": "The courtyard", "周边": "Around the house"}.get(item.caption, item.caption)
            page.gallery_images = gallery

        page, made = translate_page(
            source,
            ctx.locale,
            user=editor,
            fill=fill,
            title=english["title"],
            summary=english["summary"],
            search_description=english["summary"],
            township=township,
            village=village,
            address=f"No. {n + 1}, {village or township or 'county town'} (demo address)",
            brand_certificate_no=source.brand_certificate_no.replace("示例", "DEMO"),
            meals=english["meals"],
            specialities=english["specialities"],
            open_season=english["season"],
            languages=english["languages"],
            house_rules=HOUSE_RULES_EN,
            description=[("paragraph", f"<p>{english['summary']}</p><p>{DEMO_NOTE_EN}</p>")],
        )
        if made:
            ctx.log(f"Created the English homestay /en/homestays/{page.slug}/")


# The section page in English (by the Chinese page's slug), for portal's load_demo.
SECTION_EN = {
    "title": "Homestays",
    "intro": "Hehuang boutique homestays: stay in the villages along the three rural routes, eat farmhouse food, hear hua'er folk songs and see the lantern festival. Filter by county, grade, price, guests and amenities, or find the homestays closest to a route.",
    "search_description": "Hehuang boutique homestays along Xining's rural tourism routes, with prices, amenities and a map.",
}


def home_blocks(sections, english):
    heading = "Hehuang boutique homestays" if english else "河湟精品民宿"
    return [home_collection(30, heading, "featured_homestays", sections.get("homestays"))]


# --- manage.py load_scale --homestays N ----------------------------------------------------------

SCALE_NAMES = ("农家院", "河湟人家", "青稞小院", "花儿山庄", "古城客栈", "田园居", "牧歌民宿", "杏花村舍")


def load_scale(target: int, ctx) -> int:
    """Listings up to `target` under the Chinese homestays section, live, with one to three room types."""
    index = HomestayIndexPage.objects.filter(locale=ctx.home.locale).first()
    if index is None:
        return 0
    have = HomestayPage.objects.child_of(index).count()
    amenities = [code for code, _label in Amenity.choices]
    for n in range(have, target):
        county, lon, lat = ctx.place()
        village = ctx.village()
        rooms = [
            HomestayRoom(room_type=kind, price_per_night=price, capacity=capacity, beds=beds)
            for kind, price, capacity, beds in ctx.rng.sample(
                [("标准间", 180, 2, "两张1.2米床"), ("大床房", 220, 2, "一张1.8米床"), ("家庭房", 360, 4, "两张1.5米床"), ("炕房", 150, 3, "河湟土炕")],
                k=ctx.rng.randint(1, 3),
            )
        ]
        page = HomestayPage(
            title=f"{village}{ctx.rng.choice(SCALE_NAMES)}（{n + 1}号）",
            slug=f"scale-homestay-{n + 1}",
            summary=f"{village}的农家民宿，离县城不远，可品尝河湟农家饭。",
            county=county,
            grade=ctx.rng.choice([Grade.JIA, Grade.YI, Grade.BING, Grade.UNRATED]),
            location={"type": "Point", "coordinates": [lon, lat]},
            phone=f"139{ctx.rng.randint(10000000, 99999999)}",
            amenities=ctx.rng.sample(amenities, k=ctx.rng.randint(2, 6)),
            rooms=rooms,
        )
        index.add_child(instance=page)
    return max(0, target - have)
