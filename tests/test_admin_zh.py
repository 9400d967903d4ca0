"""The Chinese admin for owners and editors (issue 20, point 5), through the admin's real URLs.

Wagtail's zh-hans gaps are filled (locale/zh_Hans), names read 李卓玛, the owner's main button is
提交审核, owners get the map without raw GeoJSON, workflow decisions say what happened, the revision
comparison shows real changes only, and Chinese titles get pinyin slugs. The browser side (console
errors, the header over the map, what is visible) is tests/browser/test_admin_zh.py.
"""

from __future__ import annotations

import glob
import os
import re

from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import SimpleTestCase, TestCase
from django.urls import reverse
from django.utils import translation
from wagtail.admin.compare import comparison_class_registry
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from news.factories import NewsIndexPageFactory
from news.models import NewsPage
from portal.admin_ux import chinese_full_name
from portal.slugs import looks_automatic, pinyin_slug
from tests.test_homestays_owners import OwnerFixture, edit_form_data

User = get_user_model()
HAN = re.compile(r"[\u4e00-\u9fff]")


class PinyinSlugTests(SimpleTestCase):
    def test_words_become_pinyin_joined_by_hyphens(self):
        self.assertEqual(pinyin_slug("老爷山花儿会 2027"), "laoyeshan-huaerhui-2027")
        self.assertEqual(pinyin_slug("老爷山花儿会2027"), "laoyeshan-huaerhui-2027")
        self.assertEqual(pinyin_slug("卡阳花海小院"), "kayang-huahai-xiaoyuan")

    def test_polyphones_read_as_their_word(self):
        self.assertEqual(pinyin_slug("重庆银行"), "chongqing-yinhang")
        self.assertEqual(pinyin_slug("银行"), "yinhang")  # 行 as háng, not xíng

    def test_punctuation_and_latin_letters(self):
        self.assertEqual(pinyin_slug("西宁·湟中：乡村振兴！"), "xining-huangzhong-xiangcun-zhenxing")
        self.assertEqual(pinyin_slug("Hello 西宁"), "hello-xining")
        self.assertEqual(pinyin_slug("！？"), "")

    def test_long_titles_are_cut_between_words(self):
        slug = pinyin_slug("西宁市湟中区拦隆口镇卡阳村乡村旅游节暨河湟花儿会开幕式与农民丰收节西宁分会场活动安排")
        self.assertLessEqual(len(slug), 80)
        self.assertFalse(slug.endswith("-"))
        self.assertTrue(slug.startswith("xining"))

    def test_what_counts_as_automatic(self):
        self.assertTrue(looks_automatic("", "老爷山花儿会 2027"))
        self.assertTrue(looks_automatic("2027", "老爷山花儿会 2027"))  # Django's slugify dropped the Chinese
        self.assertTrue(looks_automatic("-2027", "老爷山花儿会 2027"))  # the admin's JS did
        self.assertTrue(looks_automatic("老爷山花儿会-2027", "老爷山花儿会 2027"))  # a Unicode slug
        self.assertFalse(looks_automatic("huaerhui", "老爷山花儿会 2027"))  # chosen by an editor


class PinyinSlugOnSaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        from portal.factories import make_site

        cls.home = make_site()
        cls.index = NewsIndexPageFactory(parent=cls.home)

    def add(self, title, slug=""):
        page = NewsPage(title=title, slug=slug, lead="导语。")
        self.index.add_child(instance=page)
        return NewsPage.objects.get(pk=page.pk)

    def test_chinese_title_gets_a_pinyin_slug_and_siblings_stay_unique(self):
        first = self.add("老爷山花儿会 2027")
        self.assertEqual(first.slug, "laoyeshan-huaerhui-2027")
        self.assertEqual(first.url, "/news/laoyeshan-huaerhui-2027/")
        self.assertEqual(self.add("老爷山花儿会 2027", slug="2027").slug, "laoyeshan-huaerhui-2027-2")

    def test_a_chosen_slug_and_a_published_url_are_kept(self):
        self.assertEqual(self.add("老爷山花儿会", slug="huaerhui").slug, "huaerhui")
        page = self.add("丹噶尔古城灯会")
        self.assertEqual(page.slug, "dangaergucheng-denghui")  # 丹噶尔古城 is one word of the portal's dictionary
        page.save_revision().publish()
        page = NewsPage.objects.get(pk=page.pk)
        page.title = "丹噶尔古城元宵灯会"  # a published URL stays, whatever the title becomes
        page.save()
        page.refresh_from_db()
        self.assertEqual(page.slug, "dangaergucheng-denghui")

    def test_english_titles_are_left_to_wagtail(self):
        self.assertEqual(self.add("Kumbum Monastery").slug, "kumbum-monastery")

    def test_the_admin_form_too(self):
        editor = User.objects.create_superuser("chief", "chief@example.com", "pw")
        self.client.force_login(editor)
        add_url = reverse("wagtailadmin_pages:add", args=("news", "newspage", self.index.pk))
        form = self.client.get(add_url).context["form"]
        data = {
            "title": "卡阳花海音乐节 2027",
            "slug": "-2027",  # what the admin's JS leaves of a Chinese title
            "date": "2027-02-10",
            "lead": "花海边的周末音乐会。",
            "action-publish": "publish",
        }
        data.update({name: streamfield([]) for name, field in form.fields.items() if field.__class__.__name__ == "BlockField"})
        data.update({name: inline_formset([]) for name in form.formsets})
        data = nested_form_data(data)
        response = self.client.post(add_url, data)
        if response.status_code != 302:
            self.fail(response.context["form"].errors)
        page = NewsPage.objects.get(title="卡阳花海音乐节 2027")
        self.assertEqual(page.slug, "kayang-huahai-yinyuejie-2027")


class ChineseNameTests(TestCase):
    def test_fold(self):
        self.assertEqual(chinese_full_name("卓玛", "李"), ("李卓玛", ""))
        self.assertEqual(chinese_full_name("李卓玛", "李"), ("李卓玛", ""))  # asked again for a family name
        self.assertEqual(chinese_full_name("欧阳", "娜娜"), ("娜娜欧阳", ""))  # fields as entered: 名 then 姓
        self.assertIsNone(chinese_full_name("Wei", "Li"))
        self.assertIsNone(chinese_full_name("卓玛", ""))
        self.assertIsNone(chinese_full_name("Zhuoma", "李"))

    def test_saved_users_read_family_name_first_everywhere(self):
        owner = User.objects.create_user("zhuoma", password="pw", first_name="卓玛", last_name="李")
        self.assertEqual(owner.get_full_name(), "李卓玛")
        self.assertEqual((owner.first_name, owner.last_name), ("李卓玛", ""))
        guest = User.objects.create_user("liwei", password="pw", first_name="Wei", last_name="Li")
        self.assertEqual(guest.get_full_name(), "Wei Li")

    def test_the_dashboard_greets_by_chinese_name(self):
        from django.contrib.auth.models import Permission

        user = User.objects.create_user("haijun", password="pw", first_name="海军", last_name="马")
        user.user_permissions.add(Permission.objects.get(codename="access_admin"))
        self.client.force_login(user)
        html = self.client.get(reverse("wagtailadmin_home")).content.decode()
        self.assertIn("马海军", html)
        self.assertNotIn("海军 马", html)


class OwnerAdminTests(OwnerFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def edit_html(self, user):
        self.client.force_login(user)
        response = self.client.get(reverse("wagtailadmin_pages:edit", args=(self.mine.pk,)))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_submit_for_review_is_the_owners_main_button(self):
        html = self.edit_html(self.owner1)
        footer = html[html.index('class="footer__container"') if 'class="footer__container"' in html else html.index("<footer") :]
        submit, draft = footer.find('name="action-submit"'), footer.find("保存草稿")
        self.assertGreater(submit, -1)
        self.assertGreater(draft, submit, "保存草稿 comes before 提交审核 in the owner's action menu")
        self.assertIn("提交审核", footer[submit : submit + 400])
        # editors keep Wagtail's order (保存草稿 first, then publish)
        html = self.edit_html(self.editor)
        self.assertNotIn("修改后重新提交审核", html)

    def test_owner_gets_the_map_without_raw_geojson_and_the_editor_behind_advanced(self):
        html = self.edit_html(self.owner1)
        self.assertIn("data-map-widget", html)
        self.assertNotIn("data-map-widget-raw", html)
        self.assertRegex(html, r'<div class="map-widget__raw" hidden>\s*<textarea name="location"')
        html = self.edit_html(self.editor)
        self.assertRegex(html, r'<details class="map-widget__raw" data-map-widget-raw><summary>高级')

    def test_title_field_syncs_nothing_when_the_owner_has_no_slug(self):
        html = self.edit_html(self.owner1)
        title = re.search(r'<input[^>]*name="title"[^>]*>', html).group(0)
        self.assertNotIn("w-sync", title)
        self.assertNotIn('data-w-sync-target-value=""', html)
        self.client.force_login(self.editor)
        html = self.client.get(reverse("wagtailadmin_pages:add", args=("homestays", "homestaypage", self.index.pk))).content.decode()
        title = re.search(r'<input[^>]*name="title"[^>]*>', html).group(0)
        self.assertIn('data-w-sync-target-value="#id_slug"', title)

    def test_guide_replaces_wagtails_english_links(self):
        self.edit_html(self.owner1)
        home = self.client.get(reverse("wagtailadmin_home")).content.decode()
        self.assertNotIn("guide.wagtail.org/en/?target_version", home)  # Wagtail's editor guide
        self.client.force_login(self.editor)
        home = self.client.get(reverse("wagtailadmin_home")).content.decode()
        self.assertNotIn("guide.wagtail.org/en/?target_version", home)  # help menu and account summary
        self.assertIn(reverse("portal_admin_guide"), home)
        guide = self.client.get(reverse("portal_admin_guide"))
        self.assertEqual(guide.status_code, 200)
        self.assertContains(guide, "提交审核")

    def submit(self, **changes):
        self.client.force_login(self.owner1)
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=(self.mine.pk,)), edit_form_data(self.mine, **changes, **{"action-submit": "submit"})
        )
        self.assertEqual(response.status_code, 302)
        return WorkflowState.objects.get(object_id=str(self.mine.pk), status=WorkflowState.STATUS_IN_PROGRESS)

    def decide(self, state, action, **data):
        self.client.force_login(self.editor)
        url = reverse("wagtailadmin_pages:workflow_action", args=(self.mine.pk, action, state.current_task_state.pk))
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        return [str(m) for m in get_messages(response.wsgi_request)]

    def test_approving_says_what_happened(self):
        messages = self.decide(self.submit(title="卡阳花海小院·春"), "approve", comment="")
        self.assertTrue(any("已批准" in m and "卡阳花海小院·春" in m and "已发布" in m for m in messages), messages)

    def test_rejecting_says_what_happened_with_the_comment(self):
        messages = self.decide(self.submit(title="卡阳花海小院（最便宜）"), "reject", comment="标题请不要写“最便宜”。")
        self.assertTrue(any("已退回" in m and "卡阳花海小院" in m and "最便宜" in m for m in messages), messages)

    def test_the_owners_resubmit_button_after_changes_were_requested(self):
        self.decide(self.submit(title="卡阳花海小院（最便宜）"), "reject", comment="请改标题。")
        self.assertIn("修改后重新提交审核", self.edit_html(self.owner1))

    def test_a_price_only_change_changes_only_the_price(self):
        # the live version: text written by code (LF line breaks, rich text without block keys)
        page = type(self.mine).objects.get(pk=self.mine.pk)
        page.house_rules = "入住请出示身份证。\n室内禁止吸烟。"
        page.description = [("paragraph", "<p>推窗是花海。</p>")]
        page.save_revision(user=self.editor).publish()
        page = type(self.mine).objects.get(pk=self.mine.pk)
        rooms = [
            {"id": r.pk, "room_type": r.room_type, "beds": r.beds, "capacity": r.capacity, "price_per_night": r.price_per_night + 20, "photos": streamfield([])}
            for r in page.rooms.all()
        ]
        # what the browser posts: CRLF line breaks, the rich text through Draftail, same block id
        block = page.description[0]
        data = edit_form_data(
            page,
            house_rules="入住请出示身份证。\r\n室内禁止吸烟。",
            rooms=inline_formset(rooms),
            description=streamfield([("paragraph", rich_text(block.value.source))]),
            **{"action-submit": "submit"},
        )
        data["description-0-id"] = block.id
        self.client.force_login(self.owner1)
        self.assertEqual(self.client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), data).status_code, 302)
        latest = page.get_latest_revision().as_object()
        self.assertEqual(latest.house_rules, "入住请出示身份证。\n室内禁止吸烟。")
        self.client.force_login(self.editor)
        response = self.client.get(reverse("wagtailadmin_pages:revisions_compare", args=(page.pk, "live", "latest")))
        self.assertEqual(response.status_code, 200)
        labels = [str(c.field_label()) for c in response.context["comparison"]]
        self.assertNotIn("入住须知", labels)
        self.assertNotIn("详细介绍", labels)
        self.assertEqual(len(labels), 1, labels)  # the rooms, where the price is

    def test_rich_text_differing_only_in_block_keys_is_unchanged(self):
        field = type(self.mine)._meta.get_field("description")
        a, b, c = (
            type(self.mine)(description=[("paragraph", html)])
            for html in ("<p>推窗是花海。</p>", '<p data-block-key="a1b2c">推窗是花海。</p>', "<p>推窗是云杉林。</p>")
        )
        for page in (a, b, c):
            page.description[0].id = "4b4e5d7c-0000-4000-8000-000000000001"  # the same block in three versions
        comparison = comparison_class_registry.get(field)  # what FieldPanel uses
        self.assertFalse(comparison(field, a, b).has_changed())
        self.assertTrue(comparison(field, a, c).has_changed())


class CatalogTests(SimpleTestCase):
    """Every Wagtail admin string the installed apps can show has a Chinese translation."""

    APPS = (
        "admin",
        "images",
        "documents",
        "snippets",
        "users",
        "locales",
        "sites",
        "embeds",
        "search",
        "contrib/forms",
        "contrib/redirects",
        "contrib/settings",
        "contrib/simple_translation",
    )

    def msgids(self, path):
        ids, current, key = [], {}, None
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if line.startswith("#~"):
                continue
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if m:
                key = m.group(1)
                current[key] = m.group(2)
            elif line.startswith('"') and key:
                current[key] += line[1:-1]
            elif not line.strip():
                if current.get("msgid"):
                    ids.append((current.get("msgctxt"), current["msgid"].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")))
                current, key = {}, None
        if current.get("msgid"):
            ids.append((current.get("msgctxt"), current["msgid"].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")))
        return ids

    def test_no_wagtail_string_is_left_in_english(self):
        import wagtail

        base = os.path.dirname(wagtail.__file__)
        paths = [os.path.join(base, "locale/en/LC_MESSAGES/django.po")]
        paths += [p for app in self.APPS for p in glob.glob(os.path.join(base, app, "locale/en/LC_MESSAGES/django.po"))]
        catalog = translation.trans_real.translation("zh-hans")._catalog
        missing = []
        for path in paths:
            for ctx, msgid in self.msgids(path):
                key = f"{ctx}\x04{msgid}" if ctx else msgid
                if key not in catalog and (key, 0) not in catalog:
                    missing.append(msgid)
        self.assertEqual(missing, [], f"{len(missing)} Wagtail strings have no Chinese: add them to locale/zh_Hans/LC_MESSAGES/django.po")

    def test_the_strings_owners_met(self):
        with translation.override("zh-hans"):
            for msgid in ("Search all pages…", "Save your changes before leaving", "Autosave is paused"):
                self.assertRegex(translation.gettext(msgid), HAN, msgid)
            summary = translation.ngettext(
                '%(total)s Image <span class="w-sr-only">created in %(site_name)s</span>',
                '%(total)s Images <span class="w-sr-only">created in %(site_name)s</span>',
                15,
            ) % {"total": 15, "site_name": "西宁乡村文旅门户"}
            self.assertTrue(summary.startswith("15 张图片"), summary)
            self.assertNotIn("created", summary)


class JavaScriptCatalogTests(TestCase):
    def test_admin_javascript_strings_are_chinese(self):
        user = User.objects.create_superuser("chief", "chief@example.com", "pw")
        self.client.force_login(user)
        with translation.override("zh-hans"):
            raw = self.client.get(reverse("wagtailadmin_javascript_catalog"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        js = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), raw)
        self.assertIn("正在自动保存", js)
        self.assertIn("插入内容块", js)
