"""Reusable pieces for the public forms (inquiries, and any later ones).

HoneypotMixin adds a field that people never see and bots fill in. Usage:

    class InquiryForm(HoneypotMixin, forms.ModelForm):
        ...

    {{ form }}   or   {{ form.website }} somewhere inside the <form>

A filled-in trap makes the form invalid with a neutral non-field error (a person whose browser
autofilled it by mistake can still see what happened); views that prefer to drop spam silently
check `form.honeypot_triggered()` before `is_valid()`. The field hides itself with the HTML
`hidden` attribute, not CSS or inline style, so it works under the strict CSP and for screen
readers, and it carries no label outside its wrapper.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class HoneypotWidget(forms.TextInput):
    template_name = "portal/forms/honeypot.html"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "tabindex": "-1", **(attrs or {})})


class HoneypotField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "")
        kwargs.setdefault("widget", HoneypotWidget())
        super().__init__(**kwargs)


class HoneypotMixin:
    honeypot_field_name = "website"
    honeypot_message = _("提交没有成功，请刷新页面后重试。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.honeypot_field_name] = HoneypotField()

    def honeypot_triggered(self) -> bool:
        return bool(self.is_bound and (self.data.get(self.add_prefix(self.honeypot_field_name)) or "").strip())

    def clean(self):
        cleaned = super().clean()
        if self.honeypot_triggered():
            raise ValidationError(self.honeypot_message, code="honeypot")
        cleaned.pop(self.honeypot_field_name, None)
        return cleaned
