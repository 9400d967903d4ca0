"""CSV exports that are safe to open in Excel, for every admin list or report the portal exports.

Why: a spreadsheet runs a cell that starts with = + - @ (or a tab/CR before one) as a formula, so a
visitor's or owner's text must reach the editor as text (OWASP "CSV injection"); and Excel in a
Chinese locale reads a CSV without a byte-order mark as GBK, garbling every Chinese character.
Mix `SafeSpreadsheetExportMixin` in before a Wagtail view that has SpreadsheetExportMixin
(IndexView, ReportView); it works through that mixin's public methods only. XLSX needs neither:
Wagtail already stores formula-looking cells as text there.
"""

from __future__ import annotations

import codecs
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """The value with a leading single quote when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeSpreadsheetExportMixin:
    def write_csv_row(self, writer, row_dict):
        row = {}
        for name, value in row_dict.items():
            cell = self.preprocess_field_value(name, value, self.FORMAT_CSV)
            # Numbers are written by us (-2.5 stays a number); anything else may be typed text.
            is_number = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
            row[name] = cell if is_number else neutralise_formula(cell)
        return writer.writerow(row)

    def stream_csv(self, queryset):
        yield codecs.BOM_UTF8
        yield from super().stream_csv(queryset)

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response


def safe_report_urls(prefix: str, module) -> list:
    """URL patterns that serve the exporting views of a Wagtail URL module with the mixin above.

    Wagtail's own reports (locked pages, site history, aging pages, workflows…) export page titles
    and names that owners type. Placed before Wagtail's admin URLs, these patterns answer the same
    paths, and every `reverse()` of Wagtail's names still finds them: the views are Wagtail's,
    subclassed, not replaced.
    """
    from django.urls import path
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    patterns = []
    for pattern in module.urlpatterns:
        view = pattern.callback
        cls = getattr(view, "view_class", None)
        if cls is None or not issubclass(cls, SpreadsheetExportMixin) or view.view_initkwargs.get("results_only"):
            continue
        safe = type(cls.__name__, (SafeSpreadsheetExportMixin, cls), {"__module__": __name__})
        patterns.append(path(f"{prefix}{pattern.pattern}", safe.as_view(**view.view_initkwargs)))
    return patterns
