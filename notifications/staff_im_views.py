"""The staff user's Messages page (R-CN-2): where their staff messages go, and binding their WeCom / DingTalk
account by mobile number. Thin: the writes are ``notifications.staff_im`` services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hrsys.core.masking import mask_phone

from . import staff_im
from .models import StaffMessaging


class ChannelForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Send my staff messages by"), widget=forms.RadioSelect)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(value, label) for value, label in StaffMessaging.Choice.choices
                                          if value == StaffMessaging.Choice.EMAIL or value in providers]


BIND_MESSAGES = {
    "bound": gettext_lazy("Your %(provider)s account is bound."),
    "not_found": gettext_lazy("%(provider)s has no member with your mobile number (or the app cannot see you). "
                              "Ask HR to check your number and the app's visible range."),
    "no_phone": gettext_lazy("There is no mobile number on your account: ask HR to add it, then bind again."),
}


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def staff_messaging(request):
    user = request.user
    providers = staff_im.configured_providers()
    row = staff_im.staff_messaging_of(user)
    form = ChannelForm(request.POST or None, initial={"channel": row.channel}, providers=providers)
    status = 200
    if request.method == "POST":
        bind = request.POST.get("bind", "")
        try:
            if bind:
                outcome = staff_im.staff_im_bind(user=user, provider=bind, actor=user)
                level = messages.SUCCESS if outcome == "bound" else messages.WARNING
                messages.add_message(request, level, BIND_MESSAGES[outcome] % {
                    "provider": staff_im.provider_label(bind)})
                return redirect("notifications:staff-messaging")
            if form.is_valid():
                channel = form.cleaned_data["channel"]
                staff_im.staff_messaging_set(user=user, channel=channel, actor=user)
                messages.success(request, _("Saved."))
                row = staff_im.staff_messaging_of(user)
                if channel != StaffMessaging.Choice.EMAIL and not row.provider_userid(channel):
                    outcome = staff_im.staff_im_bind(user=user, provider=channel, actor=user)
                    level = messages.SUCCESS if outcome == "bound" else messages.WARNING
                    messages.add_message(request, level, BIND_MESSAGES[outcome] % {
                        "provider": staff_im.provider_label(channel)})
                return redirect("notifications:staff-messaging")
            status = 400
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            status = 400
    bindings = [{"provider": p, "label": staff_im.provider_label(p), "bound": bool(row.provider_userid(p)),
                 "at": getattr(row, f"{p}_bound_at")} for p in providers]
    return render(request, "notifications/staff_messaging.html", {
        **admin.site.each_context(request), "title": _("Staff messages"), "form": form, "bindings": bindings,
        "phone": mask_phone(user.phone), "current": row.channel,
        "falls_back": row.channel != StaffMessaging.Choice.EMAIL and staff_im.staff_channel(user_id=user.pk) is None,
    }, status=status)
