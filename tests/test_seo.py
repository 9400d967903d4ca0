import json
import re

from django.test import TestCase
from lxml import etree

from portal.factories import StandardPageFactory, make_site
from routes.factories import RouteIndexPageFactory


def ld_blocks(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


class SeoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.routes = RouteIndexPageFactory(parent=cls.home)
        cls.about = StandardPageFactory(parent=cls.home, slug="about", title="关于</script><b>我们", search_description="简介 & 说明")
        cls.draft = StandardPageFactory(parent=cls.home, slug="draft", title="草稿", live=False)

    def test_breadcrumbs_and_open_graph(self):
        html = self.client.get("/about/").content.decode()
        blocks = ld_blocks(html)
        crumbs = next(b for b in blocks if b["@type"] == "BreadcrumbList")
        self.assertEqual([i["name"] for i in crumbs["itemListElement"]], ["西宁乡村文旅门户", "关于</script><b>我们"])
        self.assertEqual(crumbs["itemListElement"][-1]["item"], self.about.get_full_url())
        self.assertIn('<meta property="og:description" content="简介 &amp; 说明">', html)
        self.assertIn(f'<link rel="canonical" href="{self.about.get_full_url()}">', html)
        self.assertNotIn("</script><b>", html.split("<body")[0].replace("\\u003c/script\\u003e", ""))

    def test_sitemap_lists_live_public_pages_only(self):
        response = self.client.get("/sitemap.xml")
        self.assertEqual(response.status_code, 200)
        tree = etree.fromstring(response.content)
        locs = {e.text for e in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
        self.assertIn(self.about.get_full_url(), locs)
        self.assertIn(self.routes.get_full_url(), locs)
        self.assertNotIn(self.draft.get_full_url(), locs)

    def test_robots_points_to_sitemap(self):
        body = self.client.get("/robots.txt").content.decode()
        self.assertIn("Sitemap: http://testserver/sitemap.xml", body)
        self.assertIn("Disallow: /admin/", body)

    def test_qr_only_for_pages_that_offer_it(self):
        self.assertEqual(self.client.get(f"/qr/{self.about.pk}.png").status_code, 404)
        self.assertEqual(self.client.get(f"/qr/{self.about.pk}.gif").status_code, 404)
        self.assertEqual(self.client.get("/qr/999999.png").status_code, 404)

    def test_qr_codes_decode_to_the_page_url(self):
        import io
        from unittest import mock

        import zxingcpp
        from PIL import Image

        from portal.models import StandardPage

        with mock.patch.object(StandardPage, "show_qr", True):
            png = self.client.get(f"/qr/{self.about.pk}.png")
            svg = self.client.get(f"/qr/{self.about.pk}.svg")
            html = self.client.get("/about/").content.decode()
        self.assertEqual(png["Content-Type"], "image/png")
        self.assertEqual(svg["Content-Type"], "image/svg+xml")
        self.assertIn(f"/qr/{self.about.pk}.svg", html)
        results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
        self.assertEqual([r.text for r in results], [self.about.get_full_url()])
        self.assertIn(b"<svg", svg.content)
