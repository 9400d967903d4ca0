"""`manage.py restore <dir>`: put a `manage.py backup` back, into an empty (even table-less) database.

Order of work, so that a bad backup never leaves a half-restored site:
  1. the manifest and the SHA-256 of every file are checked, and the backup's migrations must all
     be known to this code (a backup from newer code is refused, not half-loaded);
  2. `migrate` creates the tables if the database is new;
  3. a database with content is refused unless --force (restore replaces everything);
  4. in ONE transaction: every table is emptied (rows made by migrations included, e.g. Wagtail's
     welcome page, which would collide with the backup's page tree) and the fixtures are loaded
     with their original primary keys; any error rolls all of it back;
  5. content types and permissions of models newer than the backup are added;
  6. media files are written to the default storage and checked against the manifest;
  7. the search index and the reference index are rebuilt and the cache is cleared.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader

from portal.management.commands.backup import DATABASE_FILE, FORMAT, MANIFEST_FILE, MEDIA_FILE, sha256_file


def database_has_content() -> bool:
    """Anything beyond what `migrate` creates: users, images, documents, or pages of our types."""
    from django.contrib.auth.models import User
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page

    plain_page = Page.objects.filter(depth=1).values_list("content_type", flat=True).first()
    return (
        User.objects.exists()
        or get_image_model().objects.exists()
        or get_document_model().objects.exists()
        or Page.objects.exclude(content_type=plain_page).exists()
    )


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database (and the media storage)."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--force", action="store_true", help="replace a database that already has content")

    def handle(self, *args, directory, force=False, **options):
        source = Path(directory)
        manifest = self.read_manifest(source)
        self.check_migrations(manifest)

        call_command("migrate", interactive=False, verbosity=0)
        if database_has_content() and not force:
            raise CommandError("The database already has content. Restoring replaces ALL of it; run again with --force if that is what you want.")

        with transaction.atomic():
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            call_command("loaddata", str(source / DATABASE_FILE), verbosity=0)
        emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)

        restored = self.restore_media(source / MEDIA_FILE, manifest.get("media", {})) if (source / MEDIA_FILE).exists() else 0
        call_command("update_index", verbosity=0)
        call_command("rebuild_references_index", verbosity=0)
        cache.clear()
        counts = ", ".join(f"{n} {label.split('.')[-1].lower()}s" for label, n in manifest.get("counts", {}).items())
        self.stdout.write(self.style.SUCCESS(f"Restored {source} (made {manifest['created']}): {counts}, {restored} media files."))

    def read_manifest(self, source: Path) -> dict:
        try:
            manifest = json.loads((source / MANIFEST_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{source} is not a backup: {MANIFEST_FILE} is missing.")
        except ValueError:
            raise CommandError(f"{source / MANIFEST_FILE} is damaged (not JSON).")
        if manifest.get("format") != FORMAT:
            raise CommandError(f"Unknown backup format {manifest.get('format')!r}; this code reads format {FORMAT}.")
        if DATABASE_FILE not in manifest.get("files", {}):
            raise CommandError(f"The manifest does not list {DATABASE_FILE}.")
        for name, expected in manifest["files"].items():
            path = source / name
            if not path.exists():
                raise CommandError(f"{path} is missing.")
            if sha256_file(path) != expected:
                raise CommandError(f"{path} is damaged: its SHA-256 does not match the manifest. Nothing was restored.")
        return manifest

    def check_migrations(self, manifest: dict) -> None:
        known = set(MigrationLoader(connections[DEFAULT_DB_ALIAS], ignore_no_migrations=True).disk_migrations)
        unknown = sorted(f"{app}.{name}" for app, names in manifest.get("migrations", {}).items() for name in names if (app, name) not in known)
        if unknown:
            raise CommandError(
                "This backup was made by newer code (unknown migrations: " + ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "") + "). "
                "Restore it with the code version that made it."
            )

    def restore_media(self, tarball: Path, checksums: dict[str, str]) -> int:
        count = 0
        with tarfile.open(tarball, "r:gz") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                name = member.name
                parts = PurePosixPath(name).parts
                if name.startswith("/") or ".." in parts or not parts:
                    raise CommandError(f"Refusing the unsafe media path {name!r} in {tarball}.")
                digest = hashlib.sha256()
                with tempfile.SpooledTemporaryFile(max_size=16 << 20) as spool:
                    source = tar.extractfile(member)
                    for chunk in iter(lambda source=source: source.read(1 << 20), b""):
                        digest.update(chunk)
                        spool.write(chunk)
                    if checksums and checksums.get(name) != digest.hexdigest():
                        raise CommandError(f"Media file {name} does not match its checksum in the manifest.")
                    spool.seek(0)
                    if default_storage.exists(name):
                        default_storage.delete(name)
                    saved = default_storage.save(name, File(spool, name=name))
                if saved != name:
                    raise CommandError(f"The storage saved {name} as {saved}; the database refers to {name}.")
                count += 1
        return count
