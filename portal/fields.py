"""The portal's own model fields, each written once for every app.

GeoJSONField: geometry as RFC 7946 GeoJSON in a JSON column, validated on save. No GDAL. Every
model with a location or a line uses it, so validation, the admin map widget and serialisation to
the map layers are written once.

ChoiceListField (and MonthsField): a set of choices that a listing filters on in SQL. Not a
JSONField or an M2M: "has Wi-Fi and parking" or "in season in April" must be one query on SQLite
and PostgreSQL alike, SQLite has no JSON `contains`, and the choices are fixed by the code rather
than edited by users. The set is stored as ",wifi,parking," (",4,5,"), so `field__has="wifi"`
becomes a plain `LIKE '%,wifi,%'`, while Python code only sees a list.
"""

from __future__ import annotations

import calendar
import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Lookup
from django.utils.dates import MONTHS_3
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.geo import LINE_TYPES, POINT_TYPES, validate_geometry
from portal.widgets import MapWidget


class GeoJSONFormField(forms.JSONField):
    def __init__(self, *args, geom_types=LINE_TYPES + POINT_TYPES, **kwargs):
        self.geom_types = tuple(geom_types)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and not value.strip():
            return None
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(_("This is not valid GeoJSON (JSON syntax error). Draw on the map or paste a GeoJSON geometry."), code="invalid")

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        validate_geometry(value, self.geom_types)

    def clean(self, value):
        value = super().clean(value)
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        return value


class GeoJSONField(models.JSONField):
    """A JSONField that only accepts the given GeoJSON geometry types."""

    def __init__(self, *args, geom_types=LINE_TYPES + POINT_TYPES, **kwargs):
        self.geom_types = tuple(geom_types)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["geom_types"] = self.geom_types
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value not in self.empty_values:
            validate_geometry(value, self.geom_types)

    def formfield(self, **kwargs):
        defaults = {"form_class": GeoJSONFormField, "geom_types": self.geom_types, "widget": MapWidget(geom_types=self.geom_types)}
        defaults.update(kwargs)
        return super().formfield(**defaults)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ChoiceListField(models.Field):
    description = "A set of choices"
    coerce = str  # the type of a choice's value
    invalid_message = _("未知的选项：%(codes)s")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 400)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def get_internal_type(self):
        return "CharField"

    def _codes(self) -> list:
        return [code for code, _label in self.choices or []]

    def parse(self, value) -> list:
        """The chosen values in the choices' order, from a list or the stored ",a,b," form (a
        Chinese comma is read as a comma); raises ValueError naming what is not a choice."""
        if value in (None, ""):
            return []
        parts = value.replace("，", ",").split(",") if isinstance(value, str) else list(value)
        chosen, unknown = set(), set()
        for part in (str(p).strip() for p in parts):
            if not part:
                continue
            try:
                chosen.add(self.coerce(part))
            except (TypeError, ValueError):
                unknown.add(part)
        known = self._codes()
        unknown |= {str(code) for code in chosen - set(known)}
        if unknown:
            raise ValueError(", ".join(sorted(unknown)))
        return [code for code in known if code in chosen]

    def from_db_value(self, value, expression, connection):
        try:
            return self.parse(value)
        except ValueError:
            # A choice removed from the code must not break every page that had it.
            known = {str(code): code for code in self._codes()}
            return [known[part] for part in (value or "").split(",") if part in known]

    def to_python(self, value):
        try:
            return self.parse(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(self.invalid_message % {"codes": exc}, code="invalid") from None

    def get_prep_value(self, value):
        codes = self.to_python(value)
        return "," + ",".join(str(code) for code in codes) + "," if codes else ""

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        # The base class would compare the whole list with the choices; each one is checked in to_python.
        if not self.blank and not value:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def formfield(self, **kwargs):
        defaults = {
            "required": not self.blank,
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
            "choices": self.choices,
            "coerce": self.coerce,
            "widget": forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
        }
        defaults.update(kwargs)
        for name in ("choices_form_class", "empty_value"):
            defaults.pop(name, None)
        form_class = defaults.pop("form_class", None)
        if not (form_class and issubclass(form_class, forms.TypedMultipleChoiceField)):
            form_class = forms.TypedMultipleChoiceField
        return form_class(**defaults)

    def labels(self, codes) -> list[str]:
        labels = dict(self.choices or [])
        return [str(labels[c]) for c in codes if c in labels]


@ChoiceListField.register_lookup
class HasChoice(Lookup):
    """`amenities__has="wifi"`, `season_months__has=4`: the set holds this choice."""

    lookup_name = "has"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        field = self.lhs.output_field
        try:
            code = field.coerce(self.rhs)
        except (TypeError, ValueError):
            code = None
        if code not in field._codes():  # so never a LIKE wildcard or the separator
            raise ValueError(f"{self.rhs!r} is not a choice of {field.name}")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} LIKE %s", [*lhs_params, f"%,{code},%"]


MONTH_CHOICES = [(m, _("%(m)d月") % {"m": m}) for m in range(1, 13)]


class MonthsField(ChoiceListField):
    """Months of the year (1–12): when a product is in season, when a route is at its best."""

    description = "A set of months (1–12)"
    coerce = int
    invalid_message = _("月份必须是 1 到 12 的数字。")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("choices", MONTH_CHOICES)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)  # always the twelve months
        if kwargs.get("max_length") == 40:
            kwargs.pop("max_length")
        return name, path, args, kwargs


def months_label(months, short: bool = False) -> str:
    """A short reading of a month list: 全年, 6–10月, 6–9月、12月, or 11–5月 across the new year
    (English: "June–October", or with `short` "Jun–Sep, Dec")."""
    months = sorted(set(months or []))
    if not months:
        return ""
    if len(months) == 12:
        return str(_("全年"))
    runs: list[list[int]] = []
    for m in months:
        if runs and runs[-1][-1] == m - 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    if len(runs) > 1 and runs[0][0] == 1 and runs[-1][-1] == 12:  # December joins January
        runs[0] = runs.pop() + runs[0]
    if not (get_language() or "zh").startswith("zh"):

        def name(m):
            return str(MONTHS_3[m]).title() if short else calendar.month_name[m]

        return ", ".join(name(r[0]) if len(r) == 1 else f"{name(r[0])}–{name(r[-1])}" for r in runs)
    return "、".join(f"{r[0]}月" if len(r) == 1 else f"{r[0]}–{r[-1]}月" for r in runs)
