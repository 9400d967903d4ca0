"""The admin's image form (settings.WAGTAILIMAGES_IMAGE_FORM_BASE): it asks for a description, and
a new file is rebuilt without its metadata before it is stored (portal.uploads).

Why: the description is every picture's alt text on the site (portal.images.alt_text), and the
people uploading (homestay owners, editors) are the only ones who know what a photo shows. So
the form names the field in plain Chinese, says what to write, and does not save a picture
without it. A form that never showed the field (the first step of Wagtail's multiple upload,
which posts only the file) is not held up: that step then shows the full form, which asks.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from portal.uploads import cleaned_upload


class ReadableImageField(WagtailImageField):
    """Wagtail's image field, with a file that only looks like an image refused as one.

    Willow names the format from the first bytes; the pixel size is read later, outside the
    field's own error handling, so a JPEG header on a broken body (a photo cut short on a
    phone's upload) raised there and gave a 500 instead of the form's "not a valid image".
    """

    def check_image_pixel_size(self, f):
        try:
            super().check_image_pixel_size(f)
        except ValidationError:
            raise
        except Exception as exc:  # noqa: BLE001 - Pillow raises many types for a broken body; all mean "not an image"
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image") from exc


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if type(self.fields.get("file")) is WagtailImageField:
            # the field Wagtail built, with its size limits and help, made to refuse a broken body too
            self.fields["file"].__class__ = ReadableImageField
        field = self.fields.get("description")
        if field is None:
            return
        field.label = _("图片描述（替代文字）")
        field.help_text = _(
            "用一句话说明图片里有什么，例如“院子里的土炕房，窗外是油菜花田”。看不见图片的访客会听到这句话。可在“ | ”后加上英文，英文页面会使用。"
        )
        field.widget.attrs.setdefault("placeholder", _("例如：卡阳村花海边的土木小院"))
        # Required wherever the field was on the page; see the module docstring.
        field.required = not self.is_bound or self.add_prefix("description") in self.data

    def clean_file(self):
        """A new upload is stored as the picture alone (portal.uploads): done here so a file that
        cannot be rebuilt gets the form's error message rather than failing on save."""
        upload = self.cleaned_data.get("file")
        if upload is None or "file" not in self.changed_data or not hasattr(upload, "read"):
            return upload
        return cleaned_upload(upload)

    def clean_description(self):
        return (self.cleaned_data.get("description") or "").strip()
