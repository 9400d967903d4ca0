"""Demo content for 节庆资讯 (called by `manage.py load_demo`, after the routes).

Drawn from the source article (Xining, 2021-07-21) and the festival calendar in shared/seed/places.md.
Festivals fixed to the lunar calendar get their Gregorian dates from the `lunardate` library, and
every festival is loaded as its *next* edition (plus one past edition), computed from today, so the
home page and the route pages always have upcoming events whenever the demo is loaded.
For reference, 老爷山花儿会 (lunar 6th month, 6th day) falls on 2026-07-19 and 2027-07-09.

Idempotent: each item is keyed by its slug (which carries the edition's year), so a second run
adds nothing, and a run a year later adds that year's editions.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from lunardate import LunarDate
from wagtail.models import Page
from wagtail.rich_text import RichText

from news.models import NewsIndexPage, NewsPage, NewsPageRelatedPage
from news.workflow import REVIEW
from portal.demo import demo_image, home_collection, translate_page

PLACES = {
    "老爷山": (101.6883, 36.9317),
    "塔尔寺": (101.5671, 36.4901),
    "丹噶尔古城": (101.2635, 36.6876),
    "边麻沟": (101.86, 37.00),
    "拦隆口镇": (101.45, 36.70),
    "乡趣卡阳": (101.42, 36.66),
}


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def lunar_editions(month: int, day: int, days: int, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(previous start, next start) of a festival held on a lunar date for `days` days.

    "Next" is the first edition that has not ended by today, so a running festival counts as next.
    """
    starts = [LunarDate(y, month, day).to_solar_date() for y in range(today.year - 2, today.year + 2)]
    upcoming = next(s for s in starts if s + datetime.timedelta(days=days - 1) >= today)
    previous = max(s for s in starts if s < upcoming)
    return previous, upcoming


def solar_editions(month: int, day: int, days: int, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    starts = [datetime.date(y, month, day) for y in range(today.year - 1, today.year + 2)]
    upcoming = next(s for s in starts if s + datetime.timedelta(days=days - 1) >= today)
    return max(s for s in starts if s < upcoming), upcoming


def paragraphs(*texts):
    return [("paragraph", RichText(f"<p>{t}</p>")) for t in texts]


def items(today: datetime.date) -> list[dict]:
    huaer_prev, huaer_next = lunar_editions(6, 6, 3, today)
    zhengyue_prev, zhengyue_next = lunar_editions(1, 8, 11, today)
    liuyue_prev, liuyue_next = lunar_editions(6, 3, 7, today)
    paideng_prev, paideng_next = lunar_editions(1, 14, 3, today)
    laba_prev, laba_next = lunar_editions(12, 8, 1, today)
    flowers_prev, flowers_next = solar_editions(6, 1, 137, today)  # 6月1日 to 10月15日
    harvest_prev, harvest_next = solar_editions(9, 23, 1, today)
    launch = today + datetime.timedelta(days=(5 - today.weekday()) % 7 + 14)  # a Saturday two weeks or more ahead

    huaer_body = paragraphs(
        "老爷山花儿会是青海规模最大的传统花儿会之一，每年农历六月初六前后在大通县桥头镇老爷山举行，连续数日。",
        "各族歌手在山间对唱“花儿”，游客可登山观景、品尝大通特色小吃。会期人多，建议乘公共交通前往，并注意高原防晒。",
    )
    return [
        {
            "slug": "sanxiang-gongcheng-2021",
            "title": "以“三乡工程”助推乡村振兴：三条乡村旅游精品线路串起河湟乡村",
            "date": datetime.date(2021, 7, 21),
            "source": "西宁市委组织部",
            "lead": "西宁市打造湟中区西纳川休闲农业、大通县朔北乡窎沟民俗文化和湟源县历史文化3条乡村旅游精品线路，上半年全市乡村旅游预计接待游客490万人次，旅游收入14.5亿元。",
            "body": paragraphs(
                "西宁市把党史学习教育与乡村振兴有机结合，深入实施“三乡工程”（市民下乡、能人回乡、企业兴乡）。",
                "着力丰富旅游要素：打造3条乡村旅游精品线路，举办各具特色的乡村旅游节；市文化旅游广电局积极打造“河湟精品民宿”品牌，实施乡村旅游项目14个。",
                "着力打造“河湟田源”西宁农产品区域公用品牌；电子商务进农村建成县级服务中心3个、乡镇中心站点42个、村级服务站316个。",
            ),
            "tags": ["三乡工程", "乡村振兴", "乡村旅游"],
            "palette": "farm",
            "routes": ["xinachuan", "diaogou", "huangyuan"],
        },
        {
            "slug": "three-routes-launch",
            "title": "三条乡村旅游精品线路正式发布",
            "date": datetime.date(2026, 5, 20),
            "source": "西宁市文化旅游广电局",
            "lead": "西纳川的田园、窎沟的花儿与民俗、丹噶尔古城的灯火：西宁市三条乡村旅游精品线路发布，线路地图、站点与沿线民宿可在本门户查询。",
            "body": paragraphs(
                "湟中区西纳川休闲农业线路：塔尔寺—青海藏文化馆—多巴镇—拦隆口镇—乡趣卡阳—上五庄镇。",
                "大通县朔北乡窎沟民俗文化线路：桥头镇—老爷山—朔北藏族乡—窎沟村—边麻沟花海—鹞子沟。",
                "湟源县历史文化线路：丹噶尔古城—大黑沟森林公园—宗家沟—日月山。",
            ),
            "tags": ["乡村旅游", "精品线路"],
            "palette": "plateau",
            "routes": ["xinachuan", "diaogou", "huangyuan"],
        },
        {
            "slug": "shimin-xiaxiang-launch",
            "title": "西宁市“市民下乡”文旅活动启动仪式",
            "date": today,
            "source": "西宁市文化旅游广电局",
            "lead": "“市民下乡”文旅活动在湟中区乡趣卡阳启动：三条精品线路推出周末乡村游、河湟精品民宿体验和河湟田源农产品展销。",
            "body": paragraphs(
                "启动仪式后，三条乡村旅游精品线路将陆续推出周末主题活动，市民可乘乡村旅游专线前往。",
                "现场设有河湟田源农产品展销区和河湟精品民宿咨询台。",
            ),
            "tags": ["市民下乡", "乡村旅游"],
            "palette": "plateau",
            "routes": ["xinachuan"],
            "event": dict(
                start=at(launch, 10),
                end=at(launch, 12),
                venue="湟中区乡趣卡阳景区",
                where="乡趣卡阳",
                organiser="西宁市文化旅游广电局",
                admission="免费",
            ),
        },
        {
            "slug": f"laoyeshan-huaerhui-{huaer_next.year}",
            "title": f"{huaer_next.year}年大通老爷山花儿会",
            "date": min(today, huaer_next),
            "source": "大通县文化旅游局",
            "lead": "农历六月初六，大通老爷山花儿会开幕，各族歌手漫山对唱“花儿”。",
            "body": huaer_body,
            "tags": ["花儿会", "非遗", "节庆"],
            "palette": "flowers",
            "routes": ["diaogou"],
            "event": dict(
                start=at(huaer_next, 9),
                end=at(huaer_next + datetime.timedelta(days=2), 18),
                venue="大通县桥头镇老爷山",
                where="老爷山",
                lunar_note="每年农历六月初六前后",
                organiser="大通回族土族自治县人民政府",
                admission="花儿会免费；老爷山景区门票另计",
            ),
        },
        {
            "slug": f"laoyeshan-huaerhui-{huaer_prev.year}",
            "title": f"{huaer_prev.year}年大通老爷山花儿会",
            "date": huaer_prev,
            "source": "大通县文化旅游局",
            "lead": "农历六月初六，大通老爷山花儿会如期举行，连续三天的对唱吸引了众多游客。",
            "body": huaer_body,
            "tags": ["花儿会", "非遗", "节庆"],
            "palette": "flowers",
            "routes": ["diaogou"],
            "event": dict(
                start=at(huaer_prev, 9),
                end=at(huaer_prev + datetime.timedelta(days=2), 18),
                venue="大通县桥头镇老爷山",
                where="老爷山",
                lunar_note="每年农历六月初六前后",
                organiser="大通回族土族自治县人民政府",
                admission="免费",
            ),
        },
        {
            "slug": f"taersi-zhengyue-fahui-{zhengyue_next.year}",
            "title": f"{zhengyue_next.year}年塔尔寺正月祈愿大法会与酥油花灯会",
            "date": min(today, zhengyue_next),
            "source": "湟中区文体旅游局",
            "lead": "塔尔寺四大法会之首，农历正月初八至十八举行；正月十五夜晚展出酥油花，是河湟地区最受期待的新春盛会。",
            "body": paragraphs(
                "正月十五晚酥油花灯会观众极多，请提前规划行程，遵守寺院秩序，不要触摸酥油花。",
                "塔尔寺位于湟中区鲁沙尔镇，是西纳川休闲农业线路的起点。",
            ),
            "tags": ["塔尔寺", "法会", "节庆"],
            "palette": "temple",
            "routes": ["xinachuan"],
            "event": dict(
                start=at(zhengyue_next, 8),
                end=at(zhengyue_next + datetime.timedelta(days=10), 22),
                all_day=True,  # eleven festival days
                venue="湟中区鲁沙尔镇塔尔寺",
                where="塔尔寺",
                lunar_note="农历正月初八至十八；正月十五晚酥油花灯会",
                organiser="塔尔寺",
                admission="以景区公告为准",
            ),
        },
        {
            "slug": f"taersi-liuyue-fahui-{liuyue_next.year}",
            "title": f"{liuyue_next.year}年塔尔寺六月法会·晒大佛",
            "date": min(today, liuyue_next),
            "source": "湟中区文体旅游局",
            "lead": "农历六月初三至初九，塔尔寺举行六月法会，初六或初七清晨展佛（晒大佛），巨幅唐卡在山坡上徐徐展开。",
            "body": paragraphs("展佛在清晨进行，山坡上人多坡陡，请穿防滑鞋，听从工作人员引导。"),
            "tags": ["塔尔寺", "法会", "节庆"],
            "palette": "temple",
            "routes": ["xinachuan"],
            "event": dict(
                start=at(liuyue_next, 7),
                end=at(liuyue_next + datetime.timedelta(days=6), 18),
                all_day=True,  # seven festival days
                venue="湟中区鲁沙尔镇塔尔寺",
                where="塔尔寺",
                lunar_note="农历六月初三至初九；初六或初七展佛",
                organiser="塔尔寺",
                admission="以景区公告为准",
            ),
        },
        {
            "slug": f"huangyuan-paideng-yuanxiao-{paideng_next.year}",
            "title": f"{paideng_next.year}年丹噶尔古城元宵排灯展",
            "date": min(today, paideng_next),
            "source": "湟源县文体旅游广电局",
            "lead": "国家级非物质文化遗产湟源排灯在丹噶尔古城点亮，元宵节前后三晚，古城街巷灯火通明。",
            "body": paragraphs(
                "湟源排灯2006年列入国家级非物质文化遗产名录，以木框、灯画与诗文组成，传统上在元宵节和腊八展出。",
                "晚间气温低，请注意保暖；古城内步行游览。",
            ),
            "tags": ["排灯", "非遗", "节庆"],
            "palette": "snow",
            "routes": ["huangyuan"],
            "event": dict(
                start=at(paideng_next, 18),
                end=at(paideng_next + datetime.timedelta(days=2), 22),
                venue="湟源县丹噶尔古城",
                where="丹噶尔古城",
                lunar_note="农历正月十四至十六（元宵节）",
                organiser="湟源县人民政府",
                admission="免费",
            ),
        },
        {
            "slug": f"huangyuan-paideng-laba-{laba_next.year}",
            "title": f"{laba_next.year}年丹噶尔古城腊八排灯",
            "date": min(today, laba_next),
            "source": "湟源县文体旅游广电局",
            "lead": "腊八夜，丹噶尔古城挂起排灯，喝一碗腊八粥，看一街灯画。",
            "body": paragraphs("腊八排灯只展一晚，傍晚六点起点灯。"),
            "tags": ["排灯", "非遗", "节庆"],
            "palette": "snow",
            "routes": ["huangyuan"],
            "event": dict(
                start=at(laba_next, 18),
                end=at(laba_next, 22),
                venue="湟源县丹噶尔古城",
                where="丹噶尔古城",
                lunar_note="农历十二月初八（腊八）",
                organiser="湟源县人民政府",
                admission="免费",
            ),
        },
        {
            "slug": f"bianmagou-huahai-{flowers_next.year}",
            "title": f"{flowers_next.year}年边麻沟花海花季",
            "date": min(today, flowers_next),
            "source": "大通县文化旅游局",
            "lead": "大通县朔北藏族乡边麻沟村八百亩花海，每年六月至十月中旬花开不断，距西宁约51公里。",
            "body": paragraphs("七、八月为盛花期。花海内请勿采摘、踩踏花田；村里有农家乐和民宿可供食宿。"),
            "tags": ["花海", "乡村旅游"],
            "palette": "flowers",
            "routes": ["diaogou"],
            "event": dict(
                start=at(flowers_next, 0),
                end=at(datetime.date(flowers_next.year, 10, 15), 23, 59),
                all_day=True,  # a season
                venue="大通县朔北藏族乡边麻沟村",
                where="边麻沟",
                organiser="朔北藏族乡人民政府",
                admission="以景区公告为准",
            ),
        },
        {
            "slug": f"nongmin-fengshoujie-{harvest_next.year}",
            "title": f"{harvest_next.year}年中国农民丰收节西宁分会场",
            "date": min(today, harvest_next),
            "source": "西宁市农业农村局",
            "lead": "秋分时节，中国农民丰收节西宁分会场在湟中区拦隆口镇举办：河湟田源农产品展销、青稞与牦牛产品品鉴、农事体验。",
            "body": paragraphs("现场展销“河湟田源”区域公用品牌农产品：高原夏菜、马铃薯、青稞、牦牛肉、草莓和食用菌。"),
            "tags": ["农民丰收节", "河湟田源", "节庆"],
            "palette": "autumn",
            "routes": ["xinachuan"],
            "event": dict(
                start=at(harvest_next, 9),
                end=at(harvest_next, 17),
                venue="湟中区拦隆口镇",
                where="拦隆口镇",
                lunar_note="每年秋分（9月23日前后）",
                organiser="西宁市农业农村局",
                admission="免费",
            ),
        },
        {
            "slug": f"nongmin-fengshoujie-{harvest_prev.year}",
            "title": f"{harvest_prev.year}年中国农民丰收节西宁分会场",
            "date": harvest_prev,
            "source": "西宁市农业农村局",
            "lead": "秋分时节，西宁各县区农民欢庆丰收，河湟田源农产品展销现场人气旺。",
            "body": paragraphs("本届丰收节已圆满结束，感谢各位市民参与。"),
            "tags": ["农民丰收节", "河湟田源"],
            "palette": "autumn",
            "routes": ["xinachuan"],
            "event": dict(
                start=at(harvest_prev, 9),
                end=at(harvest_prev, 17),
                venue="湟中区拦隆口镇",
                where="拦隆口镇",
                organiser="西宁市农业农村局",
                admission="免费",
            ),
        },
    ]


def route_pages(slugs):
    """Route pages by slug: routes loads before news; model strings only, no import of routes."""
    pages = {p.slug: p for p in Page.objects.filter(slug__in=slugs, content_type__app_label="routes", content_type__model="routepage")}
    return [pages[s] for s in slugs if s in pages]


# What each item's demo picture draws (portal.illustrations motif) and its short caption, by
# slug without its year.
MOTIFS = {
    "sanxiang-gongcheng": ("fields", "三乡工程"),
    "three-routes-launch": ("ceremony", "精品线路发布"),
    "shimin-xiaxiang-launch": ("ceremony", "市民下乡"),
    "laoyeshan-huaerhui": ("huaer", "老爷山花儿会"),
    "taersi-zhengyue-fahui": ("butter_lantern", "塔尔寺酥油花灯"),
    "taersi-liuyue-fahui": ("thangka", "塔尔寺晒大佛"),
    "huangyuan-paideng-yuanxiao": ("lantern", "元宵排灯展"),
    "huangyuan-paideng-laba": ("lantern", "腊八排灯"),
    "bianmagou-huahai": ("flowers", "边麻沟花海"),
    "nongmin-fengshoujie": ("harvest", "农民丰收节"),
}


def _picture(spec):
    """The item's picture: described in words (the image's alt text, English from NEWS_EN), so
    the page and its English copy both say what it shows."""
    import re

    key = re.sub(r"-\d{4}$", "", spec["slug"])
    english = NEWS_EN.get(key) or NEWS_EN.get(spec["slug"]) or {}
    year = re.search(r"-(\d{4})$", spec["slug"])
    title_en = english.get("title", "").format(year=year.group(1) if year else "")
    motif, caption = MOTIFS.get(key, (spec["palette"], ""))
    return demo_image(spec["title"] + "（示意图）", motif, caption=caption or spec["title"], name=spec["title"], caption_en=title_en)


def build(index, spec) -> NewsPage:
    event = spec.get("event") or {}
    page = NewsPage(
        title=spec["title"],
        slug=spec["slug"],
        date=spec["date"],
        lead=spec["lead"],
        source=spec["source"],
        body=spec["body"],
        image=_picture(spec),
        image_alt="",  # the picture's own description says what it shows, in either language
        search_description=spec["lead"][:150],
    )
    if event:
        lon, lat = PLACES[event["where"]]
        page.is_event = True
        page.all_day = event.get("all_day", False)
        page.event_start = event["start"]
        page.event_end = event["end"]
        page.venue = event["venue"]
        page.venue_location = {"type": "Point", "coordinates": [lon, lat]}
        page.lunar_note = event.get("lunar_note", "")
        page.organiser = event.get("organiser", "")
        page.admission = event.get("admission", "")
    page.tags.add(*spec["tags"])
    page.related_links = [NewsPageRelatedPage(page=route, sort_order=i) for i, route in enumerate(route_pages(spec["routes"]))]
    return page


def load(ctx):
    index = NewsIndexPage.objects.first()
    if index is None:
        index = ctx.home.add_child(
            instance=NewsIndexPage(
                title="节庆资讯",
                slug="news",
                show_in_menus=True,
                intro="<p>花儿会、塔尔寺法会、湟源排灯、边麻沟花海、农民丰收节……河湟乡村一年四季的节庆活动与资讯。</p>",
                search_description="西宁乡村旅游节庆活动与资讯：老爷山花儿会、塔尔寺法会、湟源排灯、边麻沟花海、中国农民丰收节。",
            )
        )
        index.save_revision().publish()
        ctx.log("Created NewsIndexPage /news/")
    editor = ctx.users.get("editor")
    existing = set(NewsPage.objects.child_of(index).values_list("slug", flat=True))
    today = timezone.localdate()
    created = 0
    for spec in items(today):
        if spec["slug"] in existing:
            continue
        page = index.add_child(instance=build(index, spec))
        page.save_revision(user=editor, log_action=True).publish(user=editor)
        created += 1
    if created:
        ctx.log(f"Created {created} news items ({NewsPage.objects.child_of(index).upcoming().count()} upcoming events)")
    review_demo(index, editor, today, existing)
    return index


def review_demo(index, editor, today, existing):
    """One item waiting in the 资讯审核 workflow, so editors see the review step in the admin."""
    slug = "xinachuan-xiangcun-lvyoujie"
    workflow = REVIEW.get()
    if slug in existing or workflow is None or editor is None:
        return
    start = today + datetime.timedelta(days=45)
    page = NewsPage(
        title="湟中区西纳川乡村旅游节（待审核）",
        slug=slug,
        date=today,
        lead="西纳川乡村旅游节筹备中：乡趣卡阳森林步道、上五庄农家乐与河湟精品民宿联合推出冬季乡村游。",
        source="湟中区文体旅游局",
        body=paragraphs("本稿件为演示审核流程的草稿：编辑提交后，由审核员（Moderators）在“资讯审核”流程中审批后发布。"),
        is_event=True,
        event_start=at(start, 10),
        event_end=at(start + datetime.timedelta(days=1), 17),
        venue="湟中区乡趣卡阳景区",
        venue_location={"type": "Point", "coordinates": list(PLACES["乡趣卡阳"])},
        live=False,
    )
    page.tags.add("乡村旅游节")
    index.add_child(instance=page)
    page.save_revision(user=editor)
    workflow.start(page, editor)


# English copies (/en/news/...), by slug without the edition's year. Proper names keep their Chinese
# beside the English. Venues, organisers and tags are translated too; related routes are left as
# copied (the page shows each route's English copy: NewsPage.related_pages).
SOURCES_EN = {
    "西宁市委组织部": "Organisation Department, CPC Xining Municipal Committee",
    "西宁市文化旅游广电局": "Xining Bureau of Culture, Tourism, Radio and Television",
    "大通县文化旅游局": "Datong County Bureau of Culture and Tourism",
    "湟中区文体旅游局": "Huangzhong District Bureau of Culture, Sports and Tourism",
    "湟源县文体旅游广电局": "Huangyuan County Bureau of Culture, Sports, Tourism, Radio and Television",
    "西宁市农业农村局": "Xining Bureau of Agriculture and Rural Affairs",
}
VENUES_EN = {
    "湟中区乡趣卡阳景区": "Kayang Rural Scenic Area 乡趣卡阳, Huangzhong District",
    "大通县桥头镇老爷山": "Laoye Mountain 老爷山, Qiaotou Town, Datong County",
    "湟中区鲁沙尔镇塔尔寺": "Kumbum Monastery 塔尔寺, Lushar Town, Huangzhong District",
    "湟源县丹噶尔古城": "Dan'gaer Old Town 丹噶尔古城, Huangyuan County",
    "大通县朔北藏族乡边麻沟村": "Bianmagou Village 边麻沟村, Shuobei Tibetan Township, Datong County",
    "湟中区拦隆口镇": "Lanlongkou Town 拦隆口镇, Huangzhong District",
}
ORGANISERS_EN = {
    "西宁市文化旅游广电局": "Xining Bureau of Culture, Tourism, Radio and Television",
    "大通回族土族自治县人民政府": "Datong Hui and Tu Autonomous County Government",
    "塔尔寺": "Kumbum Monastery 塔尔寺",
    "湟源县人民政府": "Huangyuan County Government",
    "朔北藏族乡人民政府": "Shuobei Tibetan Township Government",
    "西宁市农业农村局": "Xining Bureau of Agriculture and Rural Affairs",
}
ADMISSION_EN = {
    "免费": "Free",
    "花儿会免费；老爷山景区门票另计": "The hua'er fair is free; the Laoye Mountain scenic area charges admission",
    "以景区公告为准": "See the scenic area's notices",
}
NEWS_EN = {
    "sanxiang-gongcheng-2021": {
        "title": "The “Three Rural Projects” for rural revitalisation: three boutique routes link the Hehuang villages",
        "lead": "Xining has built three boutique rural tourism routes (Xinachuan leisure agriculture in Huangzhong, Diaogou folk culture in Shuobei, Datong, and Huangyuan history and heritage); in the first half of the year rural tourism expected 4.9 million visits and 1.45 billion yuan of revenue.",
        "body": [
            "Xining links the study of Party history with rural revitalisation through the “Three Rural Projects” (城里人下乡 townspeople to the countryside, able people back to their villages, companies to the villages).",
            "More for visitors: three boutique rural routes and rural tourism festivals with their own character; the city's culture and tourism bureau is building the Hehuang Boutique Homestays 河湟精品民宿 brand and 14 rural tourism projects.",
            "The Hehuang Tianyuan 河湟田源 regional brand for Xining's farm produce; rural e-commerce now has 3 county service centres, 42 township stations and 316 village service stations.",
        ],
        "tags": ["Three Rural Projects", "rural revitalisation", "rural tourism"],
    },
    "three-routes-launch": {
        "title": "Three boutique rural tourism routes launched",
        "lead": "The fields of Xinachuan, the hua'er songs and folk customs of Diaogou, the lanterns of Dan'gaer Old Town: Xining's three boutique rural routes are launched, and their maps, stops and homestays are on this portal.",
        "body": [
            "Xinachuan leisure agriculture route, Huangzhong: Kumbum Monastery 塔尔寺 – Qinghai Tibetan Culture Museum – Duoba – Lanlongkou – Kayang – Shangwuzhuang.",
            "Diaogou folk culture route, Shuobei, Datong: Qiaotou – Laoye Mountain 老爷山 – Shuobei Tibetan Township – Diaogou Village – Bianmagou flower fields – Yaozigou.",
            "Huangyuan history and heritage route: Dan'gaer Old Town 丹噶尔古城 – Daheigou Forest Park – Zongjiagou – Riyue Mountain 日月山.",
        ],
        "tags": ["rural tourism", "boutique routes"],
    },
    "shimin-xiaxiang-launch": {
        "title": "Xining launches “Townspeople to the Countryside” culture and tourism season",
        "lead": "The “Townspeople to the Countryside” season opens at Kayang 乡趣卡阳 in Huangzhong: weekend trips on the three boutique routes, homestay stays and a Hehuang Tianyuan produce market.",
        "body": [
            "After the launch, each of the three routes will hold weekend events; rural tourism buses run from the city.",
            "There is a Hehuang Tianyuan produce market and a Hehuang homestays information desk on site.",
        ],
        "tags": ["townspeople to the countryside", "rural tourism"],
    },
    "laoyeshan-huaerhui": {
        "title": "{year} Laoye Mountain Hua'er Fair 老爷山花儿会, Datong",
        "lead": "On the 6th day of the sixth lunar month the Laoye Mountain hua'er fair opens in Datong, with singers of every nationality answering each other's songs across the mountain.",
        "past_lead": "On the 6th day of the sixth lunar month the Laoye Mountain hua'er fair was held as every year; three days of song drew crowds of visitors.",
        "body": [
            "The Laoye Mountain hua'er fair is one of the largest traditional hua'er fairs in Qinghai, held for several days around the 6th day of the sixth lunar month on Laoye Mountain in Qiaotou Town, Datong.",
            "Singers trade hua'er songs across the slopes; visitors can climb for the views and try Datong's snacks. It is crowded: take public transport, and protect yourself from the strong plateau sun.",
        ],
        "lunar_note": "Every year around the 6th day of the sixth lunar month",
        "tags": ["hua'er fair", "intangible heritage", "festivals"],
    },
    "taersi-zhengyue-fahui": {
        "title": "{year} Great Prayer Festival and Butter Lantern Show at Kumbum Monastery 塔尔寺",
        "lead": "The first of Kumbum Monastery's four great assemblies, from the 8th to the 18th day of the first lunar month; the butter sculptures shown on the night of the 15th are the most awaited event of the Hehuang New Year.",
        "body": [
            "The butter lantern show on the night of the 15th is very crowded: plan ahead, follow the monastery's rules and do not touch the butter sculptures.",
            "Kumbum Monastery is in Lushar Town, Huangzhong, at the start of the Xinachuan leisure agriculture route.",
        ],
        "lunar_note": "8th–18th day of the first lunar month; butter lanterns on the night of the 15th",
        "tags": ["Kumbum Monastery", "religious festivals", "festivals"],
    },
    "taersi-liuyue-fahui": {
        "title": "{year} Sixth-Month Assembly and Thangka Unveiling at Kumbum Monastery 塔尔寺",
        "lead": "From the 3rd to the 9th day of the sixth lunar month Kumbum Monastery holds its sixth-month assembly; early on the 6th or 7th a giant thangka is unrolled on the hillside.",
        "body": ["The unveiling is early in the morning on a steep, crowded slope: wear non-slip shoes and follow the stewards."],
        "lunar_note": "3rd–9th day of the sixth lunar month; thangka unveiling on the 6th or 7th",
        "tags": ["Kumbum Monastery", "religious festivals", "festivals"],
    },
    "huangyuan-paideng-yuanxiao": {
        "title": "{year} Lantern Festival Lanterns in Dan'gaer Old Town 丹噶尔古城",
        "lead": "Huangyuan's lanterns, national intangible cultural heritage, light up Dan'gaer Old Town for three nights around the Lantern Festival.",
        "body": [
            "Huangyuan lanterns were listed as national intangible cultural heritage in 2006: wooden frames with paintings and poems, traditionally shown at the Lantern Festival and Laba.",
            "Nights are cold: dress warmly. The old town is explored on foot.",
        ],
        "lunar_note": "14th–16th day of the first lunar month (Lantern Festival)",
        "tags": ["lanterns", "intangible heritage", "festivals"],
    },
    "huangyuan-paideng-laba": {
        "title": "{year} Laba Lanterns in Dan'gaer Old Town 丹噶尔古城",
        "lead": "On the night of Laba the lanterns go up in Dan'gaer Old Town: a bowl of Laba porridge and a street of painted lanterns.",
        "body": ["The Laba lanterns are shown for one night only, lit from 6 pm."],
        "lunar_note": "8th day of the twelfth lunar month (Laba)",
        "tags": ["lanterns", "intangible heritage", "festivals"],
    },
    "bianmagou-huahai": {
        "title": "{year} Flower Season at Bianmagou 边麻沟",
        "lead": "800 mu of flower fields at Bianmagou Village, Shuobei Tibetan Township, Datong, in bloom from June to mid-October, about 51 km from Xining.",
        "body": [
            "The flowers peak in July and August. Please do not pick the flowers or walk on the beds; the village has farmhouse restaurants and homestays."
        ],
        "lunar_note": "",
        "tags": ["flower fields", "rural tourism"],
    },
    "nongmin-fengshoujie": {
        "title": "{year} Chinese Farmers' Harvest Festival, Xining venue",
        "lead": "At the autumn equinox the Xining venue of the Chinese Farmers' Harvest Festival opens in Lanlongkou Town, Huangzhong: a Hehuang Tianyuan produce market, barley and yak tastings and farm activities.",
        "past_lead": "At the autumn equinox farmers across Xining celebrated the harvest, and the Hehuang Tianyuan produce market was busy.",
        "body": ["On sale: Hehuang Tianyuan produce: summer plateau vegetables, potatoes, highland barley, yak meat, strawberries and mushrooms."],
        "past_body": ["This year's harvest festival is over: thank you to everyone who came."],
        "lunar_note": "Every year at the autumn equinox (around 23 September)",
        "tags": ["Farmers' Harvest Festival", "Hehuang Tianyuan", "festivals"],
    },
}


def load_english(ctx):
    """English copies of the live news items and events (after /en/news/ exists)."""
    import re

    from wagtail.models import Locale

    editor = ctx.users.get("editor")
    index = NewsIndexPage.objects.filter(locale=Locale.get_default()).first()
    if index is None:
        return
    made = 0
    today = timezone.localdate()
    for source in NewsPage.objects.child_of(index).live().order_by("date"):
        key = re.sub(r"-\d{4}$", "", source.slug)
        english = NEWS_EN.get(key) or NEWS_EN.get(source.slug)
        if english is None:
            continue
        year = source.event_start.astimezone(timezone.get_default_timezone()).year if source.event_start else source.date.year
        past = source.is_event and source.event_end is not None and source.event_end.astimezone(timezone.get_default_timezone()).date() < today
        lead = english.get("past_lead", english["lead"]) if past else english["lead"]
        body = english.get("past_body", english["body"]) if past else english["body"]

        def fill(page, english=english):
            page.tags.clear()
            page.tags.add(*english["tags"])

        fields = {
            "title": english["title"].format(year=year),
            "lead": lead,
            "search_description": lead[:150],
            "body": paragraphs(*body),
            "image_alt": f"{english['title'].format(year=year)} (generated illustration)",
            "source": SOURCES_EN.get(source.source, source.source),
        }
        if source.is_event:
            fields.update(
                venue=VENUES_EN.get(source.venue, source.venue),
                organiser=ORGANISERS_EN.get(source.organiser, source.organiser),
                admission=ADMISSION_EN.get(source.admission, source.admission),
                lunar_note=english.get("lunar_note", "") if source.lunar_note else "",
            )
        page, created = translate_page(source, ctx.locale, user=editor, fill=fill, **fields)
        made += created
    if made:
        ctx.log(f"Created {made} English news items")


# The section page in English (by the Chinese page's slug), for portal's load_demo.
SECTION_EN = {
    "title": "Festivals and news",
    "intro": "Hua'er song fairs, Kumbum Monastery's great assemblies, Huangyuan's lanterns, the Bianmagou flower fields and the farmers' harvest festival: festivals and news from rural Hehuang through the year.",
    "search_description": "Festivals and news from rural Xining: the Laoye Mountain hua'er fair, Kumbum Monastery assemblies, Huangyuan lanterns, Bianmagou flowers and the harvest festival.",
}


def home_blocks(sections, english):
    news = sections.get("news")
    return [
        home_collection(20, "Upcoming festivals" if english else "近期节庆活动", "upcoming_events", news),
        home_collection(60, "Latest news" if english else "最新资讯", "latest_news", news),
    ]


# --- manage.py load_scale --news N ---------------------------------------------------------------

SCALE_TOPICS = ("花儿会", "乡村旅游节", "农民丰收节", "草莓采摘季", "油菜花节", "社火表演", "青稞酒文化节", "民宿推介会")


def load_scale(target: int, ctx) -> int:
    """News up to `target` under the Chinese news section, dated over the last eight years, one in
    ten an event with a venue."""
    index = NewsIndexPage.objects.filter(locale=ctx.home.locale).first()
    if index is None:
        return 0
    have = NewsPage.objects.child_of(index).count()
    today = timezone.localdate()
    for n in range(have, target):
        day = today - datetime.timedelta(days=ctx.rng.randint(0, 8 * 365))
        village, topic = ctx.village(), ctx.rng.choice(SCALE_TOPICS)
        page = NewsPage(
            title=f"{day.year}年{village}{topic}（{n + 1}号）",
            slug=f"scale-news-{n + 1}",
            date=day,
            lead=f"{day.month}月{day.day}日，{village}举办{topic}，游客与村民共度节庆。",
            source="西宁市文化旅游广电局",
        )
        if ctx.rng.random() < 0.1:
            _county, lon, lat = ctx.place()
            start = datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=timezone.get_default_timezone())
            page.is_event, page.event_start, page.event_end = True, start, start + datetime.timedelta(hours=8)
            page.venue, page.venue_location = f"{village}文化广场", {"type": "Point", "coordinates": [lon, lat]}
        index.add_child(instance=page)
    return max(0, target - have)
