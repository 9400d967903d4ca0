"""Two-factor sign-in to the Wagtail admin: a TOTP authenticator app plus one-time recovery codes.

Administrators of a government portal are expected to use a second factor (等保 2.0), so with
settings.PORTAL_REQUIRE_2FA on (production) superusers and members of PORTAL_2FA_GROUPS (Editors,
Moderators) cannot use the admin until they have enrolled an authenticator and, in each session,
typed its code. Other users (listing owners) may enrol from their account page; once they have, they are asked
for the code like everyone else. With the setting off (development, tests) nothing is enforced, so
the demo accounts sign in with their password alone.

django-otp does the cryptography, throttling and replay protection (TOTPDevice, StaticDevice for
the recovery codes); this module is the flow around Wagtail's own login: the password login is
unchanged, then TwoFactorMiddleware (after django-otp's OTPMiddleware) sends an unverified
session to the verify page, or to enrolment when the user has no authenticator yet. The QR code is
drawn on the server as inline SVG (segno): the secret never leaves the portal.
"""

from __future__ import annotations

import base64
import unicodedata
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
SESSION_FRESH_CODES = "portal_2fa_fresh_codes"

# Admin views an unverified session may still open: signing in and out, resetting a forgotten
# password, and the assets the sign-in pages need.
ALWAYS_ALLOWED = {"wagtailadmin_login", "wagtailadmin_logout", "wagtailadmin_javascript_catalog", "wagtailadmin_sprite", "portal_2fa_verify"}
# ...and, for a user who must enrol and has no authenticator yet, enrolment itself.
ALLOWED_WITHOUT_DEVICE = {"portal_2fa_setup"}


def required() -> bool:
    return bool(getattr(settings, "PORTAL_REQUIRE_2FA", False))


def must_enrol(user) -> bool:
    """Whether `user`'s role obliges them to use two-factor sign-in (when it is required at all)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    groups = getattr(settings, "PORTAL_2FA_GROUPS", ("Editors", "Moderators"))
    return user.groups.filter(name__in=groups).exists()


def _safe_next(request, default: str | None = None) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default or reverse("wagtailadmin_home")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class TwoFactorMiddleware:
    """Keeps an unverified session out of the admin (see the module docstring).

    After OTPMiddleware, which sets request.user.is_verified(). Only /admin/ is concerned: the
    public site has no signed-in features. process_view, so the resolved URL name decides, and an
    unknown admin URL stays a 404.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not required():
            return None
        if not request.path_info.startswith(getattr(settings, "PORTAL_ADMIN_URL_PREFIX", "/admin/")):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        name = request.resolver_match.url_name if request.resolver_match else None
        if name in ALWAYS_ALLOWED or (name or "").startswith("wagtailadmin_password_reset"):
            return None
        next_url = request.get_full_path() if request.method == "GET" else reverse("wagtailadmin_home")
        if user_has_device(user, confirmed=True):
            return redirect(_with_next("portal_2fa_verify", next_url))
        if must_enrol(user):
            if name in ALLOWED_WITHOUT_DEVICE:
                return None
            return redirect(_with_next("portal_2fa_setup", next_url))
        return None  # an owner who has not enrolled: optional for them


# --- forms --------------------------------------------------------------------------------------


def normalise_code(value: str) -> str:
    """What people type: full-width digits (NFKC), spaces and dashes between groups, capitals."""
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(value.split()).replace("-", "").lower()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "spellcheck": "false"}),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("请输入验证码。"))
        return code


# --- recovery codes -----------------------------------------------------------------------------


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT fresh ones (each works once)."""
    with transaction.atomic():
        # The same device, new tokens: a session verified with a recovery code stays verified.
        device = StaticDevice.objects.filter(user=user).order_by("pk").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=str(_("恢复码")), confirmed=True)
        StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.token_set.all().delete()
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def qr_svg(data: str) -> str:
    return segno.make(data, error="m", micro=False).svg_inline(scale=5, border=2, title=str(_("身份验证器二维码")))


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- views --------------------------------------------------------------------------------------


def verify(request):
    """After the password: the code from the authenticator app, or one recovery code."""
    next_url = _safe_next(request)
    if request.user.is_verified():
        return redirect(next_url)
    if not user_has_device(request.user, confirmed=True):
        return redirect(_with_next("portal_2fa_setup", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(request.user)
                messages.warning(request, _("你用了一个恢复码，还剩 %(count)d 个。手机找不回的话，请重新设置身份验证器并生成新的恢复码。") % {"count": left})
            return redirect(next_url)
        form.add_error("code", _("验证码不正确、已过期或已经用过。请输入身份验证器上当前的 6 位数字，或一个未用过的恢复码。"))
    return render(request, "portal/twofactor/verify.html", {"form": form, "next": next_url})


def setup(request):
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with one code.

    A user who already has one must be verified to replace it; confirming the new one removes the
    old and issues new recovery codes.
    """
    user = request.user
    next_url = _safe_next(request)
    if user_has_device(user, confirmed=True) and not user.is_verified():
        return redirect(_with_next("portal_2fa_verify", next_url))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(_("身份验证器")), confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save()
                codes = new_recovery_codes(user)
            otp_login(request, device)
            request.session[SESSION_FRESH_CODES] = codes
            messages.success(request, _("两步验证已开启。请把下面的恢复码抄下或打印，放在安全的地方。"))
            return redirect(_with_next("portal_2fa", next_url))
        form.add_error("code", _("验证码不正确。请确认手机时间准确，再输入应用上当前的 6 位数字。"))
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = {"form": form, "next": next_url, "qr_svg": qr_svg(device.config_url), "secret": grouped(secret), "required": required() and must_enrol(user)}
    return render(request, "portal/twofactor/setup.html", context)


def overview(request):
    """The account's two-factor status, fresh recovery codes once, and a way to renew them."""
    user = request.user
    enrolled = user_has_device(user, confirmed=True) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if request.method == "POST" and request.POST.get("action") == "new-codes":
        if enrolled and user.is_verified():
            request.session[SESSION_FRESH_CODES] = new_recovery_codes(user)
            messages.success(request, _("已生成新的恢复码，旧的恢复码全部作废。"))
        return redirect("portal_2fa")
    fresh = request.session.pop(SESSION_FRESH_CODES, None)
    context = {
        "page_title": _("两步验证"),
        "header_icon": "key",
        "enrolled": enrolled,
        "required": required() and must_enrol(user),
        "enforced": required(),
        "fresh_codes": fresh,
        "codes_left": recovery_codes_left(user),
        "next": _safe_next(request) if request.GET.get("next") else "",
    }
    return render(request, "portal/twofactor/overview.html", context)


def admin_urls():
    return [
        path("2fa/", overview, name="portal_2fa"),
        path("2fa/setup/", setup, name="portal_2fa_setup"),
        path("2fa/verify/", verify, name="portal_2fa_verify"),
    ]
