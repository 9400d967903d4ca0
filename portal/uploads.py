"""Uploaded pictures are stored without any metadata: no EXIF, XMP (extended XMP too), IPTC,
comments, hidden frames or bytes after the picture.

Why: listing owners upload phone photos, and phones write where a photo was taken (often the
owner's home) in several places at once: the EXIF GPS block, XMP (`exif:GPSLatitude`, and in
"extended XMP" segments when the packet is large), the second frame of a multi-picture (MPO)
file, or a whole second JPEG appended after the first one's end. Wagtail keeps the original file
(public under /media/ and in the API's download_url) and every rendition is made from it, so
the stored original itself has to be rebuilt from the picture alone. Removing only what is known
to hold a location (the GPS block) kept missing the next place a phone put it; keeping only what
is known to be picture is the rule that holds.

How, per format:

- JPEG (and MPO) that needs no rotation is rebuilt losslessly: the segments a decoder needs
  (tables, frame and scan headers, the compressed data, the colour profile, JFIF without its
  thumbnail, Adobe's colour-transform flag) are copied up to the first image's end marker and
  everything else is dropped. The picture is bit-for-bit the one the phone took.
- JPEG with an Orientation tag is turned upright (Pillow's exif_transpose) and re-encoded with
  the original's own quantisation tables and chroma subsampling, so quality and size stay close.
  Rotating in the pixels, not in a tag, keeps the photo upright once the tag is gone.
- PNG, GIF, WebP and AVIF are turned upright and re-encoded by Pillow from pixels only (all
  frames of an animation, with their timing), keeping only transparency and the colour profile.

`clean_image()` is the one function; it runs in the image form (so a picture that cannot be
rebuilt is a form error, not a 500) and, for every other way an image gets saved (the demo
loader, import commands, Wagtail's "finish the upload" step that writes the file before saving
the image), in the image model's pre_save.
"""

from __future__ import annotations

import logging
import warnings
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, JpegImagePlugin
from wagtail.utils.file import hash_filelike

logger = logging.getLogger(__name__)

ORIENTATION = 0x0112
CLEANED_MARK = "portal_metadata_removed"  # set on a file object clean_image() made

# JPEG segments a decoder needs. Markers not listed here (APP1 EXIF/XMP/extended XMP, APP2 MPF
# and FlashPix, APP13 IPTC/Photoshop, other APPn, COM comments) are dropped.
_JPEG_KEEP = {0xC4, 0xCC, 0xDB, 0xDD, 0xDC} | {m for m in range(0xC0, 0xD0) if m not in (0xC4, 0xC8, 0xCC)}
# Application segments kept by their signature: JFIF (pixel density), the ICC colour profile,
# Adobe's colour transform (without it CMYK/YCCK pictures decode with wrong colours).
_JPEG_KEEP_APP = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
_LOSSY = {"WEBP": {"quality": 90, "method": 4}, "AVIF": {"quality": 85}}


class ImageCleaningError(ValueError):
    """The picture could not be read completely, so it cannot be rebuilt without its metadata."""


UNREADABLE = _("无法读取这张图片的全部内容（文件可能不完整或已损坏），请重新导出或另存为 JPEG/PNG 后再上传。")


def _rebuild_jpeg(data: bytes) -> bytes:
    """The first picture of JPEG `data`, keeping only the segments in _JPEG_KEEP/_JPEG_KEEP_APP and
    stopping at its end-of-image marker (a second MPO frame or an appended file lie beyond)."""
    if not data.startswith(b"\xff\xd8"):
        raise ImageCleaningError("not a JPEG")
    out, i, n = [b"\xff\xd8"], 2, len(data)
    while True:
        if i + 2 > n or data[i] != 0xFF:
            raise ImageCleaningError("no marker where one must be")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0xD9:
            out.append(b"\xff\xd9")
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            i += 2
            continue
        if i + 4 > n:
            raise ImageCleaningError("truncated segment")
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        end = i + 2 + length
        if length < 2 or end > n:
            raise ImageCleaningError("truncated segment")
        payload = data[i + 4 : end]
        if marker == 0xDA:  # start of scan: the header, then compressed data up to the next marker
            j = end
            while True:
                k = data.find(b"\xff", j)
                if k < 0 or k + 1 >= n:
                    raise ImageCleaningError("truncated scan")
                following = data[k + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
                    j = k + 2
                elif following == 0xFF:  # fill bytes: the marker comes later
                    j = k + 1
                else:
                    break
            out.append(data[i:k])
            i = k
            continue
        if marker in _JPEG_KEEP:
            out.append(data[i:end])
        elif marker == 0xE0 and payload.startswith(_JPEG_KEEP_APP[0xE0]) and len(payload) >= 14:
            jfif = payload[:12] + b"\x00\x00"  # version, units, density; no thumbnail
            out.append(b"\xff\xe0" + (len(jfif) + 2).to_bytes(2, "big") + jfif)
        elif marker in _JPEG_KEEP_APP and marker != 0xE0 and payload.startswith(_JPEG_KEEP_APP[marker]):
            out.append(data[i:end])
        i = end


def _orientation(image: Image.Image) -> int:
    """The EXIF (or XMP, which Pillow folds in) Orientation, 1 when absent or unreadable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = image.getexif().get(ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - Pillow raises many kinds of errors on corrupt EXIF
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _pixels_only(frame: Image.Image, keep: tuple[str, ...] = ("transparency",)) -> Image.Image:
    """`frame` turned upright with every info entry but `keep` (and the colour profile) dropped."""
    upright = ImageOps.exif_transpose(frame) if _orientation(frame) != 1 else frame.copy()
    upright.info = {key: frame.info[key] for key in (*keep, "icc_profile") if key in frame.info}
    return upright


def _reencode_jpeg(image: Image.Image) -> bytes:
    """Upright and re-encoded with the original's quantisation tables and subsampling."""
    kwargs = {"optimize": True, "progressive": bool(image.info.get("progressive"))}
    try:
        kwargs["subsampling"] = JpegImagePlugin.get_sampling(image)
        kwargs["qtables"] = image.quantization
    except (AttributeError, TypeError, ValueError):
        kwargs["quality"] = 90
    if kwargs.get("subsampling") == -1 or not kwargs.get("qtables", True):
        kwargs.pop("subsampling", None)
        kwargs.pop("qtables", None)
        kwargs["quality"] = 90
    upright = _pixels_only(image, keep=())
    if upright.mode not in ("RGB", "L", "CMYK"):
        upright = upright.convert("RGB")
    if icc := upright.info.get("icc_profile"):
        kwargs["icc_profile"] = icc
    out = BytesIO()
    try:
        upright.save(out, "JPEG", **kwargs)
    except (ValueError, TypeError, OSError):  # tables Pillow will not write back: plain quality
        out = BytesIO()
        for key in ("qtables", "subsampling"):
            kwargs.pop(key, None)
        upright.save(out, "JPEG", quality=90, **kwargs)
    return out.getvalue()


def _reencode(image: Image.Image) -> bytes:
    """PNG, GIF, WebP, AVIF: every frame upright and re-encoded from pixels alone."""
    fmt = image.format
    frames, durations = [], []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(_pixels_only(image))
        durations.append(image.info.get("duration", 0))
    image.seek(0)
    kwargs = dict(_LOSSY.get(fmt, {}))
    if icc := frames[0].info.get("icc_profile"):
        kwargs["icc_profile"] = icc
    if len(frames) > 1:
        kwargs.update(save_all=True, append_images=frames[1:], duration=durations, loop=image.info.get("loop", 0))
        if fmt == "GIF":
            kwargs["disposal"] = 2  # Pillow hands out whole frames: each one replaces the last
    out = BytesIO()
    frames[0].save(out, fmt, **kwargs)
    return out.getvalue()


def clean_image(data: bytes) -> bytes:
    """`data` rebuilt as the picture alone (see the module docstring); ImageCleaningError when
    Pillow cannot read all of it, since a picture that is not read in full cannot be rebuilt."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
            image.load()
            if image.format in ("JPEG", "MPO"):
                if _orientation(image) == 1:
                    rebuilt = _rebuild_jpeg(data)
                    check = Image.open(BytesIO(rebuilt))
                    check.load()
                    if check.size == image.size and check.mode == image.mode:
                        return rebuilt
                return _reencode_jpeg(image)
            return _reencode(image)
    except ImageCleaningError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds of errors on broken files
        raise ImageCleaningError(str(exc)) from exc


def cleaned_upload(upload) -> ContentFile:
    """An uploaded file as a cleaned ContentFile of the same name, marked so pre_save skips it;
    a ValidationError (the form's message) when it cannot be cleaned."""
    upload.seek(0)
    try:
        cleaned = clean_image(upload.read())
    except ImageCleaningError as exc:
        logger.info("Refused an image that cannot be rebuilt without metadata: %s", exc)
        raise ValidationError(UNREADABLE, code="unreadable_image") from exc
    result = ContentFile(cleaned, name=upload.name.rsplit("/", 1)[-1])
    setattr(result, CLEANED_MARK, True)
    return result


def _is_new_file(instance, field_file, update_fields) -> bool:
    if update_fields is not None and "file" not in update_fields:
        return False
    if not getattr(field_file, "_committed", True):
        return not getattr(field_file.file, CLEANED_MARK, False)
    if instance.pk is None:
        return True  # a file written to storage before the image (Wagtail's "finish the upload")
    stored = type(instance)._default_manager.filter(pk=instance.pk).values_list("file", flat=True).first()
    return stored != field_file.name


def clean_on_save(sender, instance, update_fields=None, **kwargs):
    """pre_save of the image model: a file this image did not have before is replaced by its
    cleaned copy before Django writes it (or, if something wrote it already, over it)."""
    if kwargs.get("raw"):
        return  # loaddata / restore: rows as they were saved, their files were cleaned on upload
    field_file = instance.file
    if not field_file or not _is_new_file(instance, field_file, update_fields):
        return
    if getattr(field_file, "_committed", True):
        if not field_file.storage.exists(field_file.name):
            return  # nothing stored under that name (yet): nothing that could leak
        with field_file.storage.open(field_file.name, "rb") as fh:
            data = fh.read()
    else:  # the upload itself: read it without closing it, Django writes it next
        field_file.file.seek(0)
        data = field_file.file.read()
        field_file.file.seek(0)
    cleaned = clean_image(data)  # raises: a file that cannot be cleaned is never stored
    if cleaned == data:
        return
    if getattr(field_file, "_committed", True):
        field_file.storage.delete(field_file.name)
    instance.file = ContentFile(cleaned, name=field_file.name.rsplit("/", 1)[-1])
    instance.file_size = len(cleaned)
    instance.file_hash = hash_filelike(BytesIO(cleaned))


def connect_signals():
    from wagtail.images import get_image_model

    pre_save.connect(clean_on_save, sender=get_image_model(), dispatch_uid="portal-clean-image-metadata")


def private_storage():
    """Uploads no URL serves (a visitor's photo of a problem, a licence scan): outside MEDIA_ROOT,
    so nothing under /media/ is ever one of them, and a view decides who may see each."""
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.PORTAL_PRIVATE_MEDIA_ROOT, base_url=None)
