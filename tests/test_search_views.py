"""/search/ and /search/autocomplete/: results, filters, highlighting, pagination, suggestions,
odd queries (never a 500), rate limits and a bounded number of SQL queries."""

import json
import re

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase
from wagtail_factories import ImageFactory

from portal.factories import StandardPageFactory
from portal.search.text import MAX_QUERY_CHARS
from products.factories import ProductPageFactory
from tests.test_search import build_portal


def result_titles(response) -> list[str]:
    html = response.content.decode()
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<h2 class="search-title"><a href="[^"]*">(.*?)</a></h2>', html)]


@override_settings(RATELIMIT_ENABLE=False)
class SearchPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_portal()
        cls.p.bianmagou_inn.image = ImageFactory(title="边麻沟花海")
        cls.p.bianmagou_inn.save_revision().publish()

    def get(self, **params):
        return self.client.get("/search/", params)

    def test_results_show_type_highlighted_title_snippet_and_thumbnail(self):
        response = self.get(q="边麻沟")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("<mark>边麻沟</mark>花海民宿", html)
        self.assertRegex(html, r'<p class="search-type">民宿</p>')
        self.assertRegex(html, r'<picture><source [^>]*type="image/avif"|<picture><img ')  # AVIF where Pillow writes it
        self.assertRegex(html, r'<img [^>]*class="search-thumb"[^>]*src="[^"]+\.webp"')
        # the route matches through its stop: the snippet shows the stop's text
        self.assertIn("<mark>边麻沟</mark>村", html)
        self.assertIn("大通县朔北乡窎沟民俗文化", result_titles(response))

    def test_type_labels_for_sections_and_plain_pages(self):
        html = self.get(q="精品线路").content.decode()
        found = re.findall(r'<p class="search-type">([^<]+)</p>\s*<h2 class="search-title"><a href="[^"]*">(.*?)</a>', html)
        labels = {re.sub(r"<[^>]+>", "", title): label for label, title in found}
        self.assertEqual(labels.get("线路"), "栏目")
        self.assertEqual(labels.get("关于我们"), "页面")
        self.assertEqual(labels.get("三条乡村旅游精品线路正式发布"), "资讯")

    def test_snippet_is_cut_around_the_match(self):
        html = self.get(q="文成公主").content.decode()
        snippet = re.search(r'<p class="search-snippet">(.*?)</p>', html).group(1)
        self.assertIn("<mark>文成公主</mark>", snippet)
        self.assertLessEqual(len(re.sub(r"<[^>]+>", "", snippet)), 95)

    def test_filter_by_type_with_counts(self):
        response = self.get(q="日月山")
        html = response.content.decode()
        self.assertIn("产品 <span", html)
        self.assertRegex(html, r'type=routes[^"]*"[^>]*>线路 <span class="count">1</span>')
        products = self.get(q="日月山", type="products")
        self.assertEqual(result_titles(products), ["日月山牦牛肉"])
        self.assertRegex(products.content.decode(), r'type=products[^"]*" aria-current="true"')
        other = result_titles(self.get(q="西宁", type="other"))
        self.assertIn("游客须知", other)
        self.assertNotIn("日月山牦牛肉", other)
        # an unknown type is ignored, not an error
        self.assertEqual(self.get(q="日月山", type="nonsense").status_code, 200)

    def test_drafts_and_private_pages_never_show(self):
        titles = result_titles(self.get(q="鹞子沟")) + result_titles(self.get(q="牧帐"))
        self.assertNotIn("鹞子沟林间木屋", titles)
        self.assertNotIn("日月山牧帐营地", titles)

    def test_operators(self):
        either = self.get(q="当归 OR 菜籽油")
        self.assertEqual(set(result_titles(either)), {"大通当归", "黄家寨小榨菜籽油"})
        self.assertContains(either, "任一词语")
        excluded = result_titles(self.get(q="牦牛 -酸奶"))
        self.assertIn("日月山牦牛肉", excluded)
        self.assertNotIn("牦牛酸奶", excluded)
        self.assertNotIn("牦牛酸奶", result_titles(self.get(q="牦牛 NOT 酸奶")))
        self.assertContains(self.get(q="-酸奶"), "不只是要排除")

    def test_nothing_has_every_word_so_some_words_are_shown(self):
        response = self.get(q="当归 边麻沟")
        self.assertContains(response, "部分词语")
        self.assertIn("大通当归", result_titles(response))

    def test_no_results_suggest_close_titles_and_sections(self):
        response = self.get(q="丹嘎尔")  # a variant character for 噶
        html = response.content.decode()
        self.assertContains(response, "没有找到")
        suggested = re.search(r'<ul class="search-suggested">(.*?)</ul>', html, re.S).group(1)
        self.assertIn("丹噶尔古城腊八排灯", suggested)
        sections = re.search(r'<ul class="search-sections">(.*?)</ul>', html, re.S).group(1)
        self.assertIn("河湟田源", sections)
        self.assertIn("塔尔寺畔酥油灯客栈", result_titles(self.get(q="寺")) + re.findall(r">([^<]+)</a></li>", self.get(q="寺").content.decode()))

    def test_pagination_keeps_query_and_type(self):
        for i in range(23):
            ProductPageFactory(parent=self.p.products, title=f"青稞饼 {i}", slug=f"cake-{i}", summary="青稞面做的饼。")
        first = self.get(q="青稞", type="products")
        self.assertEqual(len(result_titles(first)), 10)
        self.assertContains(first, "第 1 / 3 页")
        self.assertRegex(first.content.decode(), r'href="\?q=%E9%9D%92%E7%A8%9E&amp;type=products&amp;page=2" rel="next"')
        third = self.get(q="青稞", type="products", page="3")
        self.assertEqual(len(result_titles(third)), 25 - 20)  # 23 cakes, 青稞酒, 西纳川青稞面粉
        self.assertContains(self.get(q="青稞", type="products", page="99"), "第 3 / 3 页")
        self.assertContains(self.get(q="青稞", type="products", page="abc"), "第 1 / 3 页")

    def test_titles_and_snippets_are_escaped_before_marking(self):
        StandardPageFactory(parent=self.p.home, title="<b>民宿</b> & 须知", slug="escape", intro='<script>alert("民宿")</script>')
        html = self.get(q="民宿 须知").content.decode()
        self.assertIn("&lt;b&gt;<mark>民宿</mark>&lt;/b&gt; &amp; <mark>须知</mark>", html)
        self.assertIn("&lt;script&gt;alert(&quot;<mark>民宿</mark>&quot;)&lt;/script&gt;", html)
        self.assertNotIn("<script>alert", html)

    def test_english_search_page(self):
        response = self.client.get("/en/search/", {"q": "Kumbum"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "/search/autocomplete/")

    def test_search_box_uses_the_static_script_and_no_inline_code(self):
        html = self.get(q="民宿").content.decode()
        self.assertIn('src="/static/portal/js/search.js"', html)
        self.assertIn('data-autocomplete-url="/search/autocomplete/"', html)
        self.assertIsNone(re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html))

    def test_query_count_is_bounded_and_independent_of_the_number_of_results(self):
        """A fixed number of queries (site, locale, restrictions, facet, search, images, renditions
        and the base template's menu and settings), plus one per page type on the results page
        (Wagtail's `.specific()`), however many results there are."""

        def count(**params):
            self.client.get("/search/", params)  # warm: jieba, content types
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get("/search/", params)
            self.assertEqual(response.status_code, 200)
            types = len(set(re.findall(r'<p class="search-type">([^<]+)</p>', response.content.decode())))
            return len(ctx.captured_queries), types

        def add_products(n, start=0):
            for i in range(start, start + n):
                page = ProductPageFactory(parent=self.p.products, title=f"排灯礼盒 {i}", slug=f"lantern-{i}", summary="排灯造型的礼盒。", image=ImageFactory())
                page.save_revision().publish()

        mixed, types = count(q="排灯")  # an event, a homestay, a route
        self.assertGreaterEqual(types, 3)
        self.assertLessEqual(mixed, 12 + types)
        add_products(2)
        few = count(q="排灯", type="products")
        self.assertEqual(few[1], 1)
        add_products(12, start=2)
        self.assertEqual(count(q="排灯", type="products"), few)
        mixed, types = count(q="排灯")
        self.assertLessEqual(mixed, 12 + types)
        self.assertLessEqual(count(q="没有这个词")[0], 12)


ODD_QUERIES = [
    '"',
    '""',
    "'",
    "AND",
    "OR",
    "NOT",
    "-",
    "--",
    "*",
    "民宿*",
    "(",
    ")",
    "民宿 AND",
    "OR 民宿",
    "NOT",
    "a:b",
    "{title}: 民宿",
    "NEAR(民宿 青稞)",
    "^民宿",
    "民宿 + 青稞",
    "😀",
    "🏔️民宿",
    "'; DROP TABLE wagtailcore_page; --",
    "1' OR '1'='1",
    "%",
    "_",
    "\\",
    "\\'",
    "\u200b",
    "‮民宿",
    "民" * 10_000,
    "民宿 " * 3000,
    "x" * 10_000,
    "!@#$%^&*()_+-=[]{}|;:,.<>?/~`",
    "ＡＮＤ",
    "民宿\t青稞\n塔尔寺",
]


@override_settings(RATELIMIT_ENABLE=False)
class OddQueryTests(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_portal()

    def test_odd_queries_answer_200_with_a_message(self):
        for query in ODD_QUERIES:
            response = self.client.get("/search/", {"q": query})
            self.assertEqual(response.status_code, 200, query[:40])
            html = response.content.decode()
            self.assertTrue('class="search-note"' in html or 'class="search-summary"' in html or "没有找到" in html, query[:40])

    def test_a_very_long_query_is_cut_with_a_note(self):
        response = self.client.get("/search/", {"q": "民宿" * 5000})
        self.assertContains(response, f"只使用了前 {MAX_QUERY_CHARS} 个字")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.text(max_size=300))
    def test_any_text_answers_200(self, query):
        query = query.replace("\x00", "")  # NUL is refused with a 400 by middleware
        self.assertEqual(self.client.get("/search/", {"q": query}).status_code, 200)
        self.assertEqual(self.client.get("/search/autocomplete/", {"q": query}).status_code, 200)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(["民宿", "OR", "AND", "NOT", "-", '"', "(", ")", "*", "青稞", "-塔尔寺", "kumbum", ":", "^"]), max_size=8))
    def test_any_mix_of_operators_answers_200(self, tokens):
        self.assertEqual(self.client.get("/search/", {"q": " ".join(tokens)}).status_code, 200)


class AutocompleteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_portal()

    def complete(self, q, **extra):
        return self.client.get("/search/autocomplete/", {"q": q}, **extra)

    def test_titles_and_urls_as_one_types(self):
        response = self.complete("西纳")
        self.assertEqual(response["Content-Type"], "application/json")
        data = response.json()
        self.assertEqual(data["query"], "西纳")
        titles = [r["title"] for r in data["results"]]
        self.assertIn("湟中区西纳川休闲农业", titles)
        self.assertIn("西纳川青稞面粉", titles)
        self.assertIn({"title": "西纳川青稞面粉", "url": "/products/barley-flour/"}, data["results"])
        self.assertIn("窎沟民俗文化村", [r["title"] for r in self.complete("窎沟民").json()["results"]])

    def test_a_piece_from_the_middle_of_a_title_also_completes(self):
        self.assertIn("丹噶尔古城排灯客栈", [r["title"] for r in self.complete("噶尔古").json()["results"]])

    def test_drafts_private_pages_and_nothing_searchable(self):
        titles = [r["title"] for r in self.complete("鹞子").json()["results"] + self.complete("日月山").json()["results"]]
        self.assertNotIn("鹞子沟林间木屋", titles)
        self.assertNotIn("日月山牧帐营地", titles)
        self.assertEqual(self.complete("").json()["results"], [])
        self.assertEqual(self.complete("!!!").json()["results"], [])

    def test_at_most_eight_suggestions(self):
        self.assertLessEqual(len(self.complete("民").json()["results"]), 8)

    @override_settings(PORTAL_AUTOCOMPLETE_RATE="3/m")
    def test_rate_limited_per_address_with_json_429(self):
        for _ in range(3):
            self.assertEqual(self.complete("民宿").status_code, 200)
        limited = self.complete("民宿")
        self.assertEqual(limited.status_code, 429)
        self.assertEqual(json.loads(limited.content)["results"], [])
        self.assertEqual(limited["Retry-After"], "60")
        self.assertEqual(self.complete("民宿", REMOTE_ADDR="198.51.100.9").status_code, 200)
