"""Build the demo site: page tree, generated images, demo accounts, each app's content.

Idempotent: every step checks what exists, so a second `make run` adds nothing twice.
"""

import os

from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Locale, Page, Site

from portal.demo import DemoContext, demo_image, ensure_user
from portal.models import HomePage, MapPage, PortalSettings
from portal.registry import registry


class Command(BaseCommand):
    help = "Load the demo content (safe to run again: it loads nothing twice)."

    @transaction.atomic
    def handle(self, *args, **options):
        home, created = self.ensure_home()
        users = {
            "admin": ensure_user("admin", superuser=True, email="admin@example.com", first_name="管理员"),
            "editor": ensure_user("editor", groups=("Editors", "Moderators"), email="editor@example.com", first_name="编辑", last_name="王"),
            "owner1": ensure_user("owner1", email="owner1@example.com", first_name="卓玛", last_name="李"),
            "owner2": ensure_user("owner2", email="owner2@example.com", first_name="海军", last_name="马"),
        }
        ctx = DemoContext(home=home, users=users, stdout=self.stdout)
        for loader in registry.demo_loaders:
            loader.load(ctx)
        if not MapPage.objects.exists():
            home.add_child(
                instance=MapPage(title="地图", slug="map", show_in_menus=True, intro="<p>三条精品线路、民宿、河湟田源产品与电商服务站，都在一张地图上。</p>")
            )
        self.ensure_settings(home)
        if created:
            self.fill_home(home)
        self.stdout.write(self.style.SUCCESS("Demo content ready." if created else "Demo content already loaded: nothing added twice."))

    def ensure_home(self):
        home = HomePage.objects.first()
        if home:
            return home, False
        root = Page.get_first_root_node()
        locale = Locale.get_default()
        site = Site.objects.filter(is_default_site=True).first()
        # Wagtail's "Welcome to your new Wagtail site!" placeholder holds the slug "home".
        for placeholder in root.get_children().filter(content_type__model="page", content_type__app_label="wagtailcore"):
            if not placeholder.get_children().exists():
                if site and site.root_page_id == placeholder.pk:
                    site.root_page = root
                    site.save()
                placeholder.delete()
        home = root.add_child(
            instance=HomePage(
                title="西宁乡村文旅门户",
                slug="home",
                locale=locale,
                intro="河湟谷地的三条乡村旅游精品线路、河湟精品民宿与河湟田源好物。",
                seo_title="西宁乡村文旅门户 · 乡村旅游精品线路、民宿与河湟田源",
                search_description="西宁市乡村旅游门户：湟中区西纳川休闲农业、大通县朔北乡窎沟民俗文化、湟源县历史文化三条精品线路，河湟精品民宿，河湟田源农产品与节庆活动。",
            )
        )
        # Full URLs (canonical links, sitemap, QR codes) point where `make run` serves the demo.
        host = {"hostname": "127.0.0.1", "port": int(os.environ.get("PORT") or 8000)}
        if site:
            site.root_page = home
            site.site_name = "西宁乡村文旅门户"
            site.hostname, site.port = host["hostname"], host["port"]
            site.save()
        else:
            Site.objects.create(**host, root_page=home, is_default_site=True, site_name="西宁乡村文旅门户")
        return home, True

    def ensure_settings(self, home):
        site = Site.objects.get(root_page=home)
        ps = PortalSettings.for_site(site)
        if not ps.footer_text:
            ps.footer_text = "西宁市乡村振兴局 · 西宁市文化旅游广电局 主办（示例内容）"
            ps.contact_phone = "0971-0000000"
            ps.contact_email = "info@xining-rural.example"
            ps.icp_number = "青ICP备00000000号-1（示例）"
            ps.weibo_url = "https://weibo.com/"
            ps.save()

    def fill_home(self, home):
        hero = demo_image("河湟谷地风光", "plateau")
        children = {p.slug: p for p in home.get_children()}
        body = [
            (
                "hero",
                {
                    "title": "走进河湟乡村",
                    "subtitle": "西纳川的田园、窎沟的花儿与民俗、丹噶尔古城的灯火——西宁三条乡村旅游精品线路等你来。",
                    "image": hero,
                    "image_alt": "雪山下的河湟谷地田野（示意图）",
                    "link_page": children.get("routes"),
                    "link_text": "查看三条精品线路",
                },
            ),
            ("collection", {"heading": "三条精品线路", "source": "routes", "limit": 3, "more_page": children.get("routes")}),
            ("collection", {"heading": "近期节庆活动", "source": "upcoming_events", "limit": 3, "more_page": children.get("news")}),
            ("collection", {"heading": "河湟精品民宿", "source": "featured_homestays", "limit": 3, "more_page": children.get("homestays")}),
            ("collection", {"heading": "河湟田源好物", "source": "featured_products", "limit": 3, "more_page": children.get("products")}),
            (
                "map_teaser",
                {
                    "heading": "一张地图看乡村",
                    "text": "线路、站点、民宿、产品产地和电商服务站都在地图上。",
                    "map_page": None,
                    "layers": ["routes", "homestays"],
                },
            ),
            ("collection", {"heading": "最新资讯", "source": "latest_news", "limit": 3, "more_page": children.get("news")}),
        ]
        home.body = body
        home.share_image = hero
        home.save_revision().publish()
        map_page = MapPage.objects.first()
        if map_page:
            blocks = list(home.body.raw_data)
            for b in blocks:
                if b["type"] == "map_teaser":
                    b["value"]["map_page"] = map_page.pk
            home.body = blocks
            home.save_revision().publish()
