"""Forms: the index filters (GET), the public inquiry form, and the editors' invite/transfer forms."""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from homestays.availability import free_rooms_query, source_rooms
from homestays.models import Amenity, County, Grade, Inquiry
from homestays.owners import OWNERS_GROUP
from homestays.validators import PHONE_HELP, normalise_phone
from portal.filters import ListingFilterForm
from portal.forms import HoneypotMixin
from portal.places import place_choices, place_named

MAX_NIGHTS = 30
BOOKING_HORIZON_DAYS = 365
DISTANCE_CHOICES = [(2, _("2 公里内")), (5, _("5 公里内")), (10, _("10 公里内")), (20, _("20 公里内"))]
DEFAULT_KM = 5
SORT_CHOICES = [("", _("推荐")), ("price", _("价格从低到高")), ("-price", _("价格从高到低")), ("distance", _("离所选地点或线路最近"))]


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Keeps the known codes of a list and drops the rest, so one bad amenity in a shared link does
    not throw away the good ones; the dropped codes are reported by the form."""

    def clean(self, value):
        values = self.to_python(value)
        self.dropped = [v for v in values if not self.valid_value(v)]
        return [v for v in values if self.valid_value(v)]


def clean_stay(form, cleaned: dict) -> dict:
    """Check-in and check-out of a date search, shared by the index and a listing page: both or
    neither, check-out after check-in, from today, within a year and MAX_NIGHTS. A bad pair is
    dropped with a note (the list then ignores dates), never an error page."""
    checkin, checkout = cleaned.get("checkin"), cleaned.get("checkout")
    if not checkin and not checkout:
        return cleaned
    today = timezone.localdate()
    problem = None
    if checkin and not checkout:
        checkout = cleaned["checkout"] = checkin + dt.timedelta(days=1)
    if checkout and not checkin:
        problem = _("请同时选择入住和离店日期。")
    elif checkout <= checkin:
        problem = _("离店日期必须晚于入住日期。")
    elif checkin < today:
        problem = _("入住日期不能早于今天（%(today)s）。") % {"today": today.isoformat()}
    elif checkin > today + dt.timedelta(days=BOOKING_HORIZON_DAYS):
        problem = _("只能查询一年以内的日期。")
    elif (checkout - checkin).days > MAX_NIGHTS:
        problem = _("一次最多查询 %(n)d 晚。") % {"n": MAX_NIGHTS}
    if problem:
        form.note(_("%(problem)s 已忽略所选日期。") % {"problem": problem}, dropped=True)
        cleaned.pop("checkin", None)
        cleaned.pop("checkout", None)
    return cleaned


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StayForm(ListingFilterForm):
    """?checkin=&checkout=&guests= on a listing page: the price for those dates and whether a room
    is free, with the inquiry form filled in."""

    checkin = forms.DateField(label=_("入住日期"), required=False, widget=date_input())
    checkout = forms.DateField(label=_("离店日期"), required=False, widget=date_input())
    guests = forms.IntegerField(label=_("入住人数"), required=False, min_value=1, max_value=100, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "stay_%s")  # the listing's inquiry form has its own "guests"
        super().__init__(*args, **kwargs)

    def adjust(self, cleaned: dict) -> dict:
        return clean_stay(self, cleaned)


class HomestayFilterForm(ListingFilterForm):
    """GET filters of /homestays/. Bad values never fail the page: they are left out of the query,
    listed in `notes()` for the visitor, and not echoed back into the form."""

    county = forms.ChoiceField(label=_("县区"), required=False, choices=[("", _("全部县区"))] + County.choices)
    grade = forms.ChoiceField(label=_("等级"), required=False, choices=[("", _("全部等级"))] + Grade.choices)
    price_min = forms.IntegerField(
        label=_("最低价（元/晚）"), required=False, min_value=0, max_value=100_000, widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"})
    )
    price_max = forms.IntegerField(
        label=_("最高价（元/晚）"),
        required=False,
        min_value=0,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "800"}),
    )
    checkin = forms.DateField(label=_("入住日期"), required=False, widget=date_input())
    checkout = forms.DateField(label=_("离店日期"), required=False, widget=date_input())
    guests = forms.IntegerField(label=_("入住人数"), required=False, min_value=1, max_value=100, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    amenities = LenientMultipleChoiceField(label=_("设施"), required=False, choices=Amenity.choices, widget=forms.CheckboxSelectMultiple)
    # Any stop or sight of the gazetteer (portal.places); what it lists comes from the data, and a
    # name typed into the URL (?near=塔尔寺, ?near=Kumbum) is matched as search matches it.
    near = forms.CharField(label=_("离…最近"), required=False, widget=forms.Select)
    route = forms.ChoiceField(label=_("靠近线路"), required=False, choices=[("", _("不限线路"))])
    km = forms.TypedChoiceField(label=_("距离"), required=False, coerce=int, choices=DISTANCE_CHOICES, empty_value=None, initial=DEFAULT_KM)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, routes: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.routes = routes or {}
        self.fields["route"].choices = [("", _("不限线路"))] + [(key, r["name"]) for key, r in self.routes.items()]
        self.fields["near"].widget.choices = [("", _("不限地点"))] + place_choices()
        self.near_place = None  # the portal.places.Place ?near= named, once cleaned

    def clean_near(self):
        """A place of the gazetteer, by its canonical name; an unknown one is dropped with a note
        saying so (the list then shows every homestay, not an empty page)."""
        text = " ".join((self.cleaned_data.get("near") or "").split())[:60]
        if not text:
            return ""
        match = place_named(text)
        if match is None:
            self.note(_("没有找到叫“%(name)s”的站点或景点，下面是全部民宿。请在“离…最近”里选一个地点。") % {"name": text[:30]}, dropped=True)
            return ""
        self.near_place = match.place
        return match.place.name

    def clean(self):
        cleaned = super().clean()
        lo, hi = cleaned.get("price_min"), cleaned.get("price_max")
        if lo is not None and hi is not None and lo > hi:
            cleaned["price_min"], cleaned["price_max"] = hi, lo
            self.note(_("最低价高于最高价，已按 %(lo)s–%(hi)s 元筛选。") % {"lo": hi, "hi": lo})
        if cleaned.get("sort") == "distance" and not cleaned.get("route") and not cleaned.get("near"):
            cleaned["sort"] = ""
            self.note(_("按距离排序需要先选择一个地点或一条线路，现按推荐排序。"))
        return cleaned

    def adjust(self, cleaned: dict) -> dict:
        cleaned = clean_stay(self, cleaned)
        if cleaned.get("route") and not cleaned.get("km"):
            cleaned["km"] = DEFAULT_KM
        if not cleaned.get("route"):
            cleaned.pop("km", None)
        dropped = getattr(self.fields["amenities"], "dropped", [])
        if dropped:
            self.note(_("未知的设施已忽略：%(codes)s") % {"codes": "、".join(str(d)[:30] for d in dropped[:5])}, dropped=True)
        return cleaned

    def querystring(self, without: str | None = None, **overrides) -> str:
        if without == "checkin":  # the dates go together
            rest = {k: v for k, v in self.filters().items() if k not in ("checkin", "checkout")}
            rest.update({k: v for k, v in overrides.items() if v is not None})
            return urlencode(rest, doseq=True)
        if without == "route":  # the route's radius and distance sort go with it
            overrides = {"km": None, **overrides}
            rest = {k: v for k, v in self.filters().items() if k not in ("route", "km") and not (k == "sort" and v == "distance")}
            rest.update({k: v for k, v in overrides.items() if v is not None})
            return urlencode(rest, doseq=True)
        return super().querystring(without, **overrides)

    def copy_kwargs(self) -> dict:
        return {"routes": self.routes}


# Format characters that emoji are built from: the zero-width joiner of family and profession
# emoji (👨‍👩‍👧) and the tag characters of subdivision flags. Other Cf (bidi overrides) stay refused.
EMOJI_FORMAT_CHARS = {"\u200d"} | {chr(c) for c in range(0xE0020, 0xE0080)}


def _no_control_chars(value: str) -> str:
    value = (value or "").strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in EMOJI_FORMAT_CHARS for ch in value):
        raise forms.ValidationError(_("请不要输入换行或特殊控制字符。"))
    return value


class InquiryForm(HoneypotMixin, forms.ModelForm):
    """The traveller's question. HoneypotMixin adds the "website" trap field (hidden from people);
    views.inquire drops a trapped submission silently."""

    class Meta:
        model = Inquiry
        fields = ["name", "phone", "arrival", "departure", "guests", "room", "message", "consent"]
        labels = {
            "name": _("您的称呼"),
            "phone": _("手机或电话"),
            "arrival": _("入住日期"),
            "departure": _("离店日期"),
            "guests": _("入住人数"),
            "room": _("房型（选填）"),
            "message": _("留言（选填）"),
            "consent": _("我同意民宿业主通过以上电话联系我，处理本次咨询。"),
        }
        help_texts = {"phone": PHONE_HELP}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name", "maxlength": 60}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "maxlength": 30}),
            "arrival": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "departure": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "guests": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
            "message": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        }
        error_messages = {
            "name": {"required": _("请填写您的称呼。")},
            "phone": {"required": _("请填写联系电话，业主会打电话给您。")},
            "arrival": {"required": _("请选择入住日期。"), "invalid": _("入住日期格式不对，请用 2026-07-01 这样的格式。")},
            "departure": {"required": _("请选择离店日期。"), "invalid": _("离店日期格式不对，请用 2026-07-03 这样的格式。")},
            "guests": {"required": _("请填写入住人数。"), "invalid": _("入住人数必须是数字。")},
        }

    # Not a model field of the form: the view stores it itself, so that a repeated token is found
    # by the unique constraint (see views._save_once). Optional, for pages cached before it existed.
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, listing=None, rooms=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.listing = listing
        self.fields["guests"].min_value = 1
        self.fields["consent"].required = True
        self.fields["consent"].error_messages["required"] = _("需要您同意业主联系您，才能发送咨询。")
        if listing is not None and listing.guest_limit:
            self.fields["guests"].widget.attrs["max"] = listing.guest_limit
        # Only this listing's room types ("any" when the visitor does not mind), from the rooms the
        # page already loaded when it passes them.
        self.rooms = list(rooms if rooms is not None else (listing.rooms.all() if listing is not None and listing.pk else []))
        self.fields["room"] = forms.TypedChoiceField(
            label=_("房型（选填）"),
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", _("任意房型"))] + [(r.pk, _("%(room)s（¥%(price)s/晚起）") % {"room": r.room_type, "price": r.price_per_night}) for r in self.rooms],
        )
        today = timezone.localdate()
        self.fields["arrival"].widget.attrs["min"] = today.isoformat()
        self.fields["departure"].widget.attrs["min"] = (today + dt.timedelta(days=1)).isoformat()

    def clean_form_token(self):
        value = (self.cleaned_data.get("form_token") or "").strip()
        if not value:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            raise forms.ValidationError(_("表单已失效，请刷新页面后重新提交。"), code="form_token")

    def clean_name(self):
        return _no_control_chars(self.cleaned_data["name"])

    def clean_room(self):
        room_id = self.cleaned_data.get("room")
        return next((r for r in self.rooms if r.pk == room_id), None) if room_id else None

    def clean_message(self):
        value = (self.cleaned_data.get("message") or "").strip()
        return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))

    def clean_phone(self):
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except ValueError:
            raise forms.ValidationError(_("电话号码格式不正确。%(help)s") % {"help": PHONE_HELP})

    def clean_arrival(self):
        arrival = self.cleaned_data["arrival"]
        today = timezone.localdate()  # Xining's today (Asia/Shanghai), not the server's
        if arrival < today:
            raise forms.ValidationError(_("入住日期不能早于今天（%(today)s）。") % {"today": today.isoformat()})
        if arrival > today + dt.timedelta(days=BOOKING_HORIZON_DAYS):
            raise forms.ValidationError(_("只能咨询一年以内的入住日期。"))
        return arrival

    def clean_guests(self):
        guests = self.cleaned_data["guests"]
        if guests < 1:
            raise forms.ValidationError(_("入住人数至少 1 人。"))
        capacity = self.listing.guest_limit if self.listing is not None else 0
        if capacity and guests > capacity:
            raise forms.ValidationError(_("这家民宿最多可住 %(n)d 人，请减少人数或分开咨询。") % {"n": capacity})
        return guests

    def clean(self):
        cleaned = super().clean()
        arrival, departure = cleaned.get("arrival"), cleaned.get("departure")
        if arrival and departure:
            if departure <= arrival:
                self.add_error("departure", _("离店日期必须晚于入住日期。"))
            elif (departure - arrival).days > MAX_NIGHTS:
                self.add_error("departure", _("一次最多咨询 %(n)d 晚；更长的住宿请直接电话联系。") % {"n": MAX_NIGHTS})
            elif self.listing is not None:
                self.full_warning = self.dates_full(arrival, departure, cleaned.get("room"))
        return cleaned

    full_warning = False

    def dates_full(self, arrival, departure, room=None) -> bool:
        """No room type (or not the one chosen) free for every night: a warning, not an error, since
        the owner may still find a bed, and the visitor may ask anyway."""

        rooms = list(self.listing.rooms.all())
        sources = source_rooms(self.listing, rooms)
        wanted = [sources[r.pk].pk for r in rooms if r.pk in sources and (room is None or r.pk == room.pk)]
        return not free_rooms_query(arrival, departure).filter(pk__in=wanted).exists()


class InviteOwnerForm(forms.Form):
    username = forms.CharField(
        label=_("登录用户名"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("业主登录后台用的名字，例如 zhuoma 或手机号。"),
    )
    name = forms.CharField(label=_("业主姓名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), help_text=_("设置密码的链接和住宿咨询都发到这个邮箱。"))
    title = forms.CharField(label=_("民宿名称"), max_length=200)
    county = forms.ChoiceField(label=_("县区"), choices=County.choices)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名“%(u)s”已被使用，请换一个。") % {"u": username})
        return username

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is not None:
            raise forms.ValidationError(_("这个邮箱已属于账号“%(u)s”。如需把民宿交给该账号，请在民宿页面用“更换业主”。") % {"u": user.username})
        return email

    def clean_name(self):
        return _no_control_chars(self.cleaned_data["name"])

    def clean_title(self):
        return _no_control_chars(self.cleaned_data["title"])


class TransferOwnerForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("新业主"), queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        User = get_user_model()
        self.fields["owner"].queryset = User.objects.filter(is_active=True, groups__name=OWNERS_GROUP).order_by("username").distinct()
        self.fields["owner"].label_from_instance = lambda u: f"{u.get_full_name() or u.username}（{u.username}）"
