"""Homestay owners in the admin, tested through the admin's real URLs as each user.

owner1 edits owner1's listings only; every other page answers "permission denied" to every page
action; owner1's changes go through the 民宿审核 workflow; an editor approves or rejects; owners
see only their own inquiries, images and collections, and none of the site's administration.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, GroupPagePermission, Page, PageViewRestriction, Workflow, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory, room
from homestays.models import HomestayPage, Inquiry
from homestays.owners import OWNERS_GROUP, grant_listing, owner_collection
from homestays.workflow import WORKFLOW_NAME
from portal.factories import StandardPageFactory, make_site

User = get_user_model()

# Every per-page admin action, by URL name and the arguments it takes.
PAGE_ACTIONS = [
    ("edit", ()),
    ("preview_on_edit", ()),
    ("view_draft", ()),
    ("delete", ()),
    ("unpublish", ()),
    ("move", ()),
    ("copy", ()),
    ("history", ()),
    ("revisions_index", ()),
    ("workflow_history", ()),
    ("add_subpage", ()),
    ("set_privacy", ()),
    ("usage", ()),
]


def other_apps_pages(home):
    """Pages of the other subject apps, when those apps are installed (built from their factories)."""
    pages = [StandardPageFactory(parent=home, title="关于我们", slug="about")]
    try:
        from routes.factories import RouteIndexPageFactory, RoutePageFactory

        routes = RouteIndexPageFactory(parent=home)
        pages += [routes, RoutePageFactory(parent=routes, slug="xinachuan")]
    except ImportError:  # pragma: no cover - the routes app is part of this project
        pass
    try:
        from products.factories import ProductIndexPageFactory, ProductPageFactory

        products = ProductIndexPageFactory(parent=home)
        pages += [products, ProductPageFactory(parent=products, slug="barley")]
    except ImportError:  # pragma: no cover
        pass
    try:
        from news.factories import NewsIndexPageFactory, NewsPageFactory

        news = NewsIndexPageFactory(parent=home)
        pages += [news, NewsPageFactory(parent=news, slug="festival")]
    except ImportError:  # pragma: no cover
        pass
    return pages


def edit_form_data(page, **changes) -> dict:
    """The POST an owner's browser sends from the listing editor (only the fields an owner has)."""
    values = {
        "title": page.title,
        "summary": page.summary,
        "county": page.county,
        "township": page.township,
        "village": page.village,
        "address": page.address,
        "location": '{"type": "Point", "coordinates": [101.42, 36.66]}',
        "amenities": list(page.amenities),
        "check_in_time": "14:00",
        "check_out_time": "12:00",
        "open_season": page.open_season,
        "languages": page.languages,
        "meals": page.meals,
        "specialities": page.specialities,
        "house_rules": page.house_rules,
        "children": page.children,
        "pets": page.pets,
        "smoking": page.smoking,
        "cancellation": page.cancellation,
        "phone": page.phone,
        "wechat_id": page.wechat_id,
        "description": streamfield([]),
        "rooms": inline_formset(
            [
                {"id": r.pk, "room_type": r.room_type, "beds": r.beds, "capacity": r.capacity, "price_per_night": r.price_per_night, "photos": streamfield([])}
                for r in page.rooms.all()
            ]
        ),
        "gallery_images": inline_formset([]),
        "seasons": inline_formset([]),
        "comments": inline_formset([]),
    }
    values.update(changes)
    return nested_form_data(values)


class OwnerFixture:
    @classmethod
    def build(cls):
        cls.home = make_site()
        cls.index = HomestayIndexPageFactory(parent=cls.home)
        editors = Group.objects.get(name="Editors")
        moderators = Group.objects.get(name="Moderators")
        cls.editor = User.objects.create_user("editor", email="editor@example.com", password="pw")
        cls.editor.groups.add(editors, moderators)
        cls.owner1 = User.objects.create_user("owner1", email="owner1@example.com", password="pw", first_name="卓玛")
        cls.owner2 = User.objects.create_user("owner2", email="owner2@example.com", password="pw", first_name="海军")

        cls.mine = HomestayPageFactory(parent=cls.index, title="卡阳花海小院", slug="kayang", rooms=[room("大床房", 368, 2)], business_licence_no="LIC-1")
        cls.mine_draft = HomestayPageFactory(parent=cls.index, title="塔尔寺畔客栈", slug="taersi", live=False)
        cls.theirs = HomestayPageFactory(parent=cls.index, title="窎沟花儿院", slug="diaogou", business_licence_no="LIC-2-SECRET")
        cls.theirs_draft = HomestayPageFactory(parent=cls.index, title="保密草稿民宿", slug="secret-draft", live=False)
        cls.editors_listing = HomestayPageFactory(parent=cls.index, title="丹噶尔排灯客栈", slug="danggaer", owner=cls.editor)
        cls.private = HomestayPageFactory(parent=cls.index, title="内部民宿", slug="private")
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.PASSWORD, password="x")
        for page in (cls.mine, cls.mine_draft):
            grant_listing(cls.owner1, page)
        for page in (cls.theirs, cls.theirs_draft):
            grant_listing(cls.owner2, page)
        for page in (cls.mine, cls.theirs, cls.editors_listing, cls.private):
            page.save_revision(user=cls.editor).publish()
        cls.others = other_apps_pages(cls.home)

        Image = get_image_model()
        cls.image1 = Image.objects.create(title="owner1 院子", file=get_test_image_file(), collection=owner_collection(cls.owner1), uploaded_by_user=cls.owner1)
        cls.image2 = Image.objects.create(title="owner2 花海", file=get_test_image_file(), collection=owner_collection(cls.owner2), uploaded_by_user=cls.owner2)
        cls.image_site = Image.objects.create(title="网站横幅", file=get_test_image_file())

        arrival = timezone.localdate() + dt.timedelta(days=10)
        common = {"arrival": arrival, "departure": arrival + dt.timedelta(days=2), "guests": 2, "consent": True}
        cls.inquiry1 = Inquiry.objects.create(listing=cls.mine, name="王女士", phone="13900000001", message="<script>alert('x')</script>", **common)
        cls.inquiry2 = Inquiry.objects.create(listing=cls.theirs, name="赵先生（别人的客人）", phone="13900000002", **common)


class OwnerPermissionTests(OwnerFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def setUp(self):
        self.client.force_login(self.owner1)

    def url(self, name, page, *args):
        return reverse(f"wagtailadmin_pages:{name}", args=(page.pk, *args))

    def snapshot(self, page):
        p = Page.objects.get(pk=page.pk)
        return (p.title, p.draft_title, p.live, p.latest_revision_id, p.path, p.owner_id, p.has_unpublished_changes)

    def assert_denied(self, response, what):
        self.assertNotEqual(response.status_code, 200, what)
        self.assertIn(response.status_code, (302, 403, 404, 405), what)
        if response.status_code == 302:
            self.assertNotIn(response["Location"], ("",), what)

    # -- what owner1 can do ---------------------------------------------------------------

    def test_owner_can_open_own_listing_but_not_editor_fields(self):
        response = self.client.get(self.url("edit", self.mine))
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        for field in ("title", "summary", "rooms", "amenities", "location", "phone"):
            self.assertIn(field, form.fields if field != "rooms" else form.formsets)
        for field in ("business_licence_no", "special_trade_permit_no", "grade", "featured", "brand_certified", "slug", "owner"):
            self.assertNotIn(field, form.fields)
        self.assertNotIn("LIC-1", response.content.decode())
        self.assertEqual(self.client.get(self.url("edit", self.mine_draft)).status_code, 200)
        self.assertEqual(self.client.get(self.url("history", self.mine)).status_code, 200)

    def test_editor_creates_and_publishes_a_listing(self):
        self.client.force_login(self.editor)
        add_url = reverse("wagtailadmin_pages:add", args=("homestays", "homestaypage", self.index.pk))
        self.assertEqual(self.client.get(add_url).status_code, 200)
        data = edit_form_data(
            HomestayPage(title="新民宿", county="datong", open_season="全年", languages="普通话"),
            slug="xin-minsu",
            grade="yi",
            business_licence_no="LIC-NEW",
            special_trade_permit_no="PERMIT-NEW",
            rooms=inline_formset([{"room_type": "标准间", "beds": "两张床", "capacity": 2, "price_per_night": 220, "photos": streamfield([])}]),
            **{"action-publish": "publish"},
        )
        response = self.client.post(add_url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[-3000:])
        page = HomestayPage.objects.get(slug="xin-minsu")
        self.assertTrue(page.live)
        self.assertEqual((page.grade, page.min_price, page.total_capacity, page.owner_id), ("yi", 220, 2, self.editor.pk))
        self.assertTrue(page.is_registered)

    def test_editor_sees_the_licence_fields(self):
        self.client.force_login(self.editor)
        form = self.client.get(self.url("edit", self.theirs)).context["form"]
        for field in ("business_licence_no", "special_trade_permit_no", "grade", "featured", "slug"):
            self.assertIn(field, form.fields)

    # -- everything else answers "permission denied" -------------------------------------------

    def test_every_other_page_is_denied_for_every_action(self):
        others = Page.objects.exclude(owner=self.owner1).exclude(depth=1).specific()
        types = {type(p).__name__ for p in others}
        self.assertTrue({"HomestayPage", "HomestayIndexPage", "HomePage", "StandardPage"} <= types, types)
        self.assertGreaterEqual(len(others), 8)
        for page in others:
            before = self.snapshot(page)
            for name, args in PAGE_ACTIONS:
                with self.subTest(page=page.title, action=name):
                    self.assert_denied(self.client.get(self.url(name, page, *args)), f"GET {name} {page.title}")
            with self.subTest(page=page.title, action="POST edit"):
                response = self.client.post(self.url("edit", page), {"title": "owner1 was here", "slug": page.slug, "action-publish": "1"})
                self.assert_denied(response, f"POST edit {page.title}")
            for name in ("delete", "unpublish", "lock", "unlock"):
                with self.subTest(page=page.title, action=f"POST {name}"):
                    self.assert_denied(self.client.post(self.url(name, page)), f"POST {name} {page.title}")
            with self.subTest(page=page.title, action="POST copy"):
                response = self.client.post(
                    self.url("copy", page), {"new_title": "副本", "new_slug": f"copy-{page.pk}", "new_parent_page": self.index.pk, "publish_copies": "on"}
                )
                self.assert_denied(response, f"POST copy {page.title}")
            with self.subTest(page=page.title, action="POST move"):
                self.assert_denied(self.client.post(reverse("wagtailadmin_pages:move_confirm", args=(page.pk, self.index.pk))), f"POST move {page.title}")
            self.assertEqual(self.snapshot(page), before, page.title)
        self.assertFalse(Page.objects.filter(title__in=["owner1 was here", "副本"]).exists())

    def test_owner_cannot_publish_delete_move_copy_or_unpublish_own_listing(self):
        before = self.snapshot(self.mine)
        for name in ("delete", "unpublish", "move", "copy"):
            with self.subTest(action=name):
                self.assert_denied(self.client.get(self.url(name, self.mine)), name)
                self.assert_denied(self.client.post(self.url(name, self.mine)), name)
        for page in (self.mine, self.mine_draft):
            with self.subTest(page=page.title):
                self.assert_denied(self.client.post(reverse("wagtailadmin_pages:move_confirm", args=(page.pk, self.home.pk))), "move")
                response = self.client.post(self.url("copy", page), {"new_title": "副本", "new_slug": "my-copy", "new_parent_page": self.index.pk})
                self.assert_denied(response, "copy")
        self.assertFalse(Page.objects.filter(slug="my-copy").exists())
        # the never-published draft too: removing a listing is the editors' decision
        self.assert_denied(self.client.post(self.url("delete", self.mine_draft)), "delete draft")
        self.assertTrue(Page.objects.filter(pk=self.mine_draft.pk).exists())
        # "publish" from the editor is not available: the change is saved as a draft, not published
        self.client.post(self.url("edit", self.mine), edit_form_data(self.mine, title="改名直接发布", **{"action-publish": "publish"}))
        live = Page.objects.get(pk=self.mine.pk)
        self.assertEqual(live.title, "卡阳花海小院")
        self.assertEqual(before[:3], (live.title, before[1], live.live))
        # bulk actions are refused as well
        response = self.client.post(reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete")) + f"?id={self.mine_draft.pk}", {})
        self.assert_denied(response, "bulk delete")
        self.assertTrue(Page.objects.filter(pk=self.mine_draft.pk).exists())

    def test_owner_cannot_approve_or_reject(self):
        self.client.post(self.url("edit", self.mine), edit_form_data(self.mine, title="卡阳花海小院（新）", **{"action-submit": "submit"}))
        state = WorkflowState.objects.get(object_id=str(self.mine.pk), status=WorkflowState.STATUS_IN_PROGRESS)
        task_state = state.current_task_state
        for action in ("approve", "reject"):
            response = self.client.post(reverse("wagtailadmin_pages:workflow_action", args=(self.mine.pk, action, task_state.pk)), {"comment": "自己批准"})
            self.assert_denied(response, action)
        self.assertEqual(Page.objects.get(pk=self.mine.pk).title, "卡阳花海小院")

    # -- taking over a listing ------------------------------------------------------------------

    def test_cannot_take_over_by_posting_an_owner_field(self):
        self.client.post(self.url("edit", self.mine), edit_form_data(self.mine, owner=self.owner2.pk, title="卡阳花海小院"))
        self.assertEqual(Page.objects.get(pk=self.mine.pk).owner_id, self.owner1.pk)
        self.client.force_login(self.owner2)
        self.client.post(self.url("edit", self.mine), edit_form_data(self.mine, owner=self.owner2.pk, title="被抢走了"))
        page = Page.objects.get(pk=self.mine.pk)
        self.assertEqual((page.owner_id, page.draft_title), (self.owner1.pk, "卡阳花海小院"))

    def test_cannot_change_licence_numbers_or_grade_by_posting_them(self):
        self.client.post(self.url("edit", self.mine), edit_form_data(self.mine, business_licence_no="FAKE", grade="jia", featured="on", slug="hijack"))
        latest = HomestayPage.objects.get(pk=self.mine.pk).get_latest_revision_as_object()
        self.assertEqual((latest.business_licence_no, latest.grade, latest.featured, latest.slug), ("LIC-1", "unrated", False, "kayang"))

    def test_api_is_read_only(self):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(self.client, method)(f"/api/v2/pages/{self.theirs.pk}/", {"owner": self.owner1.pk}, content_type="application/json")
            self.assertIn(response.status_code, (403, 405), method)
        self.assertEqual(Page.objects.get(pk=self.theirs.pk).owner_id, self.owner2.pk)

    # -- the rest of the admin ----------------------------------------------------------------

    def test_cannot_reach_site_administration(self):
        for url in [
            "/admin/users/",
            f"/admin/users/edit/{self.owner2.pk}/",
            "/admin/groups/",
            f"/admin/groups/edit/{Group.objects.get(name=OWNERS_GROUP).pk}/",
            "/admin/settings/portal/portalsettings/",
            "/admin/sites/",
            "/admin/workflows/list/",
            "/admin/workflows/tasks/index/",
            "/admin/collections/",
            f"/admin/collections/{owner_collection(self.owner1).pk}/",
            "/admin/documents/",
            "/admin/redirects/",
            "/admin/locales/",
            "/admin/snippets/",
            "/admin/reports/locked/",
            "/admin/homestays/invite/",
            reverse("homestays_transfer_owner", args=(self.mine.pk,)),
        ]:
            with self.subTest(url=url):
                self.assert_denied(self.client.get(url), url)

    def test_reports_show_only_the_owners_pages(self):
        """Wagtail filters its site history and workflow reports by page permission: an owner may
        read them, and finds only their own listings there."""
        self.theirs.save_revision(user=self.owner2, log_action=True)
        for url in ("/admin/reports/site-history/", "/admin/reports/workflow/", "/admin/reports/workflow_tasks/"):
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                for title in ("窎沟花儿院", "保密草稿民宿", "丹噶尔排灯客栈", "owner2"):
                    self.assertNotIn(title, html)

    def test_explorer_search_and_chooser_hide_other_listings(self):
        explorer = self.client.get(reverse("wagtailadmin_explore", args=(self.index.pk,)))
        self.assertEqual(explorer.status_code, 200)
        html = explorer.content.decode()
        self.assertIn("卡阳花海小院", html)
        for title in ("窎沟花儿院", "保密草稿民宿", "丹噶尔排灯客栈"):
            self.assertNotIn(title, html)
        search = self.client.get(reverse("wagtailadmin_pages:search"), {"q": "民宿"})
        self.assertEqual(search.status_code, 200)
        for title in ("保密草稿民宿", "窎沟花儿院"):
            self.assertNotIn(title, search.content.decode())
        chooser = self.client.get(reverse("wagtailadmin_choose_page_child", args=(self.index.pk,)))
        self.assertEqual(chooser.status_code, 200)
        self.assertNotIn("保密草稿民宿", text(chooser))
        self.assertIn("窎沟花儿院", text(chooser))  # live pages may be linked to
        self.assertIn("塔尔寺畔客栈", text(chooser))  # and the owner's own drafts
        found = text(self.client.get(reverse("wagtailadmin_choose_page_search"), {"q": "窎沟花儿院"}))
        self.assertIn("窎沟花儿院", found)
        hidden = text(self.client.get(reverse("wagtailadmin_choose_page_search"), {"q": "保密草稿民宿"}))
        self.assertNotIn("保密草稿民宿", hidden)

    def test_images_and_collections_are_the_owners_own(self):
        index = self.client.get(reverse("wagtailimages:index"))
        self.assertEqual(index.status_code, 200)
        html = index.content.decode()
        self.assertIn("owner1 院子", html)
        self.assertNotIn("owner2 花海", html)
        self.assertNotIn("网站横幅", html)
        self.assertEqual(self.client.get(reverse("wagtailimages:edit", args=(self.image1.pk,))).status_code, 200)
        for image in (self.image2, self.image_site):
            with self.subTest(image=image.title):
                self.assert_denied(self.client.get(reverse("wagtailimages:edit", args=(image.pk,))), "edit image")
                self.assert_denied(self.client.post(reverse("wagtailimages:delete", args=(image.pk,))), "delete image")
        self.assertTrue(get_image_model().objects.filter(pk=self.image2.pk).exists())
        chooser = text(self.client.get(reverse("wagtailimages_chooser:choose")))
        self.assertIn("owner1 院子", chooser)
        self.assertNotIn("owner2 花海", chooser)
        self.assertNotIn("网站横幅", chooser)
        # an upload lands in the owner's own collection, the only one offered
        add = self.client.get(reverse("wagtailimages:add")).content.decode()
        self.assertNotIn(owner_collection(self.owner2).name, add)

    # -- inquiries ----------------------------------------------------------------------------

    def test_owner_sees_own_inquiries_only(self):
        index = self.client.get(reverse("homestay_inquiries:index"))
        self.assertEqual(index.status_code, 200)
        html = index.content.decode()
        self.assertIn("王女士", html)
        self.assertNotIn("赵先生", html)
        self.assertIn(reverse("homestay_inquiries:inspect", args=(self.inquiry1.pk,)), html)
        inspect = self.client.get(reverse("homestay_inquiries:inspect", args=(self.inquiry1.pk,)))
        self.assertEqual(inspect.status_code, 200)
        self.assertIn("13900000001", inspect.content.decode())
        # stored as typed, shown escaped (public form input, read in the admin)
        self.assertNotIn("<script>alert('x')</script>", inspect.content.decode())
        self.assertNotIn("<script>alert('x')</script>", html)
        for name in ("inspect", "edit", "delete", "history", "usage"):
            with self.subTest(view=name):
                self.assert_denied(self.client.get(reverse(f"homestay_inquiries:{name}", args=(self.inquiry2.pk,))), name)
        self.assert_denied(self.client.post(reverse("homestay_inquiries:delete", args=(self.inquiry1.pk,))), "delete own")
        self.assertEqual(Inquiry.objects.count(), 2)
        # read-only, no spreadsheet export for owners
        export = self.client.get(reverse("homestay_inquiries:index"), {"export": "csv"})
        self.assertNotIn("text/csv", export.get("Content-Type", ""))
        self.assertNotIn("赵先生", export.content.decode())

    def test_editor_sees_and_exports_every_inquiry(self):
        self.client.force_login(self.editor)
        html = self.client.get(reverse("homestay_inquiries:index")).content.decode()
        self.assertIn("王女士", html)
        self.assertIn("赵先生", html)
        export = self.client.get(reverse("homestay_inquiries:index"), {"export": "csv"})
        self.assertEqual(export.status_code, 200)
        self.assertIn("text/csv", export["Content-Type"])
        body = b"".join(export.streaming_content).decode("utf-8-sig") if export.streaming else export.content.decode("utf-8-sig")
        self.assertIn("民宿 listing", body.splitlines()[0])
        self.assertIn("王女士", body)
        self.assertIn("赵先生", body)

    # -- dashboard and menu -------------------------------------------------------------------

    def test_dashboard_panel_and_short_menu(self):
        Inquiry.objects.filter(pk=self.inquiry1.pk).update(created=timezone.now())
        response = self.client.get(reverse("wagtailadmin_home"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("我的民宿", html)
        self.assertIn("卡阳花海小院", html)
        self.assertIn("已上线", html)
        self.assertIn("塔尔寺畔客栈", html)
        self.assertIn("草稿", html)
        self.assertIn("王女士", html)
        self.assertIn("近 7 天新收到 1 条", html)
        self.assertNotIn("窎沟花儿院", html)
        self.assertNotIn("赵先生", html)
        # Wagtail's page count would count every listing of the section
        self.assertNotIn('href="/admin/pages/', re.search(r'<section class="w-summary".*?</section>', html, re.S).group(0))
        menu = set(_menu_items(response))
        self.assertTrue({"explorer", "images", "homestay-inquiries"} <= menu, menu)
        self.assertFalse(menu & {"settings", "reports", "documents", "snippets", "help", "homestays-invite"}, menu)
        self.client.force_login(self.editor)
        self.assertIn("homestays-invite", set(_menu_items(self.client.get(reverse("wagtailadmin_home")))))

    def test_editor_dashboard_has_no_owner_panel(self):
        self.client.force_login(self.editor)
        html = self.client.get(reverse("wagtailadmin_home")).content.decode()
        self.assertNotIn("homestays-owner-panel", html)
        self.assertNotIn("我的民宿", html)


def text(response) -> str:
    """The HTML of an admin response, whether a page or a modal's JSON ({"html": ...})."""
    if response.get("Content-Type", "").startswith("application/json"):
        return response.json().get("html", "")
    return response.content.decode()


def _menu_items(response) -> list[str]:
    """Names of the sidebar's menu items, from the JSON the admin's sidebar is built from."""
    match = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    return re.findall(r'"name": ?"([^"]+)"', match.group(1)) if match else []


class WorkflowTests(OwnerFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def submit_change(self, title):
        self.client.force_login(self.owner1)
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=(self.mine.pk,)),
            edit_form_data(self.mine, title=title, **{"action-submit": "submit"}),
        )
        self.assertEqual(response.status_code, 302, getattr(response, "context", None) and response.context.get("form") and response.context["form"].errors)
        return WorkflowState.objects.get(object_id=str(self.mine.pk), status=WorkflowState.STATUS_IN_PROGRESS)

    def test_workflow_is_attached_to_the_index(self):
        self.assertEqual(self.mine.get_workflow().name, WORKFLOW_NAME)
        task = Workflow.objects.get(name=WORKFLOW_NAME).tasks.get().specific
        self.assertEqual(sorted(task.groups.values_list("name", flat=True)), ["Editors", "Moderators"])

    def test_submit_goes_to_moderation_and_editor_approval_publishes(self):
        mail.outbox.clear()
        state = self.submit_change("卡阳花海小院·新名字")
        page = HomestayPage.objects.get(pk=self.mine.pk)
        self.assertTrue(page.workflow_in_progress)
        self.assertEqual(page.title, "卡阳花海小院")  # live version unchanged
        self.assertEqual(self.client.get("/homestays/kayang/").context["page"].title, "卡阳花海小院")
        # the editors are told
        self.assertTrue(any("editor@example.com" in m.to for m in mail.outbox))
        # while in review the owner cannot keep editing (Wagtail locks it for non-reviewers)
        # the editor approves through the workflow action URL
        self.client.force_login(self.editor)
        mail.outbox.clear()
        response = self.client.post(reverse("wagtailadmin_pages:workflow_action", args=(self.mine.pk, "approve", state.current_task_state.pk)), {"comment": ""})
        self.assertEqual(response.status_code, 302)
        page = HomestayPage.objects.get(pk=self.mine.pk)
        self.assertFalse(page.workflow_in_progress)
        self.assertEqual(page.title, "卡阳花海小院·新名字")
        self.assertTrue(page.live)
        self.assertTrue(any("owner1@example.com" in m.to for m in mail.outbox), [m.to for m in mail.outbox])
        self.client.logout()
        self.assertContains(self.client.get("/homestays/kayang/"), "卡阳花海小院·新名字")

    def test_editor_rejects_with_a_comment_and_the_owner_is_told(self):
        state = self.submit_change("卡阳花海小院（最便宜！！）")
        self.client.force_login(self.editor)
        mail.outbox.clear()
        response = self.client.post(
            reverse("wagtailadmin_pages:workflow_action", args=(self.mine.pk, "reject", state.current_task_state.pk)),
            {"comment": "标题里不要写“最便宜”，请改回。"},
        )
        self.assertEqual(response.status_code, 302)
        page = HomestayPage.objects.get(pk=self.mine.pk)
        self.assertEqual(page.title, "卡阳花海小院")
        self.assertFalse(page.workflow_in_progress)
        to_owner = [m for m in mail.outbox if "owner1@example.com" in m.to]
        self.assertTrue(to_owner)
        self.assertIn("标题里不要写", to_owner[0].body)
        # the owner's dashboard says what to do
        self.client.force_login(self.owner1)
        html = self.client.get(reverse("wagtailadmin_home")).content.decode()
        self.assertIn("需要修改", html)
        self.assertIn("标题里不要写", html)

    def test_dashboard_shows_in_review(self):
        self.submit_change("卡阳花海小院")
        html = self.client.get(reverse("wagtailadmin_home")).content.decode()
        self.assertIn("审核中", html)


class InviteAndTransferTests(OwnerFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def invite(self, **overrides):
        data = {"username": "zhuoma", "name": "卓玛", "email": "zhuoma@example.com", "title": "上五庄牧家乐", "county": "huangzhong"}
        data.update(overrides)
        return self.client.post(reverse("homestays_invite_owner"), data)

    def test_editor_invites_an_owner_in_one_step(self):
        self.client.force_login(self.editor)
        self.assertEqual(self.client.get(reverse("homestays_invite_owner")).status_code, 200)
        mail.outbox.clear()
        response = self.invite()
        self.assertEqual(response.status_code, 200)
        user = User.objects.get(username="zhuoma")
        self.assertFalse(user.has_usable_password())
        self.assertTrue(user.groups.filter(name=OWNERS_GROUP).exists())
        listing = HomestayPage.objects.get(owner=user)
        self.assertEqual((listing.title, listing.county, listing.live), ("上五庄牧家乐", "huangzhong", False))
        self.assertEqual(listing.get_parent().pk, self.index.pk)
        self.assertTrue(GroupPagePermission.objects.filter(page=listing, group__user=user, permission__codename="change_page").exists())
        self.assertTrue(Collection.objects.filter(name__contains="zhuoma").exists())
        link = response.context["link"]
        self.assertIn("/admin/password_reset/confirm/", link)
        self.assertIn(link.split("testserver")[-1], response.content.decode())
        self.assertEqual(mail.outbox[-1].to, ["zhuoma@example.com"])
        self.assertIn(link, mail.outbox[-1].body)

        # the new owner sets a password through the link, logs in and can edit the shell only
        self.client.logout()
        confirm = self.client.get(link, follow=True)
        self.assertEqual(confirm.status_code, 200)
        set_url = confirm.redirect_chain[-1][0] if confirm.redirect_chain else link
        self.client.post(set_url, {"new_password1": "Gaoyuan-2026!", "new_password2": "Gaoyuan-2026!"})
        self.assertTrue(self.client.login(username="zhuoma", password="Gaoyuan-2026!"))
        self.assertEqual(self.client.get(reverse("wagtailadmin_pages:edit", args=(listing.pk,))).status_code, 200)
        self.assertNotEqual(self.client.get(reverse("wagtailadmin_pages:edit", args=(self.mine.pk,))).status_code, 200)

    def test_invite_errors_are_explained(self):
        self.client.force_login(self.editor)
        response = self.invite(username="owner1", email="owner1@example.com", county="beijing")
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assertIn("已被使用", html)
        self.assertIn("这个邮箱已属于账号", html)
        self.assertEqual(User.objects.filter(username="zhuoma").count(), 0)

    def test_invite_still_works_when_mail_is_down(self):
        from unittest import mock

        self.client.force_login(self.editor)
        with mock.patch("homestays.admin_views.send_mail", side_effect=OSError("smtp down")):
            response = self.invite()
        self.assertEqual(response.status_code, 200)
        self.assertIn("邮件没有发出去", response.content.decode())
        self.assertTrue(User.objects.filter(username="zhuoma").exists())

    def test_owners_cannot_invite(self):
        self.client.force_login(self.owner1)
        self.assertNotEqual(self.invite().status_code, 200)
        self.assertFalse(User.objects.filter(username="zhuoma").exists())

    def test_editor_hands_a_listing_to_another_owner(self):
        self.client.force_login(self.editor)
        url = reverse("homestays_transfer_owner", args=(self.mine.pk,))
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.post(url, {"owner": self.owner2.pk}).status_code, 200)
        self.assertEqual(Page.objects.get(pk=self.mine.pk).owner_id, self.owner2.pk)
        self.client.force_login(self.owner2)
        self.assertEqual(self.client.get(reverse("wagtailadmin_pages:edit", args=(self.mine.pk,))).status_code, 200)
        self.client.force_login(self.owner1)
        self.assertNotEqual(self.client.get(reverse("wagtailadmin_pages:edit", args=(self.mine.pk,))).status_code, 200)
        # and the inquiries follow the listing
        self.assertNotIn("王女士", self.client.get(reverse("homestay_inquiries:index")).content.decode())

    def test_transfer_only_to_owners(self):
        self.client.force_login(self.editor)
        response = self.client.post(reverse("homestays_transfer_owner", args=(self.mine.pk,)), {"owner": self.editor.pk})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Page.objects.get(pk=self.mine.pk).owner_id, self.owner1.pk)


@override_settings(WAGTAILADMIN_BASE_URL="http://testserver")
@pytest.mark.slow  # a whole-demo crawl: load_demo run twice
class DemoTests(TestCase):
    def test_demo_is_idempotent_and_sets_up_owners(self):
        from homestays import demo
        from portal.demo import DemoContext, ensure_user

        home = make_site()
        users = {
            "editor": ensure_user("editor", groups=("Editors", "Moderators"), email="editor@example.com"),
            "owner1": ensure_user("owner1", email="owner1@example.com"),
            "owner2": ensure_user("owner2", email="owner2@example.com"),
        }
        ctx = DemoContext(home=home, users=users)
        demo.load(ctx)
        counts = (HomestayPage.objects.count(), Inquiry.objects.count(), get_image_model().objects.count())
        demo.load(ctx)
        self.assertEqual((HomestayPage.objects.count(), Inquiry.objects.count(), get_image_model().objects.count()), counts)
        self.assertGreaterEqual(counts[0], 12)
        self.assertIn(HomestayPage.objects.filter(owner=users["owner1"]).count(), (2, 3))
        self.assertIn(HomestayPage.objects.filter(owner=users["owner2"]).count(), (2, 3))
        prices = HomestayPage.objects.values_list("min_price", "max_price")
        self.assertTrue(all(120 <= lo <= hi <= 800 for lo, hi in prices))
        self.assertTrue(HomestayPage.objects.filter(featured=True, live=True).exists())
        self.assertTrue(Inquiry.objects.filter(listing__owner=users["owner1"]).exists())
        # the owners got their permissions through the invite view's code path
        self.client.force_login(users["owner1"])
        for page in HomestayPage.objects.all():
            status = self.client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).status_code
            self.assertEqual(status == 200, page.owner_id == users["owner1"].pk, page.title)
