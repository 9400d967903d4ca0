"""Images are checked on the server, through the admin's real edit form and the public API.

An owner may only attach images from their own collection (what Wagtail lets them "choose"),
however the form is posted: the main image, the gallery, a room's photos or a StreamField
block. What the listing already holds stays allowed, and editors choose from every collection.
The images API lists only the images live public pages show: never a photo of a draft.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from homestays.factories import HomestayPageFactory, room, site_with_owners
from homestays.models import HomestayPage
from homestays.owners import grant_listing, owner_collection

User = get_user_model()
REFUSED = "只能选择您自己图片库里的图片。"


def edit_form_data(page, **changes) -> dict:
    """The POST an owner's browser sends from the listing editor (test_homestays_owners' helper,
    with the stored rooms posted as initial forms so that they are edited, not added again)."""
    values = {
        "title": page.title,
        "summary": page.summary,
        "image": page.image_id or "",
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
            ],
            initial=page.rooms.count(),  # the stored rooms are the formset's initial forms, as in the browser
        ),
        "gallery_images": inline_formset([]),
        "seasons": inline_formset([]),
        "comments": inline_formset([]),
    }
    values.update(changes)
    return nested_form_data(values)


def image(title, collection=None, user=None):
    Image = get_image_model()
    kwargs = {"collection": collection} if collection is not None else {}
    return Image.objects.create(title=title, file=get_test_image_file(), uploaded_by_user=user, **kwargs)


class Fixture:
    @classmethod
    def build(cls):
        site_with_owners(cls)

        cls.mine = HomestayPageFactory(parent=cls.index, title="卡阳花海小院", slug="kayang", rooms=[room("大床房", 368, 2)])
        cls.theirs = HomestayPageFactory(parent=cls.index, title="窎沟花儿院", slug="diaogou")
        grant_listing(cls.owner1, cls.mine)
        grant_listing(cls.owner2, cls.theirs)

        cls.image1 = image("owner1 院子", owner_collection(cls.owner1), cls.owner1)
        cls.image2 = image("owner2 花海", owner_collection(cls.owner2), cls.owner2)
        cls.image_site = image("网站横幅")
        # an editor put a site photo on owner1's listing: owner1 keeps it when saving
        cls.mine.image = cls.image_site
        for page in (cls.mine, cls.theirs):
            page.save_revision(user=cls.editor).publish()


class OwnerImageFormTests(Fixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def setUp(self):
        self.client.force_login(self.owner1)
        self.url = reverse("wagtailadmin_pages:edit", args=(self.mine.pk,))

    def latest(self):
        return HomestayPage.objects.get(pk=self.mine.pk).get_latest_revision_as_object()

    def room_data(self, photos):
        r = self.mine.rooms.get()
        return inline_formset(
            [
                {
                    "id": r.pk,
                    "room_type": r.room_type,
                    "beds": r.beds,
                    "capacity": r.capacity,
                    "price_per_night": r.price_per_night,
                    "photos": streamfield(photos),
                }
            ],
            initial=1,
        )

    def cases(self, image):
        """The places an image id can be posted, each as the changes to the edit form's data."""
        return {
            "main image": {"image": image.pk},
            "gallery": {"gallery_images": inline_formset([{"image": image.pk, "caption": "院子"}])},
            "room photos": {"rooms": self.room_data([("photo", image.pk)])},
            "description block": {"description": streamfield([("image", {"image": image.pk, "alt": "院子", "caption": "", "attribution": ""})])},
        }

    def test_other_owners_image_is_refused_everywhere(self):
        before = HomestayPage.objects.get(pk=self.mine.pk).latest_revision_id
        for where, changes in self.cases(self.image2).items():
            with self.subTest(where=where):
                response = self.client.post(self.url, edit_form_data(self.mine, title="偷图", **changes))
                self.assertEqual(response.status_code, 200, where)
                self.assertIn(REFUSED, self.errors_text(response))
                if where == "main image":  # shown under the field itself
                    self.assertIn(REFUSED, response.content.decode())
                self.assertEqual(HomestayPage.objects.get(pk=self.mine.pk).latest_revision_id, before, where)
        self.assertNotEqual(self.latest().title, "偷图")

    def test_site_image_the_owner_may_not_choose_is_refused(self):
        other = image("另一张网站图片")
        response = self.client.post(self.url, edit_form_data(self.mine, **self.cases(other)["gallery"]))
        self.assertEqual(response.status_code, 200)
        self.assertIn(REFUSED, self.errors_text(response))

    def test_own_image_is_saved_everywhere(self):
        for where, changes in self.cases(self.image1).items():
            with self.subTest(where=where):
                response = self.client.post(self.url, edit_form_data(self.mine, **changes))
                self.assertEqual(response.status_code, 302, self.errors_text(response) if response.status_code == 200 else where)
        latest = self.latest()
        self.assertEqual(latest.image_id, self.image_site.pk)  # the editor's photo, posted back as it was

    def test_each_own_image_lands_in_the_draft(self):
        changes = {}
        for case in self.cases(self.image1).values():
            changes.update(case)
        response = self.client.post(self.url, edit_form_data(self.mine, **changes))
        self.assertEqual(response.status_code, 302)
        latest = self.latest()
        self.assertEqual(latest.image_id, self.image1.pk)
        self.assertEqual([g.image_id for g in latest.gallery_images.all()], [self.image1.pk])
        self.assertEqual([r.photo_ids for r in latest.rooms.all()], [[self.image1.pk]])
        self.assertEqual(latest.description[0].value["image"].pk, self.image1.pk)

    def test_image_the_page_already_had_stays_allowed(self):
        # the site photo an editor chose is posted back unchanged with the rest of the form
        response = self.client.post(self.url, edit_form_data(self.mine, image=self.image_site.pk, summary="换了介绍"))
        self.assertEqual(response.status_code, 302)
        self.assertEqual((self.latest().summary, self.latest().image_id), ("换了介绍", self.image_site.pk))

    def test_editor_may_use_any_image(self):
        self.client.force_login(self.editor)
        changes = {"image": self.image2.pk, "gallery_images": inline_formset([{"image": self.image_site.pk, "caption": ""}])}
        changes["description"] = self.cases(self.image2)["description block"]["description"]
        changes["rooms"] = self.room_data([("photo", self.image1.pk)])
        response = self.client.post(self.url, edit_form_data(self.mine, slug=self.mine.slug, **changes))
        self.assertEqual(response.status_code, 302, self.errors_text(response) if response.status_code == 200 else "")
        latest = self.latest()
        self.assertEqual(latest.image_id, self.image2.pk)
        self.assertEqual([g.image_id for g in latest.gallery_images.all()], [self.image_site.pk])

    def errors_text(self, response) -> str:
        """The form's and its child forms' errors, as the editor shows them."""
        form = response.context["form"]
        messages = [str(m) for errors in form.errors.values() for m in errors]
        for formset in form.formsets.values():
            for child in formset.forms:
                messages += [str(m) for errors in child.errors.values() for m in errors]
        return " ".join(messages)


class ImagesAPITests(Fixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()
        # a draft-only listing with its own photo
        cls.draft = HomestayPageFactory(parent=cls.index, title="草稿民宿", slug="draft", live=False)
        cls.draft_photo = image("草稿照片")
        cls.draft.image = cls.draft_photo
        cls.draft.save()  # the row of a never-published page holds its draft
        cls.draft.save_revision(user=cls.editor)
        # a new photo on a live listing's unpublished draft
        cls.pending_photo = image("待审照片")
        theirs = HomestayPage.objects.get(pk=cls.theirs.pk)
        theirs.image = cls.pending_photo
        theirs.save_revision(user=cls.owner2)
        # a listing behind a password
        cls.private = HomestayPageFactory(parent=cls.index, title="内部民宿", slug="private")
        cls.private_photo = image("内部照片")
        cls.private.image = cls.private_photo
        cls.private.save_revision(user=cls.editor).publish()
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.PASSWORD, password="x")
        cls.unused = image("没用过的图")
        # a photo in a live listing's gallery and one in a room's photos
        mine = HomestayPage.objects.get(pk=cls.mine.pk)
        mine.gallery_images.create(image=cls.image1, caption="院子")
        mine.save_revision(user=cls.editor).publish()

    def test_lists_only_images_of_live_public_pages(self):
        response = self.client.get("/api/v2/images/", {"limit": 20})
        self.assertEqual(response.status_code, 200)
        ids = {item["id"] for item in response.json()["items"]}
        self.assertEqual(ids, {self.image_site.pk, self.image1.pk})
        self.assertEqual(response.json()["meta"]["total_count"], 2)

    def test_detail_of_a_draft_only_image_is_404(self):
        for image in (self.draft_photo, self.pending_photo, self.private_photo, self.unused, self.image2):
            with self.subTest(image=image.title):
                self.assertEqual(self.client.get(f"/api/v2/images/{image.pk}/").status_code, 404)
        detail = self.client.get(f"/api/v2/images/{self.image1.pk}/")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("download_url", detail.json()["meta"])

    def test_published_draft_photo_appears(self):
        theirs = HomestayPage.objects.get(pk=self.theirs.pk)
        theirs.get_latest_revision().publish()
        ids = {item["id"] for item in self.client.get("/api/v2/images/", {"limit": 20}).json()["items"]}
        self.assertIn(self.pending_photo.pk, ids)

    def test_search_and_filters_keep_to_published_images(self):
        found = self.client.get("/api/v2/images/", {"search": "照片"})
        self.assertEqual(found.status_code, 200)
        self.assertEqual(found.json()["items"], [])  # 草稿照片, 待审照片, 内部照片: none is public
        self.assertEqual([i["id"] for i in self.client.get("/api/v2/images/", {"search": "院子"}).json()["items"]], [self.image1.pk])
        self.assertEqual(self.client.get("/api/v2/images/", {"id": self.draft_photo.pk}).json()["items"], [])

    def test_no_documents_api(self):
        # no page holds a document (no chooser, no document links in rich text), so none is listed
        self.assertEqual(self.client.get("/api/v2/documents/").status_code, 404)


class SnippetImageFormTests(Fixture, TestCase):
    """Snippets that hold an image (a producer's logo) check it the same way as pages."""

    @classmethod
    def setUpTestData(cls):
        from django.contrib.auth.models import Permission

        cls.build()
        # an owner who also keeps their cooperative's producer entry: choose_image on their own collection only
        cls.owner1.user_permissions.add(*Permission.objects.filter(codename__in=["add_producer", "change_producer"]))

    def post(self, logo):
        data = {
            "name": "卡阳合作社",
            "kind": "cooperative",
            "county": "huangzhong",
            "location": "",
            "phone": "",
            "website": "",
            "description": "",
            "logo": logo.pk,
        }
        return self.client.post(reverse("wagtailsnippets_products_producer:add") + "?locale=zh-hans", data)

    def test_producer_logo_from_another_collection_is_refused(self):
        from products.models import Producer

        self.client.force_login(self.owner1)
        response = self.post(self.image2)
        self.assertEqual(response.status_code, 200)
        self.assertIn(REFUSED, response.content.decode())
        self.assertFalse(Producer.objects.exists())
        response = self.post(self.image1)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Producer.objects.get().logo_id, self.image1.pk)
