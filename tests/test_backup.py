"""`manage.py backup` / `manage.py restore`: a round trip of the demo site compared row by row and
file by file, into the emptied database and into a brand-new database in another process (a fresh
SQLite file, so on the PostgreSQL CI run this is also a PostgreSQL → SQLite move); and the ways
restore refuses a backup that would do harm."""

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import TestCase, TransactionTestCase, override_settings
from wagtail.images import get_image_model
from wagtail.models import Page

from portal.factories import make_site
from portal.management.commands.backup import EXCLUDE, excluded, storage_files
from tests.demo_db import load_demo
from tests.transactional import FromMigratedState

BASE_DIR = Path(__file__).resolve().parent.parent
OUR_APPS = ["portal", "routes", "homestays", "products", "news"]
FRAMEWORK_MODELS = [
    "wagtailcore.Page",
    "wagtailcore.Revision",
    "wagtailcore.Site",
    "wagtailcore.Locale",
    "wagtailcore.Collection",
    "wagtailcore.GroupPagePermission",
    "wagtailcore.PageLogEntry",
    "wagtailcore.Workflow",
    "wagtailcore.Task",
    "wagtailimages.Image",
    "wagtaildocs.Document",
    "auth.User",
    "auth.Group",
    "taggit.Tag",
    "taggit.TaggedItem",
]


def _normalise(value):
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)  # JSON columns: key order is the database's
        except ValueError:
            return value
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return sorted(value)  # many-to-many ids come in no particular order
    return value


def snapshot() -> dict:
    """Everything a restore must bring back: every row of our apps and of the Wagtail content
    models (all fields, ids included), and every uploaded file's SHA-256 (renditions excepted)."""
    labels = FRAMEWORK_MODELS + [m._meta.label for a in OUR_APPS for m in apps.get_app_config(a).get_models() if not excluded(m)]
    rows = {}
    for label in labels:
        model = apps.get_model(label)
        data = serializers.serialize("python", model._base_manager.order_by("pk"))
        rows[label] = [{"pk": str(r["pk"]), **{k: _normalise(v) for k, v in r["fields"].items()}} for r in data]
    renditions = set(get_image_model().get_rendition_model().objects.values_list("file", flat=True))
    media = {}
    for name in storage_files():
        if name not in renditions:
            with default_storage.open(name, "rb") as fh:
                media[name] = hashlib.sha256(fh.read()).hexdigest()
    pages = {p.url_path: [p.title, type(p).__name__, p.live] for p in Page.objects.specific().order_by("path")}
    return json.loads(json.dumps({"pages": pages, "rows": rows, "media": media}, default=str))


SNAPSHOT_SCRIPT = """
import json, django
django.setup()
from django.core.management import call_command
call_command("restore", {directory!r})
from django.test import Client
from wagtail.images import get_image_model
from wagtail.models import Page
from tests.test_backup import snapshot
client = Client()
statuses = {{p.url: client.get(p.url).status_code for p in Page.objects.live().public().specific().filter(depth__gt=1)[:40]}}
image = get_image_model().objects.order_by("pk").first()
rendition = image.get_rendition("fill-120x80").url if image else None
print("SNAPSHOT" + json.dumps({{"snapshot": snapshot(), "statuses": statuses, "rendition": rendition}}, default=str))
"""


@pytest.mark.slow
class BackupRoundTripTests(FromMigratedState, TransactionTestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-backup-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        media = override_settings(MEDIA_ROOT=self.tmp / "media")
        media.enable()
        self.addCleanup(media.disable)
        load_demo()
        # A document and a draft, so more than the published demo is covered.
        from django.core.files.base import ContentFile
        from wagtail.documents import get_document_model

        get_document_model().objects.create(title="线路 GPX", file=ContentFile(b"<gpx/>", name="route.gpx"))
        home = Page.objects.get(depth=2, locale__language_code="zh-hans")
        draft = home.get_children().first().specific
        draft.title = draft.title + "（草稿修改）"
        draft.save_revision()
        get_image_model().objects.first().get_rendition("width-100")  # a rendition, left out of the backup

    def test_round_trip_into_the_emptied_database_and_into_a_new_one(self):
        before = snapshot()
        self.assertGreater(len(before["pages"]), 20)
        self.assertGreater(len(before["media"]), 10)
        backup_dir = self.tmp / "backup"
        out = StringIO()
        call_command("backup", str(backup_dir), stdout=out)
        self.assertIn("Backed up", out.getvalue())
        manifest = json.loads((backup_dir / "manifest.json").read_text())
        self.assertEqual(manifest["counts"]["wagtailcore.Page"], len(before["pages"]))
        self.assertEqual(set(manifest["media"]), set(before["media"]))
        self.assertEqual(oct(os.stat(backup_dir / "database.jsonl.gz").st_mode & 0o777), "0o600")

        # 1. Empty this database and the media completely, then restore.
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        shutil.rmtree(settings.MEDIA_ROOT)
        self.assertEqual(Page.objects.count(), 0)
        call_command("restore", str(backup_dir), stdout=StringIO())
        after = snapshot()
        self.assertEqual(after["pages"], before["pages"])
        self.assertEqual(after["media"], before["media"])
        for label in before["rows"]:
            self.assertEqual(after["rows"][label], before["rows"][label], label)
        self.assertEqual(self.client.get("/").status_code, 200)
        self.assertTrue(Page.objects.get(depth=2, locale__language_code="zh-hans").get_children().first().has_unpublished_changes)
        self.assertTrue(get_image_model().objects.first().get_rendition("width-100").file)  # renditions regenerate
        results = self.client.get("/search/", {"q": "塔尔寺"})
        self.assertContains(results, "search-results")  # the search index was rebuilt
        self.assertNotContains(results, "没有找到")

        # 2. A new database in another process: a SQLite file with no tables at all.
        new_db = self.tmp / "new.sqlite3"
        settings_dir = self.tmp / "settings"
        settings_dir.mkdir()
        (settings_dir / "restore_test_settings.py").write_text(f"from portal.settings.test import *  # noqa\nMEDIA_ROOT = {str(self.tmp / 'media2')!r}\n")
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
        env.update(
            {"DJANGO_SETTINGS_MODULE": "restore_test_settings", "DATABASE_URL": f"sqlite:///{new_db}", "PYTHONPATH": f"{settings_dir}{os.pathsep}{BASE_DIR}"}
        )
        result = subprocess.run(
            [sys.executable, "-c", SNAPSHOT_SCRIPT.format(directory=str(backup_dir))], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600
        )
        line = [x for x in result.stdout.splitlines() if x.startswith("SNAPSHOT")]
        self.assertTrue(line, result.stdout[-2000:] + result.stderr[-4000:])
        other = json.loads(line[0][len("SNAPSHOT") :])
        self.assertEqual(other["snapshot"]["pages"], before["pages"])
        self.assertEqual(other["snapshot"]["media"], before["media"])
        for label in before["rows"]:
            self.assertEqual(other["snapshot"]["rows"][label], before["rows"][label], label)
        self.assertEqual(set(other["statuses"].values()), {200})
        self.assertTrue(other["rendition"])


@override_settings(MEDIA_ROOT=settings.BASE_DIR / "artifacts" / "test-media-backup")
class RestoreRefusesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        from django.contrib.auth.models import User

        cls.home = make_site()
        User.objects.create_user("owner9", password="x")

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-backup-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.backup = self.tmp / "b"
        call_command("backup", str(self.backup), stdout=StringIO())

    def restore(self, *args):
        call_command("restore", str(self.backup), *args, stdout=StringIO())

    def test_backup_needs_an_empty_directory(self):
        with self.assertRaisesMessage(CommandError, "is not empty"):
            call_command("backup", str(self.backup), stdout=StringIO())

    def test_a_database_with_content_needs_force(self):
        with self.assertRaisesMessage(CommandError, "already has content"):
            self.restore()
        self.assertTrue(Page.objects.filter(pk=self.home.pk).exists())

    def test_a_damaged_backup_is_refused_before_anything_changes(self):
        with open(self.backup / "database.jsonl.gz", "r+b") as fh:
            fh.seek(40)
            fh.write(b"XXXX")
        with self.assertRaisesMessage(CommandError, "is damaged"):
            self.restore("--force")
        self.assertTrue(Page.objects.filter(pk=self.home.pk).exists())

    def test_a_backup_from_newer_code_is_refused(self):
        manifest = json.loads((self.backup / "manifest.json").read_text())
        manifest["migrations"]["portal"].append("9999_from_the_future")
        (self.backup / "manifest.json").write_text(json.dumps(manifest))
        with self.assertRaisesMessage(CommandError, "newer code"):
            self.restore("--force")

    def test_unsafe_paths_in_the_media_archive_are_refused(self):
        from portal.management.commands.restore import Command

        evil = self.tmp / "evil.tar.gz"
        with tarfile.open(evil, "w:gz") as tar:
            info = tarfile.TarInfo("../../etc/cron.d/x")
            info.size = 3
            tar.addfile(info, BytesIO(b"bad"))
        with self.assertRaisesMessage(CommandError, "unsafe media path"):
            Command().restore_media(evil, {})

    def test_what_is_left_out(self):
        self.assertIn("sessions", EXCLUDE)
        self.assertIn("wagtailimages.Rendition", EXCLUDE)
        self.assertNotIn("contenttypes", EXCLUDE)  # ids in JSON columns depend on them
        with gzip.open(self.backup / "database.jsonl.gz", "rt") as fh:
            models = {json.loads(line)["model"] for line in fh}
        self.assertIn("wagtailcore.page", models)
        self.assertIn("auth.user", models)
        self.assertFalse({m for m in models if m.startswith(("sessions.", "axes.", "wagtailsearch."))})
