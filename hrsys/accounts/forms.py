from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from hrsys.core.middleware import client_ip

from . import services


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login with the same failure throttling as the API token endpoint."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many failed logins. Try again in 15 minutes."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        if username and services.login_is_throttled(username=username, ip=ip):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                services.login_failed(username=username, ip=ip)
            raise
        services.login_succeeded(username=username)
        return cleaned
