"""The public listings' GET filters, one behaviour for every listing.

A bad value (a hand-edited or truncated link, ?category=nonsense) is dropped field by field, so the
visitor still gets a useful list, and explained on the page. The page then answers 400 so that the junk
URL is neither indexed by crawlers nor stored by the page cache (`status_for`).
"""

from __future__ import annotations

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext as _


class ListingFilterForm(forms.Form):
    """Subclasses declare their fields; `adjust` may correct the accepted values (and `note` why)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels sit above their fields: no "类别:" colon
        super().__init__(*args, **kwargs)
        self._notes: list[str] = []
        self.dropped_something = False  # a value ignored by a subclass's own rule (an unknown place)

    def note(self, message: str, *, dropped: bool = False) -> None:
        self._notes.append(str(message))
        self.dropped_something = self.dropped_something or dropped

    def adjust(self, cleaned: dict) -> dict:
        return cleaned

    def filters(self) -> dict:
        """The accepted filters: every field that passed, whatever the others did."""
        if not hasattr(self, "_filters"):
            self.is_valid()
            cleaned = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
            cleaned = self.adjust(cleaned)
            self._filters = {k: v for k, v in cleaned.items() if v not in (None, "", [], False)}
        return self._filters

    def invalid_fields(self) -> list[str]:
        self.filters()
        return [name for name in self.errors if name in self.fields]

    def notes(self) -> list[str]:
        """What was ignored or corrected, in the visitor's language, to show above the list."""
        notes = [_("“%(label)s”的值无效，已忽略。") % {"label": self.fields[name].label or name} for name in self.invalid_fields()]
        return notes + self._notes

    def has_invalid_values(self) -> bool:
        """Whether something asked for was dropped (not merely corrected, as a swapped price range)."""
        return bool(self.invalid_fields()) or self.dropped_something

    def querystring(self, without: str | None = None, **overrides) -> str:
        """The accepted filters as a query string (for pagination links), without junk parameters."""
        data = {k: ("1" if v is True else v) for k, v in self.filters().items() if k != without}
        data.update({k: v for k, v in overrides.items() if v is not None})
        return urlencode(data, doseq=True)

    def clean_form(self):
        """An unbound copy showing only the accepted values, so a bad value is not echoed back."""
        return type(self)(initial=self.filters(), **self.copy_kwargs())

    def copy_kwargs(self) -> dict:
        return {}

    def context(self) -> dict:
        """What every listing template and `status_for` read: the notes and whether a value was dropped."""
        return {"filter_notes": self.notes(), "filter_invalid": self.has_invalid_values()}


def status_for(response):
    """A listing's response answering 400 when its filters dropped a value: the page still lists and
    explains (portal/includes/filter_notes.html), but the junk URL is neither indexed nor cached."""
    if (getattr(response, "context_data", None) or {}).get("filter_invalid") and response.status_code == 200:
        response.status_code = 400
    return response
