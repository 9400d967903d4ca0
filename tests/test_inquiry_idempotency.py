"""A double submit of the inquiry form is one inquiry (issue 22, item 7), over HTTP.

The form carries a form token (rendered on the form page, fetched as JSON by the listing page's
script); the server stores it in a unique column and answers a repeated token as the first submit
was answered, with nothing stored and no second notice. The last test races two threads on
PostgreSQL, where the unique constraint, not a look-up, has to decide.
"""

import datetime as dt
import re
import threading
import uuid
from unittest import mock, skipUnless

from django.contrib.auth.models import User
from django.core import mail
from django.db import connection, connections
from django.test import Client, TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory
from homestays.forms import InquiryForm
from homestays.models import Inquiry
from portal.factories import make_site
from tests.transactional import FromMigratedState

SENT = "/homestays/kayang/inquire/sent/"


def inquiry_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "name": "王女士",
        "phone": "139 1234 5678",
        "arrival": (today + dt.timedelta(days=10)).isoformat(),
        "departure": (today + dt.timedelta(days=12)).isoformat(),
        "guests": "2",
        "message": "有停车位吗？",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def build_listings(cls):
    home = make_site()
    index = HomestayIndexPageFactory(parent=home)
    cls.owner = User.objects.create_user("owner1", email="owner1@example.com", password="pw")
    cls.listing = HomestayPageFactory(parent=index, title="卡阳花海小院", slug="kayang", owner=cls.owner)
    cls.other = HomestayPageFactory(parent=index, title="边麻沟小院", slug="bianma", owner=cls.owner)
    cls.url = cls.listing.inquire_url()


@override_settings(HOMESTAYS_INQUIRY_RATE="1000/m")
class InquiryIdempotencyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_listings(cls)

    def test_the_form_page_and_the_token_answer_issue_a_fresh_token(self):
        page = self.client.get(self.url).content.decode()
        rendered = re.search(r'<input type="hidden" name="form_token" value="([^"]+)"', page)
        self.assertIsNotNone(rendered, "the form page (no JavaScript needed) carries its form token")
        uuid.UUID(rendered.group(1))
        first = self.client.get(self.url + "?format=token").json()
        second = self.client.get(self.url + "?format=token").json()
        self.assertNotEqual(uuid.UUID(first["formToken"]), uuid.UUID(second["formToken"]))
        self.assertTrue(first["csrfToken"])

    def test_the_cached_listing_page_has_an_empty_token_field_the_script_fills(self):
        html = self.client.get(self.listing.url).content.decode()
        self.assertIn('<input type="hidden" name="form_token" id="id_form_token">', html)
        self.assertIn("data-inquiry-offline hidden", html)  # the script's network-error message
        self.assertEqual(html, self.client.get(self.listing.url).content.decode())

    def test_the_same_token_twice_stores_one_inquiry_and_sends_one_notice(self):
        token = str(uuid.uuid4())
        first = self.client.post(self.url, inquiry_data(form_token=token))
        second = self.client.post(self.url, inquiry_data(form_token=token))
        self.assertRedirects(first, SENT)
        self.assertRedirects(second, SENT)  # the same thank-you, not an error
        inquiry = Inquiry.objects.get()
        self.assertEqual(inquiry.form_token, uuid.UUID(token))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["owner1@example.com"])

    def test_a_repeat_with_changed_fields_is_still_the_first_inquiry(self):
        token = str(uuid.uuid4())
        self.client.post(self.url, inquiry_data(form_token=token))
        response = self.client.post(self.url, inquiry_data(form_token=token, message="还有儿童床吗？"))
        self.assertRedirects(response, SENT)
        self.assertEqual(list(Inquiry.objects.values_list("message", flat=True)), ["有停车位吗？"])

    def test_two_tokens_are_two_inquiries(self):
        for _ in range(2):
            self.assertRedirects(self.client.post(self.url, inquiry_data(form_token=str(uuid.uuid4()))), SENT)
        self.assertEqual(Inquiry.objects.count(), 2)
        self.assertEqual(len(mail.outbox), 2)

    def test_without_a_token_an_old_cached_page_still_sends_and_stores_none(self):
        for _ in range(2):
            self.assertRedirects(self.client.post(self.url, inquiry_data()), SENT)
        self.assertRedirects(self.client.post(self.url, inquiry_data(form_token="  ")), SENT)
        self.assertEqual(list(Inquiry.objects.values_list("form_token", flat=True)), [None, None, None])
        self.assertEqual(len(mail.outbox), 3)

    def test_a_token_from_another_listing_does_not_match(self):
        token = str(uuid.uuid4())
        self.assertRedirects(self.client.post(self.other.inquire_url(), inquiry_data(form_token=token)), "/homestays/bianma/inquire/sent/")
        self.assertRedirects(self.client.post(self.url, inquiry_data(form_token=token)), SENT)
        kept = dict(Inquiry.objects.values_list("listing_id", "form_token"))
        self.assertEqual(kept, {self.other.pk: uuid.UUID(token), self.listing.pk: None})
        self.assertEqual(len(mail.outbox), 2)

    def test_a_malformed_token_is_a_400_with_a_message(self):
        response = self.client.post(self.url, inquiry_data(form_token="not-a-uuid"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("表单已失效，请刷新页面后重新提交。", response.content.decode())
        self.assertFalse(Inquiry.objects.exists())
        self.assertEqual(len(mail.outbox), 0)

    def test_a_form_with_errors_keeps_its_token_and_the_fixed_submit_counts_once(self):
        token = str(uuid.uuid4())
        response = self.client.post(self.url, inquiry_data(form_token=token, phone="12"))
        self.assertEqual(response.status_code, 400)
        self.assertIn(f'name="form_token" value="{token}"', response.content.decode())
        for _ in range(2):
            self.assertRedirects(self.client.post(self.url, inquiry_data(form_token=token)), SENT)
        self.assertEqual(Inquiry.objects.count(), 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_trapped_submit_does_not_use_up_the_token(self):
        token = str(uuid.uuid4())
        self.assertRedirects(self.client.post(self.url, inquiry_data(form_token=token, website="http://spam.example")), SENT)
        self.assertFalse(Inquiry.objects.exists())
        self.assertRedirects(self.client.post(self.url, inquiry_data(form_token=token)), SENT)
        self.assertEqual(Inquiry.objects.count(), 1)

    def test_a_double_submit_through_csrf_checks_is_one_inquiry(self):
        client = Client(enforce_csrf_checks=True)
        tokens = client.get(self.url + "?format=token").json()
        data = inquiry_data(csrfmiddlewaretoken=tokens["csrfToken"], form_token=tokens["formToken"])
        for _ in range(2):
            self.assertRedirects(client.post(self.url, data), SENT)
        self.assertEqual(Inquiry.objects.count(), 1)
        self.assertEqual(len(mail.outbox), 1)


@skipUnless(connection.vendor == "postgresql", "needs PostgreSQL: SQLite serialises writers, so two threads cannot race an INSERT there")
@override_settings(HOMESTAYS_INQUIRY_RATE="1000/m")
class ConcurrentDoubleSubmitTests(FromMigratedState, TransactionTestCase):
    def setUp(self):
        build_listings(self)

    def test_two_threads_with_the_same_token_store_one_inquiry(self):
        token = str(uuid.uuid4())
        barrier = threading.Barrier(2, timeout=30)
        original_save = InquiryForm.save

        def save_together(form, *args, **kwargs):
            barrier.wait()  # both requests are validated; now both INSERT at once
            return original_save(form, *args, **kwargs)

        results, errors = [], []

        def submit():
            try:
                results.append(Client().post(self.url, inquiry_data(form_token=token)))
            except Exception as exc:  # noqa: BLE001 - a thread's exception would be lost; the main thread reports it
                errors.append(exc)
            finally:
                connections.close_all()

        with mock.patch.object(InquiryForm, "save", save_together):
            threads = [threading.Thread(target=submit) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        self.assertEqual(errors, [])
        self.assertEqual([(r.status_code, r["Location"]) for r in results], [(302, SENT), (302, SENT)])
        self.assertEqual(Inquiry.objects.filter(form_token=token).count(), 1)
        self.assertEqual(Inquiry.objects.count(), 1)
        self.assertEqual(len(mail.outbox), 1)
