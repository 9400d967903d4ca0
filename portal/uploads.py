"""Remove GPS location from uploaded photos before they are stored.

Why: homestay owners upload phone photos, and phones write the exact spot a photo was taken into
its EXIF (often the owner's home). Wagtail keeps the original file (public under /media/ and in the
API's download_url) and Willow copies EXIF into every rendition, so stripping renditions alone is
not enough: the stored original itself must lose its location.

JPEG is edited losslessly (only the EXIF APP1 segment is rewritten, the compressed picture is
untouched, Orientation and the other tags survive); other formats carrying location are
re-encoded by Pillow without it. XMP packets that mention GPS are dropped too.
"""

from __future__ import annotations

import logging
import warnings
from io import BytesIO

from django.core.files.base import ContentFile
from django.db.models.signals import pre_save
from PIL import Image, UnidentifiedImageError
from wagtail.utils.file import hash_filelike

logger = logging.getLogger(__name__)

GPS_IFD = 0x8825
EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"


def _exif_without_gps(exif_payload: bytes) -> bytes | None:
    """The EXIF APP1 payload without its GPS IFD, None when it has none, or b"" (drop the whole
    segment) when it cannot be parsed: unreadable EXIF might still hold a location."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Pillow only warns about truncated or corrupt EXIF
            exif = Image.Exif()
            exif.load(exif_payload)
            if GPS_IFD not in exif:
                return None
            del exif[GPS_IFD]
            return exif.tobytes()  # sub-IFDs are parsed lazily, here
    except Exception:  # noqa: BLE001 - Pillow raises many kinds of errors on corrupt EXIF
        return b""


def strip_jpeg_gps(data: bytes) -> bytes | None:
    """A copy of JPEG `data` with the GPS IFD removed from EXIF and GPS-bearing XMP dropped;
    None when there was nothing to remove (or the file is not a JPEG we can walk safely)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out = [data[:2]]
    i, changed = 2, False
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None  # not a marker where one must be: leave the file alone
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xDA, 0xD9):  # start of scan / end of image: the rest is picture data
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out.append(data[i : i + 2])
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        segment = data[i : i + 2 + length]
        payload = segment[4:]
        if marker == 0xE1 and payload.startswith(EXIF_HEADER):
            stripped = _exif_without_gps(payload)
            if stripped is not None:
                segment = b"\xff\xe1" + (len(stripped) + 2).to_bytes(2, "big") + stripped if stripped else b""
                changed = True
        elif marker == 0xE1 and payload.startswith(XMP_HEADER) and b"GPS" in payload:
            segment = b""
            changed = True
        out.append(segment)
        i += 2 + length
    if not changed:
        return None
    out.append(data[i:])
    return b"".join(out)


def _reencode_without_gps(data: bytes) -> bytes | None:
    """Non-JPEG images with EXIF GPS or GPS in XMP: re-save in the same format without them."""
    try:
        image = Image.open(BytesIO(data))
        exif = image.getexif()
        has_gps = GPS_IFD in exif
        xmp = image.info.get("xmp") or b""
        has_xmp_gps = b"GPS" in (xmp if isinstance(xmp, bytes) else str(xmp).encode())
        if not (has_gps or has_xmp_gps):
            return None
        fmt = image.format
        if has_gps:
            del exif[GPS_IFD]
        out = BytesIO()
        kwargs = {"exif": exif.tobytes()} if len(exif) else {}
        if getattr(image, "is_animated", False):
            kwargs["save_all"] = True
        if fmt == "WEBP":
            kwargs["lossless"] = image.info.get("lossless", False)
            kwargs["quality"] = 95
        image.save(out, fmt, **kwargs)
        return out.getvalue()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, KeyError) as exc:
        logger.warning("Could not check an uploaded image for GPS data: %s", exc)
        return None


def without_gps(data: bytes) -> bytes | None:
    """`data` without location metadata, or None when it carried none."""
    if data.startswith(b"\xff\xd8"):
        return strip_jpeg_gps(data)
    return _reencode_without_gps(data)


def strip_gps_on_upload(sender, instance, **kwargs):
    """pre_save of the image model: a newly uploaded file (not yet written to storage) is checked
    and, if it carries a location, replaced by the stripped copy before Django stores it."""
    field_file = instance.file
    if not field_file or getattr(field_file, "_committed", True):
        return
    upload = field_file.file
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    cleaned = without_gps(data)
    if cleaned is None:
        return
    name = field_file.name.rsplit("/", 1)[-1]
    instance.file = ContentFile(cleaned, name=name)
    instance.file_size = len(cleaned)
    instance.file_hash = hash_filelike(BytesIO(cleaned))


def connect_signals():
    from wagtail.images import get_image_model

    pre_save.connect(strip_gps_on_upload, sender=get_image_model(), dispatch_uid="portal-strip-gps")
