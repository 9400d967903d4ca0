"""Chinese search: segmentation, the query syntax it produces, the index following publishing, and
the quality bar — each realistic query finds the page a person would expect in the top 3.

Runs on SQLite (FTS5) and PostgreSQL (full text); see portal/search/. The fixture is a small but
real portal: the three routes with their stops, homestays, products, news and events, plain pages,
plus a draft and a private page that match popular queries and must never show.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from django.core.management import call_command
from django.db import connection
from django.test import SimpleTestCase, TestCase
from wagtail.models import Page, PageViewRestriction
from wagtail.rich_text import RichText
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory
from homestays.factories import point as homestay_point
from homestays.models import County, Grade
from news.factories import EventPageFactory, NewsIndexPageFactory, NewsPageFactory
from portal.factories import StandardPageFactory, make_site
from portal.search.text import build_query, query_words, segment_for_index, to_fts5, to_tsquery, word_parts
from products.factories import ProductIndexPageFactory, ProductPageFactory
from products.models import Category
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory


def paragraphs(*texts):
    return [("paragraph", RichText(f"<p>{t}</p>")) for t in texts]


def stop(route, name, description="", **kwargs):
    return RouteStopFactory(page=route, name=name, description=description, **kwargs)


def publish(page):
    """Publish the page as an editor does, so the index sees its inline children (stops)."""
    page.save_revision().publish()
    return page.specific_class.objects.get(pk=page.pk)


def build_portal():
    """The content mix of the real portal, written as its editors would."""
    home = make_site()
    p = SimpleNamespace(home=home)
    p.about = StandardPageFactory(
        parent=home,
        title="关于我们",
        slug="about",
        intro="西宁乡村文旅门户 Xining Rural Portal：河湟谷地的乡村旅游、民宿和农产品信息。",
        body=paragraphs("本站由西宁市文化旅游广电局主办，介绍三条乡村旅游精品线路。"),
    )
    p.visitor_guide = StandardPageFactory(
        parent=home,
        title="游客须知",
        slug="visitor-guide",
        intro="高原旅行注意事项。Visitor guide: altitude, weather and what to pack.",
        body=paragraphs("西宁海拔约 2275 米，日月山垭口超过 3500 米，注意防晒、慢行，预防高原反应。"),
    )

    # Routes and their stops (RouteStop rows, indexed through RoutePage.search_fields).
    p.routes = RouteIndexPageFactory(parent=home, intro="<p>湟中、大通、湟源三条乡村旅游精品线路，一日往返西宁。</p>")
    p.xinachuan = RoutePageFactory(
        parent=p.routes,
        title="湟中区西纳川休闲农业",
        slug="xinachuan",
        summary="从塔尔寺出发，经多巴镇、拦隆口镇到上五庄，沿西纳川看油菜花、住农家院、吃农家饭。",
        body=paragraphs("西纳川是湟水河的支流河谷，夏季油菜花与青稞田连成一片，适合自驾和骑行。"),
    )
    stop(p.xinachuan, "塔尔寺 Kumbum Monastery", "藏传佛教格鲁派六大寺院之一，酥油花、壁画和堆绣被称为“艺术三绝”。", sort_order=1)
    stop(p.xinachuan, "青海藏文化馆", "展示藏医药和唐卡艺术的专题博物馆。", sort_order=2)
    stop(p.xinachuan, "多巴镇", "高原体育训练基地所在地，西纳川的门户小镇。", sort_order=3)
    stop(p.xinachuan, "乡趣卡阳", "森林栈道、花海和露营地，距西宁 42 公里。", sort_order=4)
    publish(p.xinachuan)
    p.diaogou = RoutePageFactory(
        parent=p.routes,
        title="大通县朔北乡窎沟民俗文化",
        slug="diaogou",
        summary="桥头镇、老爷山、朔北藏族乡和边麻沟花海，听花儿、看民俗。",
        body=paragraphs("窎沟一带保留着土族和藏族村落的传统民居。"),
    )
    stop(p.diaogou, "老爷山", "海拔 2928 米，每年农历六月初六举办花儿会。", sort_order=1)
    stop(p.diaogou, "边麻沟村", "800 亩花海，六月到十月中旬开放。", sort_order=2)
    stop(p.diaogou, "鹞子沟", "森林景区，有瀑布和木栈道。", sort_order=3)
    publish(p.diaogou)
    p.huangyuan = RoutePageFactory(
        parent=p.routes,
        title="湟源县历史文化",
        slug="huangyuan",
        summary="丹噶尔古城、宗家沟和日月山：茶马互市与唐蕃古道的历史。",
        body=paragraphs("湟源古称丹噶尔，是历史上的商贸重镇。"),
    )
    stop(p.huangyuan, "丹噶尔古城", "城隍庙、排灯和老街，国家级非物质文化遗产湟源排灯的故乡。", sort_order=1)
    stop(p.huangyuan, "宗家沟", "峡谷溶洞，相传有西王母石室。", sort_order=2)
    stop(p.huangyuan, "日月山", "唐代文成公主进藏途经之地，山顶有日亭和月亭。", sort_order=3)
    publish(p.huangyuan)

    # Homestays.
    p.homestays = HomestayIndexPageFactory(parent=home, intro="<p>河湟精品民宿：按县区、等级和价格筛选。</p>")
    p.xinachuan_inn = HomestayPageFactory(
        parent=p.homestays,
        title="河湟精品民宿 西纳川农家院",
        slug="xinachuan-inn",
        summary="西纳川河谷里的农家小院，推窗就是青稞田。",
        county=County.HUANGZHONG,
        township="拦隆口镇",
        village="卡阳村",
        grade=Grade.YI,
        specialities="手抓羊肉、青稞酒、酿皮；采摘油菜花。",
    )
    p.diaogou_village = HomestayPageFactory(
        parent=p.homestays,
        title="窎沟民俗文化村",
        slug="diaogou-village",
        summary="土族人家的院落，能看到盘绣和安召舞。",
        county=County.DATONG,
        township="朔北藏族乡",
        village="窎沟村",
        location=homestay_point(101.84, 36.98),
        specialities="酩馏酒、土族盘绣体验。",
    )
    p.bianmagou_inn = HomestayPageFactory(
        parent=p.homestays,
        title="边麻沟花海民宿",
        slug="bianmagou-inn",
        summary="花海旁的木屋民宿，六月到十月最美。",
        county=County.DATONG,
        village="边麻沟村",
        location=homestay_point(101.86, 37.00),
    )
    p.dangar_inn = HomestayPageFactory(
        parent=p.homestays,
        title="丹噶尔古城排灯客栈",
        slug="dangar-inn",
        summary="住在古城里，晚上看排灯。",
        county=County.HUANGYUAN,
        location=homestay_point(101.26, 36.69),
    )
    p.kumbum_inn = HomestayPageFactory(
        parent=p.homestays,
        title="塔尔寺畔酥油灯客栈",
        slug="kumbum-inn",
        summary="步行十分钟到塔尔寺。English spoken, free WiFi.",
        county=County.HUANGZHONG,
        languages="普通话、英语",
    )
    # Never shown: a draft and a private listing that match popular queries.
    p.draft_homestay = HomestayPageFactory(
        parent=p.homestays, title="鹞子沟林间木屋", slug="yaozigou-draft", summary="鹞子沟森林里的民宿（未发布）。", live=False, county=County.DATONG
    )
    p.private_homestay = HomestayPageFactory(
        parent=p.homestays, title="日月山牧帐营地", slug="riyue-private", summary="日月山下的牧帐民宿（仅会员可见）。", county=County.HUANGYUAN
    )
    PageViewRestriction.objects.create(page=p.private_homestay, restriction_type=PageViewRestriction.PASSWORD, password="members")

    # 河湟田源 products.
    p.products = ProductIndexPageFactory(parent=home, intro="<p>河湟田源：西宁农产品区域公用品牌。</p>")
    p.barley_liquor = ProductPageFactory(
        parent=p.products,
        title="青稞酒",
        slug="barley-liquor",
        summary="高原青稞酿造的清香型白酒。",
        category=Category.PROCESSED,
        usage="适量饮用；也可用于炖牦牛肉。",
    )
    p.yak_beef = ProductPageFactory(
        parent=p.products,
        title="日月山牦牛肉",
        slug="yak-beef",
        summary="日月山草场放牧的牦牛，风干或手抓。Yak beef from the Riyue pastures.",
        category=Category.LIVESTOCK,
    )
    p.yak_yoghurt = ProductPageFactory(
        parent=p.products,
        title="牦牛酸奶",
        slug="yak-yoghurt",
        summary="牧民家的老酸奶，撒白糖吃。Yak yoghurt, set in a bowl.",
        category=Category.LIVESTOCK,
    )
    p.angelica = ProductPageFactory(parent=p.products, title="大通当归", slug="angelica", summary="大通县种植的道地药材。", category=Category.HERBS)
    p.flour = ProductPageFactory(
        parent=p.products, title="西纳川青稞面粉", slug="barley-flour", summary="石磨青稞面，做甜醅和馍馍。", category=Category.GRAIN_OIL
    )
    p.rapeseed_oil = ProductPageFactory(
        parent=p.products, title="黄家寨小榨菜籽油", slug="rapeseed-oil", summary="传统小榨工艺，浓香菜籽油。", category=Category.GRAIN_OIL
    )

    # News and events.
    p.news = NewsIndexPageFactory(parent=home, title="节庆资讯")
    p.huaer = EventPageFactory(
        parent=p.news,
        title="老爷山花儿会",
        slug="huaerhui",
        lead="农历六月初六，大通老爷山花儿会开幕，歌手对唱河湟花儿。",
        venue="大通县老爷山",
    )
    p.huaer.tags.add("花儿会", "节庆")
    publish(p.huaer)
    p.paideng = EventPageFactory(parent=p.news, title="丹噶尔古城腊八排灯", slug="paideng", lead="腊八节，湟源排灯在丹噶尔古城亮灯。", venue="湟源县丹噶尔古城")
    p.launch = NewsPageFactory(
        parent=p.news,
        title="三条乡村旅游精品线路正式发布",
        slug="routes-launch",
        lead="西纳川、窎沟、湟源三条线路发布，串起河湟乡村。",
        body=paragraphs("市文化旅游广电局打造“河湟精品民宿”品牌，加快特色文化旅游民宿发展。"),
    )
    p.kumbum_news = NewsPageFactory(
        parent=p.news,
        title="塔尔寺正月祈愿大法会",
        slug="kumbum-prayer",
        lead="正月十五晚，塔尔寺展出酥油花。Kumbum Monastery's butter sculptures are shown on the 15th night.",
    )
    return p


# Query → the page a person would expect among the first three results.
QUALITY_QUERIES = [
    ("民宿", "xinachuan_inn"),  # two characters inside a longer title run
    ("青稞", "barley_liquor"),  # … inside 青稞酒
    ("窎沟", "diaogou_village"),  # … inside 窎沟民俗文化村
    ("酸奶", "yak_yoghurt"),
    ("面粉", "flour"),
    ("菜籽油", "rapeseed_oil"),
    ("精品民宿", "xinachuan_inn"),
    ("农家院", "xinachuan_inn"),
    ("西纳川", "xinachuan"),  # place names
    ("塔尔寺", "xinachuan"),  # a stop of the route
    ("卡阳", "xinachuan"),
    ("藏文化馆", "xinachuan"),
    ("鹞子沟", "diaogou"),  # a stop; the draft homestay of that name must not count
    ("边麻沟", "bianmagou_inn"),
    ("丹噶尔", "paideng"),
    ("日月山", "yak_beef"),  # the private page of that name must not count
    ("文成公主", "huangyuan"),
    ("排灯", "paideng"),
    ("花儿会", "huaer"),  # festivals
    ("老爷山", "huaer"),
    ("牦牛", "yak_yoghurt"),  # products
    ("当归", "angelica"),
    ("河湟田源", "products"),
    ("kumbum", "xinachuan"),  # English
    ("KUMBUM", "kumbum_news"),
    ("yoghurt", "yak_yoghurt"),
    ("WiFi", "kumbum_inn"),
    ("yak 酸奶", "yak_yoghurt"),  # mixed
    ("西纳川 民宿", "xinachuan_inn"),
    ("湟源 排灯", "paideng"),
    ("Kumbum 酥油花", "kumbum_news"),
]


class SegmentationTests(SimpleTestCase):
    def test_index_text_has_the_words_inside_long_runs(self):
        self.assertEqual(set(segment_for_index("河湟精品民宿 西纳川农家院").split()) >= {"河湟", "精品", "民宿", "精品民宿", "西纳川", "农家院"}, True)
        self.assertIn("青稞", segment_for_index("青稞酒").split())
        self.assertIn("窎沟", segment_for_index("窎沟民俗文化村").split())

    def test_local_names_from_the_dictionary_stay_whole(self):
        for name in ["窎沟", "西纳川", "丹噶尔", "边麻沟", "卡阳", "鹞子沟", "河湟田源"]:
            self.assertEqual(query_words(name), [name], name)

    def test_english_is_lowercased_full_width_normalised_and_punctuation_dropped(self):
        self.assertEqual(segment_for_index("Kumbum Monastery（塔尔寺）!").split(), ["kumbum", "monastery", "塔尔", "塔尔寺"])
        self.assertEqual(query_words("ＹＡＫ, e-bike!"), ["yak", "e", "bike"])
        self.assertEqual(query_words("😀 ' \" --"), [])

    def test_stop_words_are_dropped_from_queries_unless_nothing_else_is_left(self):
        self.assertEqual(query_words("西宁的民宿"), ["西宁", "民宿"])
        self.assertEqual(query_words("的"), ["的"])

    def test_compound_words_split_into_words_but_names_do_not_split_into_characters(self):
        self.assertEqual(word_parts("精品民宿"), ["精品", "民宿"])
        self.assertEqual(word_parts("塔尔寺"), [])
        self.assertEqual(word_parts("民宿"), [])

    def test_query_syntax_quotes_every_word(self):
        node = build_query('民宿 "NEAR" x* ^y) {title}:z')
        self.assertEqual(to_fts5(node), '("民宿" AND "near" AND "x" AND "y" AND "title" AND "z")')
        self.assertEqual(to_tsquery(build_query("精品民宿")), "('精品民宿' | ('精品' & '民宿'))")
        self.assertEqual(to_fts5(build_query("!!!")), '""')
        self.assertEqual(to_tsquery(build_query("!!!")), "")

    def test_autocomplete_queries_end_in_a_prefix(self):
        self.assertEqual(to_fts5(build_query("西纳", prefix_last=True)), '"西纳"*')
        self.assertEqual(to_fts5(build_query("窎沟民", prefix_last=True)), '("窎沟民"* OR ("窎沟" AND "民"*))')
        self.assertEqual(to_tsquery(build_query("塔尔寺 kum", prefix_last=True)), "('塔尔寺' & 'kum':*)")

    def test_very_long_queries_are_bounded(self):
        node = build_query("民宿 青稞 " * 5000)
        self.assertLess(len(to_fts5(node)), 400)


class SearchQualityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_portal()

    def search(self, query, n=3):
        return list(Page.objects.live().public().specific().search(query)[:n])

    def test_each_query_finds_the_expected_page_in_the_top_three(self):
        misses = []
        for query, expected in QUALITY_QUERIES:
            top = self.search(query)
            if getattr(self.p, expected).pk not in [page.pk for page in top]:
                misses.append(f"{query!r}: expected {getattr(self.p, expected).title!r}, got {[page.title for page in top]}")
        self.assertEqual(misses, [], f"{len(misses)} of {len(QUALITY_QUERIES)} queries missed on {connection.vendor}")

    def test_drafts_and_private_pages_never_match(self):
        hidden = {self.p.draft_homestay.pk, self.p.private_homestay.pk}
        for query in ["鹞子沟", "日月山", "牧帐", "木屋"]:
            found = {page.pk for page in Page.objects.live().public().search(query)}
            self.assertFalse(found & hidden, query)

    def test_words_must_all_match_by_default(self):
        found = {page.pk for page in Page.objects.live().public().search("牦牛 酸奶")}
        self.assertIn(self.p.yak_yoghurt.pk, found)
        self.assertNotIn(self.p.yak_beef.pk, found)

    def test_the_index_holds_segmented_text(self):
        """Guards portal.search.segmenting.with_indexer against upstream renaming ObjectIndexer."""
        entry = IndexEntry.objects.get(object_id=str(self.p.xinachuan_inn.pk))
        if connection.vendor == "sqlite":
            self.assertIn("精品 民宿", entry.title)
        else:
            self.assertIn("'民宿'", str(entry.title))

    def test_autocomplete_completes_titles_as_one_types(self):
        for typed, expected in [
            ("西纳", "xinachuan"),
            ("窎沟民", "diaogou_village"),
            ("边麻沟花", "bianmagou_inn"),
            ("牦", "yak_yoghurt"),
            ("黄家寨小", "rapeseed_oil"),
        ]:
            titles = [page.pk for page in Page.objects.live().public().autocomplete(typed)]
            self.assertIn(getattr(self.p, expected).pk, titles, typed)

    def test_search_works_in_the_admin_too(self):
        """The backend is Wagtail's, so the admin's page search finds Chinese words as well."""
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.create_superuser("searcher", "s@example.com", "pw")
        self.client.force_login(admin)
        response = self.client.get("/admin/pages/search/", {"q": "窎沟"})
        self.assertContains(response, "窎沟民俗文化村")


class IndexFollowsPublishingTests(TestCase):
    def setUp(self):
        self.home = make_site()
        self.routes = RouteIndexPageFactory(parent=self.home)

    def found(self, query):
        return [page.pk for page in Page.objects.live().public().search(query)]

    def test_publish_and_unpublish(self):
        route = RoutePageFactory(parent=self.routes, title="湟源县历史文化", live=False, summary="丹噶尔古城与日月山。")
        self.assertNotIn(route.pk, self.found("丹噶尔"))
        route = publish(route)
        self.assertIn(route.pk, self.found("丹噶尔"))
        route.unpublish()
        self.assertNotIn(route.pk, self.found("丹噶尔"))

    def test_edited_text_is_found_after_publishing_and_the_old_text_is_not(self):
        route = publish(RoutePageFactory(parent=self.routes, title="大通县朔北乡窎沟民俗文化", summary="边麻沟花海。"))
        route.summary = "鹞子沟森林景区。"
        publish(route)
        self.assertIn(route.pk, self.found("鹞子沟"))
        self.assertNotIn(route.pk, self.found("边麻沟"))

    def test_stops_added_in_a_revision_are_found_once_published(self):
        """Wagtail indexes on post_save, before the new stops are stored; portal.search.signals
        re-indexes on publish."""
        from routes.models import RouteStop

        route = publish(RoutePageFactory(parent=self.routes, title="湟中区西纳川休闲农业"))
        route.stops.add(RouteStop(name="喇嘛台子村", kind="village", location={"type": "Point", "coordinates": [101.4, 36.7]}, description="石头房子"))
        publish(route)
        self.assertIn(route.pk, self.found("喇嘛台子村"))
        self.assertIn(route.pk, self.found("石头房子"))

    def test_deleted_pages_leave_the_index(self):
        route = publish(RoutePageFactory(parent=self.routes, title="湟源县历史文化", summary="宗家沟。"))
        route.delete()
        self.assertFalse(IndexEntry.objects.filter(object_id=str(route.pk)).exists())

    def test_update_index_rebuilds_the_index(self):
        route = publish(RoutePageFactory(parent=self.routes, title="湟中区西纳川休闲农业", summary="卡阳花海。"))
        IndexEntry.objects.all().delete()
        self.assertEqual(self.found("卡阳"), [])
        call_command("update_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertIn(route.pk, self.found("卡阳"))


class BackendSettingsTests(TestCase):
    def test_the_chinese_backend_for_this_database(self):
        backend = get_search_backend()
        expected = {"sqlite": "ChineseSQLiteSearchBackend", "postgresql": "ChinesePostgresSearchBackend"}[connection.vendor]
        self.assertEqual(type(backend).__name__, expected)

    def production_backends(self, **env):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "DJANGO_SECRET_KEY": "search-settings-test-" + "k7Qz" * 12,
            **env,
        }
        code = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.WAGTAILSEARCH_BACKENDS))"
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, check=True)
        return json.loads(out.stdout)["default"]

    def test_production_switches_to_elasticsearch_with_a_chinese_analyzer(self):
        self.assertEqual(self.production_backends(SEARCH_BACKEND_URL="")["BACKEND"], "portal.search.backend")
        es = self.production_backends(SEARCH_BACKEND_URL="https://es1:9200, https://es2:9200")
        self.assertEqual(es["BACKEND"], "wagtail.search.backends.elasticsearch8")
        self.assertEqual(es["URLS"], ["https://es1:9200", "https://es2:9200"])
        analyzers = es["INDEX_SETTINGS"]["settings"]["analysis"]["analyzer"]
        self.assertEqual((analyzers["default"]["tokenizer"], analyzers["default_search"]["tokenizer"]), ("ik_max_word", "ik_smart"))
        smartcn = self.production_backends(
            SEARCH_BACKEND_URL="https://es:9200", SEARCH_ANALYZER="smartcn", SEARCH_BACKEND="wagtail.search.backends.opensearch2"
        )
        self.assertEqual(smartcn["BACKEND"], "wagtail.search.backends.opensearch2")
        self.assertEqual(smartcn["INDEX_SETTINGS"]["settings"]["analysis"]["analyzer"]["edgengram_analyzer"]["tokenizer"], "smartcn_tokenizer")
