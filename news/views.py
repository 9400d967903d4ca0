"""The /news/ listing: filters read through a form so that a bad query string is explained, not a 500."""

from __future__ import annotations

import datetime

from django import forms
from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.models import Tag

from news.models import NewsPageTag

SHOW_CHOICES = [("", gettext_lazy("全部资讯")), ("upcoming", gettext_lazy("近期活动")), ("past", gettext_lazy("往期活动"))]
# "%(m)s月" is formatted when the choice is shown, in the visitor's language ("July" on /en/), not at import.
_month_label = lazy(lambda m: _("%(m)s月") % {"m": m}, str)
MONTH_CHOICES = [("", gettext_lazy("全部月份"))] + [(str(m), _month_label(m)) for m in range(1, 13)]
FILTER_PARAMS = ("show", "tag", "year", "month")


class NewsFilterForm(forms.Form):
    show = forms.ChoiceField(label=gettext_lazy("类别"), choices=SHOW_CHOICES, required=False)
    tag = forms.ChoiceField(label=gettext_lazy("标签"), required=False)
    year = forms.TypedChoiceField(label=gettext_lazy("年份"), coerce=int, empty_value=None, required=False)
    month = forms.TypedChoiceField(label=gettext_lazy("月份"), choices=MONTH_CHOICES, coerce=int, empty_value=None, required=False)
    page = forms.IntegerField(label=gettext_lazy("页码"), min_value=1, max_value=10_000, required=False)

    def __init__(self, data, *, tags, years):
        super().__init__(data)
        self.fields["tag"].choices = [("", _("全部标签"))] + [(t.slug, t.name) for t in tags]
        self.fields["year"].choices = [("", _("全部年份"))] + [(str(y), str(y)) for y in years]

    def clean(self):
        data = super().clean()
        if data.get("month") and not data.get("year"):
            self.add_error("month", _("请同时选择年份。"))
        return data

    def valid_values(self) -> dict:
        """Every field that passed, whatever the others did: bad values are dropped one by one."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors and value not in (None, "")}

    def messages(self) -> list[str]:
        return [f"{self.fields[name].label}：{'; '.join(errors)}" for name, errors in self.errors.items() if name in self.fields]


def _query(params: dict, **changes) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else "?"


def listing_context(index, request) -> dict:
    items = index.news_items()
    tags = Tag.objects.filter(pk__in=NewsPageTag.objects.filter(content_object__in=items).values("tag_id")).order_by("name")
    span = items.aggregate(first=Min("date"), last=Max("date"), first_event=Min("event_start"), last_event=Max("event_end"))
    dates = [timezone.localdate(v) if isinstance(v, datetime.datetime) else v for v in span.values() if v]
    years = list(range(max(dates).year, min(dates).year - 1, -1)) if dates else []
    form = NewsFilterForm(request.GET, tags=tags, years=years)
    values = form.valid_values()
    messages = form.messages()

    show = values.get("show", "")
    if show == "upcoming":
        items = items.upcoming()
    elif show == "past":
        items = items.past_events()
    else:
        items = items.order_by("-date", "-first_published_at", "-pk")
    if values.get("tag"):
        items = items.filter(tags__slug=values["tag"])
    if values.get("year"):
        items = items.in_period(values["year"], values.get("month"))

    paginator = Paginator(items.with_cards(), index.per_page)
    number = values.get("page", 1)
    if number > paginator.num_pages:
        messages.append(_("页码：没有第 %(page)s 页，已显示最后一页。") % {"page": number})
        number = paginator.num_pages
    page_obj = paginator.page(number)

    params = {k: v for k, v in values.items() if k in FILTER_PARAMS}
    tabs = [{"key": key, "label": label, "url": _query(params, show=key, page=None), "current": key == show} for key, label in SHOW_CHOICES]
    return {
        "filter_form": form,
        "filter_errors": messages,
        "filters_active": any(k in params for k in ("tag", "year", "month")),
        "current_tag": next((t for t in tags if t.slug == values.get("tag")), None),
        "tabs": tabs,
        "show": show,
        "items": page_obj.object_list,
        "page_obj": page_obj,
        "prev_url": _query(params, page=page_obj.previous_page_number()) if page_obj.has_previous() else "",
        "next_url": _query(params, page=page_obj.next_page_number()) if page_obj.has_next() else "",
        "rss_url": index.subpage_url("rss"),
        "atom_url": index.subpage_url("atom"),
        "ics_url": index.subpage_url("ics"),
    }
