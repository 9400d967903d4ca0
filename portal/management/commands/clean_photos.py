"""Rebuild every stored original without its metadata, and drop renditions made from the old file.

Uploads are cleaned as they arrive (portal.uploads); pictures stored before that may still carry
the owner's GPS position. Run once after upgrading (and safe to run again: a clean picture is left
as it is): `manage.py clean_photos`, or `--dry-run` to count first.
"""

from __future__ import annotations

from io import BytesIO

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.utils.file import hash_filelike

from portal.uploads import ImageCleaningError, clean_image


class Command(BaseCommand):
    help = "Rebuild stored images without EXIF/XMP/IPTC, extra frames or trailing data; delete their stale renditions."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, dry_run=False, **options):
        counts = {"cleaned": 0, "clean": 0, "missing": 0, "unreadable": 0}
        for image in get_image_model().objects.order_by("pk").iterator(chunk_size=200):
            storage, old_name = image.file.storage, image.file.name
            if not old_name or not storage.exists(old_name):
                counts["missing"] += 1
                continue
            with storage.open(old_name, "rb") as fh:
                data = fh.read()
            try:
                cleaned = clean_image(data)
            except ImageCleaningError as exc:
                counts["unreadable"] += 1
                self.stderr.write(f"#{image.pk} {old_name}: cannot be read in full ({exc}); replace it in the admin")
                continue
            if cleaned == data:
                counts["clean"] += 1
                continue
            counts["cleaned"] += 1
            if dry_run:
                continue
            with transaction.atomic():
                size = (image.width, image.height)
                image.file.save(old_name.rsplit("/", 1)[-1], ContentFile(cleaned), save=False)
                with PILImage.open(BytesIO(cleaned)) as picture:
                    image.width, image.height = picture.size
                if (image.width, image.height) != size:  # the orientation was applied: the focal point no longer fits
                    image.focal_point_x = image.focal_point_y = image.focal_point_width = image.focal_point_height = None
                image.file_size = len(cleaned)
                image.file_hash = hash_filelike(ContentFile(cleaned))
                image.save()
                # the renditions were made from the old file and may carry what it carried
                for rendition in image.renditions.all():
                    rendition.delete()
            storage.delete(old_name)
        verb = "would clean" if dry_run else "cleaned"
        self.stdout.write(f"{verb} {counts['cleaned']}, already clean {counts['clean']}, file missing {counts['missing']}, unreadable {counts['unreadable']}")
