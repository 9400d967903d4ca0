"""`manage.py backup <dir>`: the database and the uploaded media, restorable with `manage.py restore <dir>`.

What a backup holds:
  database.jsonl.gz every row that cannot be rebuilt, as Django fixtures (JSON Lines, what `dumpdata
                    --format jsonl` writes, but with full-precision times), primary keys kept
  media.tar.gz      every uploaded file in the default storage (local MEDIA_ROOT or S3), renditions excepted
  manifest.json     versions, applied migrations, row counts and a SHA-256 for each file above and
                    each media file, so `restore` can refuse a damaged or foreign backup

Why fixtures rather than pg_dump: one format for SQLite (development, small installs) and
PostgreSQL, so a backup also moves a site between the two, and restoring needs no client tools
of the server's exact version. Primary keys are kept (no --natural-primary): StreamField and
revision JSON refer to pages, images and users by id, so ids must survive the round trip; the
contenttypes and permissions rows go along for the same reason and restore empties the database
first. Left out, because they are caches or logs that rebuild themselves: sessions, login-attempt
logs (axes), the search index and reference index (rebuilt by restore), image renditions and their
files (regenerated on demand), editing sessions and temporary uploads.

The files contain password hashes and visitors' inquiries: the directory is created mode 0700
and the files 0600. Keep backups somewhere as safe as the database.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tarfile
from datetime import UTC, datetime, time
from pathlib import Path

import django
import wagtail
from django.apps import apps
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
DATABASE_FILE = "database.jsonl.gz"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "manifest.json"
EXCLUDE = [
    "sessions",
    "axes",
    "wagtailsearch",
    "wagtailimages.Rendition",
    "wagtailcore.ReferenceIndex",
    "wagtailcore.UploadedFile",
    "wagtailadmin.EditingSession",
    "portal.LayerFeature",  # the map layers' stored form: rebuilt from the pages on first read, like the search index
]
COUNTED = ["wagtailcore.Page", "wagtailimages.Image", "wagtaildocs.Document", "auth.User"]


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def excluded(model) -> bool:
    return model._meta.app_label in EXCLUDE or model._meta.label in EXCLUDE


def dumped_models():
    """The models `dumpdata` would dump, minus EXCLUDE: concrete, managed, not swapped out."""
    for model in apps.get_models():
        meta = model._meta
        if not (meta.proxy or not meta.managed or meta.swapped or excluded(model)):
            yield model


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def rendition_files() -> set[str]:
    from wagtail.images import get_image_model

    return set(get_image_model().get_rendition_model().objects.values_list("file", flat=True))


def storage_files(storage=default_storage, path: str = ""):
    """Every file name in `storage` under `path`, recursively (works for local and S3 storage)."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:  # a MEDIA_ROOT nobody has uploaded to yet
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for directory in sorted(directories):
        yield from storage_files(storage, f"{path}/{directory}" if path else directory)


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[alias])
    result: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        result.setdefault(app, []).append(name)
    return result


def row_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


class Command(BaseCommand):
    help = "Back up the database (Django fixtures) and the uploaded media into a directory."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="where to write the backup; created, and must be empty")
        parser.add_argument("--no-media", action="store_true", help="database only")

    def handle(self, *args, directory, no_media=False, **options):
        target = Path(directory)
        if target.exists() and any(target.iterdir()):
            raise CommandError(f"{target} is not empty: choose a new directory for each backup, e.g. backups/$(date +%Y%m%d-%H%M).")
        target.mkdir(parents=True, exist_ok=True)
        os.chmod(target, 0o700)

        database = target / DATABASE_FILE
        with gzip.open(database, "wt", encoding="utf-8") as out:
            for model in dumped_models():
                serializers.serialize("jsonl", model._base_manager.order_by("pk").iterator(chunk_size=500), stream=out, cls=ExactJSONEncoder)
        os.chmod(database, 0o600)

        media_checksums: dict[str, str] = {}
        if not no_media:
            media_checksums = self.write_media(target / MEDIA_FILE)

        manifest = {
            "format": FORMAT,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "django": django.get_version(),
            "wagtail": wagtail.__version__,
            "database_vendor": connections[DEFAULT_DB_ALIAS].vendor,
            "migrations": applied_migrations(),
            "counts": row_counts(),
            "files": {name: sha256_file(target / name) for name in (DATABASE_FILE, MEDIA_FILE) if (target / name).exists()},
            "media": media_checksums,
        }
        manifest_path = target / MANIFEST_FILE
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.chmod(manifest_path, 0o600)
        counts = ", ".join(f"{n} {label.split('.')[-1].lower()}s" for label, n in manifest["counts"].items())
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target}: {counts}, {len(media_checksums)} media files."))

    def write_media(self, path: Path) -> dict[str, str]:
        skip = rendition_files()
        checksums = {}
        with tarfile.open(path, "w:gz") as tar:
            for name in storage_files():
                if name in skip:
                    continue
                digest = hashlib.sha256()
                with default_storage.open(name, "rb") as fh:
                    size = 0
                    for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                        digest.update(chunk)
                        size += len(chunk)
                    fh.seek(0)
                    info = tarfile.TarInfo(name)
                    info.size = size
                    info.mode = 0o644
                    tar.addfile(info, fh)
                checksums[name] = digest.hexdigest()
        os.chmod(path, 0o600)
        return checksums
