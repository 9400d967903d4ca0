"""The visitor's report form, and the owner's answer form.

The form asks for the fewest things a handler needs, each in one thumb's reach on a phone: a
category (big radio buttons), what is wrong, optionally a photo and a way to call back. The point
comes from the place the visitor reported from, their GPS, or a tap on the map; without any of
them the form says so rather than guessing.
"""

from __future__ import annotations

import re
import unicodedata
from io import BytesIO

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from PIL import Image

from portal.forms import HoneypotMixin
from portal.geo import region_box
from portal.uploads import ImageCleaningError, clean_image
from reports.models import Category, OwnerAnswer

MAX_PHOTO_BYTES = 12 * 1024 * 1024
PHOTO_LONG_SIDE = 1600
PHONE = re.compile(r"^\+?[\d\s\-()]{6,24}$")


def _printable(value: str, keep: str = "") -> str:
    return "".join(ch for ch in (value or "") if ch in keep or unicodedata.category(ch) not in ("Cc", "Cf")).strip()


def phone_size_photo(data: bytes) -> ContentFile:
    """The photo without any metadata (portal.uploads.clean_image), then at most PHOTO_LONG_SIDE
    pixels on its long side as a JPEG: enough to see a pothole, small enough for mobile data."""
    cleaned = clean_image(data)
    image = Image.open(BytesIO(cleaned))
    if image.format == "JPEG" and max(image.size) <= PHOTO_LONG_SIDE:
        return ContentFile(cleaned, name="photo.jpg")
    image = image.convert("RGB")
    image.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
    out = BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")


class ReportForm(HoneypotMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("遇到了什么问题？"), choices=Category.choices, widget=forms.RadioSelect, error_messages={"required": _("请选择问题类别。")}
    )
    description = forms.CharField(
        label=_("具体情况"),
        max_length=2000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        help_text=_("在哪里、什么情况，例如：“桥头镇往窎沟方向 3 公里处路面塌陷，小车无法通过”。"),
        error_messages={"required": _("请写几句具体情况。"), "min_length": _("请多写几句，至少 %(limit_value)d 个字。")},
    )
    photo = forms.FileField(
        label=_("照片（选填）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("照片的拍摄地点、时间等信息会被删除；工作人员核实后才会公开。"),
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    contact = forms.CharField(
        label=_("手机或邮箱（选填）"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "email"}),
        help_text=_("只给处理人员看，方便回访；永远不会公开。"),
    )
    about = forms.CharField(required=False, widget=forms.HiddenInput)
    form_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, subject=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.subject = subject

    def clean_description(self):
        return _printable(self.cleaned_data["description"], keep="\n\t")

    def clean_contact(self):
        value = unicodedata.normalize("NFKC", _printable(self.cleaned_data.get("contact") or ""))
        if not value:
            return ""
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(_("邮箱格式不正确，例如 name@example.com。"))
            return value
        if not PHONE.match(value) or sum(ch.isdigit() for ch in value) < 6:
            raise ValidationError(_("请填写手机号、电话或邮箱，例如 13800000000 或 0971-1234567。"))
        return value

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > MAX_PHOTO_BYTES:
            raise ValidationError(_("照片太大（最大 12 MB），请换一张或截图后上传。"))
        upload.seek(0)
        try:
            return phone_size_photo(upload.read())
        except (ImageCleaningError, OSError, ValueError, Image.DecompressionBombError):
            raise ValidationError(_("无法读取这张照片，请上传 JPEG、PNG 或 WebP 格式的照片。"))

    def clean(self):
        cleaned = super().clean()
        lon, lat = cleaned.get("lon"), cleaned.get("lat")
        if lon is None or lat is None:
            if self.subject is not None:
                cleaned["lon"], cleaned["lat"] = self.subject.lon, self.subject.lat
            elif not self.has_error("lon") and not self.has_error("lat"):
                self.add_error(None, _("请在地图上点出问题的位置，或点“用我的位置”。"))
        else:
            west, south, east, north = region_box()
            if not (west <= lon <= east and south <= lat <= north):
                self.add_error(None, _("这个位置不在西宁市范围内，请在地图上重新选择。"))
        return cleaned


class OwnerAnswerForm(forms.ModelForm):
    class Meta:
        model = OwnerAnswer
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}
        labels = {"text": _("您的答复")}
        help_texts = {"text": _("编辑审核通过后，答复会显示在反馈的公开进度页上。")}

    def clean_text(self):
        value = _printable(self.cleaned_data["text"], keep="\n\t")
        if len(value) < 2:
            raise ValidationError(_("请写下您的答复。"))
        return value
