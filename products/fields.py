"""MonthsField: the months a product is available, as a list of month numbers.

Why not a JSONField: "in season now" must be a database query on SQLite and PostgreSQL alike, and
SQLite has no JSON `contains`. The list is stored as ",3,4,5," so `season_months__has=4` becomes a
plain `LIKE '%,4,%'` that both databases run, while Python code only ever sees [3, 4, 5].
"""

from __future__ import annotations

import calendar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Lookup
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MONTH_CHOICES = [
    (1, _("1月")),
    (2, _("2月")),
    (3, _("3月")),
    (4, _("4月")),
    (5, _("5月")),
    (6, _("6月")),
    (7, _("7月")),
    (8, _("8月")),
    (9, _("9月")),
    (10, _("10月")),
    (11, _("11月")),
    (12, _("12月")),
]


def parse_months(value) -> list[int]:
    """[3, 4, 5] from a list, a tuple or the stored ",3,4,5," form; raises ValueError on junk."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = [p for p in value.replace("，", ",").split(",") if p.strip()]
    else:
        parts = list(value)
    months = sorted({int(p) for p in parts})
    if any(not 1 <= m <= 12 for m in months):
        raise ValueError("month out of range")
    return months


def months_label(months: list[int]) -> str:
    """A short human reading of a month list: 全年, 6–10月, or 11–5月 across the new year."""
    months = sorted(set(months))
    if not months:
        return ""
    if len(months) == 12:
        return str(_("全年"))
    # Runs of consecutive months, with December joining January (winter strawberries).
    runs: list[list[int]] = []
    for m in months:
        if runs and runs[-1][-1] == m - 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    if len(runs) > 1 and runs[0][0] == 1 and runs[-1][-1] == 12:
        runs[0] = runs.pop() + runs[0]
    if not (get_language() or "zh").startswith("zh"):  # English: "June–October", "December–May"
        names = [calendar.month_name[r[0]] if len(r) == 1 else f"{calendar.month_name[r[0]]}–{calendar.month_name[r[-1]]}" for r in runs]
        return ", ".join(names)
    parts = [f"{r[0]}月" if len(r) == 1 else f"{r[0]}–{r[-1]}月" for r in runs]
    return "、".join(parts)


class MonthsField(models.Field):
    description = "A set of months (1–12)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def get_internal_type(self):
        return "CharField"

    def from_db_value(self, value, expression, connection):
        try:
            return parse_months(value)
        except ValueError:
            return []

    def to_python(self, value):
        try:
            return parse_months(value)
        except (TypeError, ValueError):
            raise ValidationError(_("Months must be numbers from 1 to 12."), code="invalid") from None

    def get_prep_value(self, value):
        months = self.to_python(value)
        return "," + ",".join(str(m) for m in months) + "," if months else ""

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def formfield(self, **kwargs):
        defaults = {
            "required": not self.blank,
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
            "choices": MONTH_CHOICES,
            "coerce": int,
            "widget": forms.CheckboxSelectMultiple(attrs={"class": "months-checkboxes"}),
        }
        defaults.update(kwargs)
        defaults.pop("choices_form_class", None)
        form_class = defaults.pop("form_class", None) or forms.TypedMultipleChoiceField
        return form_class(**defaults)


@MonthsField.register_lookup
class HasMonth(Lookup):
    """`season_months__has=4`: the product is available in April."""

    lookup_name = "has"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        month = int(self.rhs)
        if not 1 <= month <= 12:
            raise ValueError("month must be 1–12")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} LIKE %s", [*lhs_params, f"%,{month},%"]
