"""Forms: the public filters (GET) and the admin's CSV upload."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.filters import ListingFilterForm
from products.models import Category, CertificationKind, County, StationLevel


class ProductFilterForm(ListingFilterForm):
    category = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部类别"))] + Category.choices)
    county = forms.ChoiceField(label=_("产地县区"), required=False, choices=[("", _("全部县区"))] + County.choices)
    certification = forms.ChoiceField(label=_("认证"), required=False, choices=[("", _("全部认证"))] + CertificationKind.choices)
    in_season = forms.BooleanField(label=_("当季上市"), required=False)
    brand = forms.BooleanField(label=_("河湟田源授权"), required=False)
    producer = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class StationFilterForm(ListingFilterForm):
    county = forms.ChoiceField(label=_("县区"), required=False, choices=[("", _("全部县区"))] + County.choices)
    level = forms.ChoiceField(label=_("级别"), required=False, choices=[("", _("全部级别"))] + StationLevel.choices)


def station_csv_max_bytes() -> int:
    return getattr(settings, "PRODUCTS_STATION_CSV_MAX_BYTES", 2 * 1024 * 1024)


class StationImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV 文件 CSV file"),
        help_text=_("UTF-8 (with or without BOM) or GBK/GB18030 as saved by Excel; one station per row; columns are listed in the README."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(label=_("仅预览，不保存"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = station_csv_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件大小 %(size)d KB，超过上限 %(limit)d KB。请按县区拆分后分别导入。") % {"size": upload.size // 1024, "limit": limit // 1024}
            )
        return upload
