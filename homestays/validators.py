"""Chinese phone numbers as guests and owners type them: mobiles, landlines with area code, +86."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-－—–()（）.]")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
# 0971-1234567, 010 12345678; with +86 the trunk 0 may be left out (+86 971 1234567).
_LANDLINE = re.compile(r"(?:0|\+?860?)([1-9]\d{8,10})")
_ALLOWED = re.compile(r"[\d+\s\-－—–()（）.]+")

PHONE_HELP = _("手机号（如 13912345678）或带区号的座机（如 0971-1234567），可加 +86。")


def normalise_phone(value: str) -> str:
    """The number in one canonical form, or ValueError.

    Mobiles become 11 digits (13912345678); landlines 0971-1234567. One form means owners can
    search their inquiries and a tel: link always works.
    """
    # NFKC: full-width digits, plus signs and the ideographic space (１３９ ８０００ ０００１) are
    # what Chinese input methods type.
    raw = unicodedata.normalize("NFKC", value or "").strip()
    if not raw or not _ALLOWED.fullmatch(raw) or raw.count("+") > 1 or ("+" in raw and not raw.startswith("+")):
        raise ValueError(raw)
    digits = _SEPARATORS.sub("", raw)
    if m := _MOBILE.fullmatch(digits):
        return m.group(1)
    if m := _LANDLINE.fullmatch(digits):
        rest = m.group(1)
        # Area codes after the trunk 0 are two digits for 10 and 20–29 (Beijing, Shanghai, …),
        # three for everywhere else (971 Xining); the local number has 7 or 8 digits.
        area_len = 2 if rest.startswith(("10", "2")) else 3
        area, number = rest[:area_len], rest[area_len:]
        if area[0] != "1" or area == "10":
            if 7 <= len(number) <= 8:
                return f"0{area}-{number}"
    raise ValueError(raw)


def validate_phone(value: str) -> None:
    try:
        normalise_phone(value)
    except ValueError:
        raise ValidationError(_("电话号码格式不正确。%(help)s") % {"help": PHONE_HELP}, code="invalid_phone")


def tel_href(value: str) -> str:
    """tel: URI for a stored number: digits only, with +86 so it dials from abroad too."""
    try:
        number = normalise_phone(value)
    except ValueError:
        return ""
    return "tel:+86" + number.replace("-", "").removeprefix("0")
