"""Build the demo site: page tree, generated images, demo accounts, each app's content.

Idempotent: every step checks what exists, so a second `make run` adds nothing twice.
"""

import os

from django.core.management.base import BaseCommand
from django.db import models, transaction
from wagtail.models import Locale, Page, Site
from wagtail.rich_text import RichText

from portal.demo import DemoContext, ensure_user, hero_image, translate_page
from portal.models import HomePage, MapPage, PortalSettings, StandardPage
from portal.registry import registry

# English copies of the home page and the portal's own pages, by the Chinese page's slug (each app
# gives its section page's, registry.register_demo_section). Intros of rich-text fields are wrapped
# in <p> when set.
SECTIONS_EN = {
    "about": {
        "title": "About",
        "intro": "Who runs the Xining Rural Portal, what it offers and how to reach us.",
        "search_description": "About the Xining Rural Portal: rural routes, homestays and Hehuang Tianyuan produce around Xining, Qinghai.",
        "body": [
            ("heading", "What the portal is for"),
            (
                "paragraph",
                RichText(
                    "<p>The Xining Rural Portal 西宁乡村文旅门户 brings together the city's three boutique rural tourism routes, the Hehuang Boutique Homestays 河湟精品民宿, the Hehuang Tianyuan 河湟田源 farm-produce brand and the festivals of the Hehuang valleys, with maps you can use on the road.</p>"
                ),
            ),
            ("heading", "Who runs it"),
            (
                "paragraph",
                RichText(
                    "<p>The Xining Rural Revitalisation Bureau and the Xining Bureau of Culture, Tourism, Radio and Television (demo content). Homestay owners keep their own listings up to date; the bureaus' editors check them before they are published.</p>"
                ),
            ),
            ("heading", "English and Chinese"),
            (
                "paragraph",
                RichText(
                    "<p>Chinese is the portal's main language. Pages that have not been translated yet are marked “(中文)” where English pages link to them. Place names keep their Chinese beside the English, so you can show them to a driver or match them to road signs.</p>"
                ),
            ),
        ],
    },
    "map": {
        "title": "Map",
        "intro": "The three rural routes and their stops, homestays, where Hehuang Tianyuan products come from and the e-commerce service stations, all on one map.",
        "search_description": "A map of Xining's rural tourism routes, stops, homestays, product origins and service stations.",
    },
}

HOME_EN = {
    "title": "Xining Rural Portal",
    "intro": "Three rural tourism routes through the Hehuang valleys, boutique homestays and Hehuang Tianyuan farm produce.",
    "seo_title": "Xining Rural Portal · rural routes, homestays and Hehuang Tianyuan produce",
    "search_description": "Rural tourism around Xining, Qinghai: the Xinachuan leisure agriculture, Diaogou folk culture and Huangyuan history routes, boutique homestays, Hehuang Tianyuan produce and festivals.",
}


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
        self.ensure_about(home)
        self.ensure_settings(home)
        if created:
            self.fill_home(home)
        self.ensure_english(home, users)
        self.ensure_revisions()
        self.stdout.write(self.style.SUCCESS("Demo content ready." if created else "Demo content already loaded: nothing added twice."))

    def ensure_home(self):
        home = HomePage.objects.filter(locale=Locale.get_default()).first() or HomePage.objects.first()
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

    def ensure_english(self, home, users):
        """English (/en/): the home page, every section page, then each app's translations.

        Real copies (Wagtail's copy for translation) with English text, published; made once, so a
        second run (or an editor's later changes) is left alone.
        """
        en, _ = Locale.objects.get_or_create(language_code="en")
        editor = users.get("editor")
        en_home, home_made = translate_page(home, en, user=editor, **HOME_EN)
        if home_made:
            self.stdout.write("Created the English home page /en/")
        sections = {}
        section_english = {**SECTIONS_EN, **{section.slug: section.english for section in registry.demo_sections}}
        for child in home.get_children().specific():
            spec = section_english.get(child.slug)
            if spec is None:
                continue
            fields = {}
            for name, value in spec.items():
                if name == "intro" and not isinstance(child._meta.get_field("intro"), models.CharField):
                    value = f"<p>{value}</p>"
                fields[name] = value
            sections[child.slug], made = translate_page(child, en, user=editor, **fields)
            if made:
                self.stdout.write(f"Created the English section page /en/{child.slug}/")
        if home_made:
            self.fill_home_english(home, en_home, sections)
        ctx = DemoContext(home=en_home, users=users, stdout=self.stdout, locale=en)
        for loader in registry.demo_translations:
            loader.load(ctx)

    def fill_home_english(self, home, en_home, sections):
        # Reload: the section pages were added under it since, and a stale copy would save numchild=0.
        en_home = en_home.specific_class.objects.get(pk=en_home.pk)
        en_home.body = home_body(sections, english=True)
        en_home.share_image = home.share_image or hero_image()
        en_home.save_revision().publish()

    def ensure_about(self, home):
        """关于我们 /about/: a plain StandardPage, so the demo shows that page type too."""
        if StandardPage.objects.filter(slug="about", locale=home.locale).exists():
            return
        page = home.add_child(
            instance=StandardPage(
                title="关于我们",
                slug="about",
                intro="西宁乡村文旅门户由谁主办、提供什么、怎么联系我们。",
                search_description="关于西宁乡村文旅门户：西宁市的乡村旅游精品线路、河湟精品民宿与河湟田源农产品。",
                body=[
                    ("heading", "门户做什么"),
                    (
                        "paragraph",
                        RichText(
                            "<p>西宁乡村文旅门户汇集三条乡村旅游精品线路、河湟精品民宿、“河湟田源”农产品区域公用品牌和河湟谷地的节庆活动，并配有路上就能用的地图。</p>"
                        ),
                    ),
                    ("heading", "谁在维护"),
                    (
                        "paragraph",
                        RichText("<p>西宁市乡村振兴局、西宁市文化旅游广电局主办（示例内容）。民宿业主维护自己的房源信息，由主管部门编辑审核后发布。</p>"),
                    ),
                    ("heading", "中文与英文"),
                    ("paragraph", RichText("<p>门户以中文为主，英文版在 /en/。尚未翻译的页面在英文页面上标注“(中文)”。</p>")),
                ],
            )
        )
        page.save_revision().publish()
        self.stdout.write("Created StandardPage /about/")

    def ensure_revisions(self):
        """Pages made with add_child() alone have no revision and no publication date; publish
        them once, as the admin would have, so the sitemap has a lastmod for every page."""
        for page in Page.objects.filter(depth__gt=1, live=True, last_published_at__isnull=True, latest_revision__isnull=True).specific():
            page.save_revision().publish()

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
        if not ps.footer_text_en:
            ps.footer_text_en = "Run by the Xining Rural Revitalisation Bureau and the Xining Bureau of Culture, Tourism, Radio and Television (demo content)"
            ps.save()

    def fill_home(self, home):
        home.body = home_body({p.slug: p for p in home.get_children()}, english=False)
        home.share_image = hero_image()
        home.save_revision().publish()


def home_body(sections: dict, english: bool) -> list:
    """The home page: every app's blocks (registry.register_demo_section) by position, and the map
    teaser with the layers the apps offer it; `sections` are the section pages by slug."""
    blocks = [block for section in registry.demo_sections if section.home_blocks for block in section.home_blocks(sections, english)]
    teaser = {
        "heading": "The countryside on one map" if english else "一张地图看乡村",
        "text": (
            "Routes, stops, homestays, where the produce comes from and the e-commerce service stations, all on the map."
            if english
            else "线路、站点、民宿、产品产地和电商服务站都在地图上。"
        ),
        "map_page": sections.get("map"),
        "layers": [name for section in registry.demo_sections for name in section.map_layers],
    }
    blocks.append((50, ("map_teaser", teaser)))
    return [block for _position, block in sorted(blocks, key=lambda item: item[0])]
