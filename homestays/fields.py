"""ChoiceListField: a set of choices (amenities) that the index can filter on in SQL.

Why not a JSONField or an M2M: filtering "has Wi-Fi and parking" must be one SQL query on SQLite
and PostgreSQL alike, SQLite has no JSON `contains`, and the amenity list is fixed by the brand's
criteria rather than edited by users. The set is stored as ",wifi,parking," so
`amenities__has="wifi"` becomes a plain `LIKE '%,wifi,%'`, while Python code only sees a list.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Lookup
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

CODE_RE = re.compile(r"[a-z0-9-]+")


class ChoiceListField(models.Field):
    description = "A set of choice codes"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 400)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def get_internal_type(self):
        return "CharField"

    def _codes(self) -> list[str]:
        return [str(code) for code, _label in self.choices or []]

    def parse(self, value) -> list[str]:
        if value in (None, ""):
            return []
        parts = value.split(",") if isinstance(value, str) else list(value)
        known = self._codes()
        chosen = {str(p).strip() for p in parts if str(p).strip()}
        unknown = chosen - set(known)
        if unknown:
            raise ValueError(", ".join(sorted(unknown)))
        return [code for code in known if code in chosen]  # the choices' order, not the click order

    def from_db_value(self, value, expression, connection):
        try:
            return self.parse(value)
        except ValueError:
            # A code removed from the choices must not break every page that had it.
            known = set(self._codes())
            return [code for code in (value or "").split(",") if code in known]

    def to_python(self, value):
        try:
            return self.parse(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Unknown choice: %(codes)s") % {"codes": exc}, code="invalid") from None

    def get_prep_value(self, value):
        codes = self.to_python(value)
        return "," + ",".join(codes) + "," if codes else ""

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        # The base class would compare the whole list with the choices; each code is checked in to_python.
        if not self.blank and not value:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def formfield(self, **kwargs):
        defaults = {
            "required": not self.blank,
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
            "choices": self.choices,
            "widget": forms.CheckboxSelectMultiple(attrs={"class": "amenity-checkboxes"}),
        }
        defaults.update(kwargs)
        defaults.pop("choices_form_class", None)
        defaults.pop("coerce", None)
        defaults.pop("empty_value", None)
        form_class = defaults.pop("form_class", None) or forms.MultipleChoiceField
        if not issubclass(form_class, forms.MultipleChoiceField):
            form_class = forms.MultipleChoiceField
        return form_class(**defaults)

    def flatchoices_labels(self, codes) -> list[str]:
        labels = dict(self.choices or [])
        return [str(labels[c]) for c in codes if c in labels]


@ChoiceListField.register_lookup
class HasChoice(Lookup):
    """`amenities__has="wifi"`: the set contains this code."""

    lookup_name = "has"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        code = str(self.rhs)
        if not CODE_RE.fullmatch(code):  # codes never contain LIKE wildcards or the separator
            raise ValueError("invalid choice code")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} LIKE %s", [*lhs_params, f"%,{code},%"]
