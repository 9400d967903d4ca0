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
