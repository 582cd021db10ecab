"""Privacy notices and consent in the admin (R-SEC-5): HR publishes a new version of their organisation's notice,
sees who agreed to what, and records consent a candidate gave on paper. Nothing is edited or deleted afterwards:
a new version, a new answer."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hrsys.accounts.models import Department
from hrsys.api.errors import Conflict, error_messages
from hrsys.core.admin_mixins import ScopedAdmin

from . import consent
from .models import Candidate, ConsentChannel, ConsentRecord, PrivacyNotice, Purpose


def _organisations(user):
    return Department.objects.for_user(user).filter(kind=Department.Kind.ORGANIZATION)


class PrivacyNoticeForm(forms.ModelForm):
    class Meta:
        model = PrivacyNotice
        fields = ("organization", "text_zh_hans", "text_en")
        widgets = {"text_zh_hans": forms.Textarea(attrs={"rows": 14}), "text_en": forms.Textarea(attrs={"rows": 14})}

    def clean(self):
        data = super().clean()
        org = data.get("organization")
        errors = consent.privacy_notice_errors(actor=self.user, organization_id=org.pk if org else None,
                                               text_zh_hans=data.get("text_zh_hans", ""),
                                               text_en=data.get("text_en", ""))
        if errors:
            raise ValidationError(errors)
        return data


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(ScopedAdmin):
    """Each organisation's notice, version by version. "Add" publishes the next version, prefilled with the one
    shown now; candidates are asked again in the portal."""

    form = PrivacyNoticeForm
    list_display = ("organization", "version", "published_at", "published_by")
    list_filter = ("organization",)
    list_select_related = ("organization", "published_by")
    readonly_fields = ("version", "published_at", "published_by")
    log_access = False  # the notice is no one's personal data

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("organization", "text_zh_hans", "text_en")
        return ("organization", "version", "published_at", "published_by", "text_zh_hans", "text_en")

    def get_readonly_fields(self, request, obj=None):
        return ("organization", "version", "published_at", "published_by", "text_zh_hans", "text_en") if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = _organisations(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        """The notice shown now, to edit: of the organisation asked for (``?organization=``), else the viewer's
        first."""
        orgs = _organisations(request.user)
        org = orgs.filter(pk=request.GET.get("organization") or 0).first() or orgs.first()
        if org is None:
            return {}
        current = consent.notice_current(org.pk)
        return {"organization": org.pk, "text_zh_hans": current.text_zh_hans, "text_en": current.text_en}

    def has_change_permission(self, request, obj=None):
        return False  # published versions never change: "Add" publishes the next one

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        notice = consent.privacy_notice_publish(actor=request.user, organization_id=data["organization"].pk,
                                                text_zh_hans=data["text_zh_hans"], text_en=data["text_en"])
        obj.pk, obj.version = notice.pk, notice.version

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, _("Version %(v)s of the privacy notice is published: candidates are asked to "
                                     "agree again in the portal.") % {"v": obj.version}, messages.SUCCESS)
        return self.response_post_save_add(request, obj)


class ConsentRecordForm(forms.ModelForm):
    """HR records what a candidate agreed to or withdrew outside the portal (on paper, by phone)."""

    class Meta:
        model = ConsentRecord
        fields = ("candidate", "organization", "purpose", "given")


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ScopedAdmin):
    form = ConsentRecordForm
    list_display = ("candidate", "organization", "purpose", "answer", "notice_version", "at", "channel",
                    "recorded_by")
    list_filter = ("purpose", "given", "channel", "organization")
    list_select_related = ("candidate", "organization", "recorded_by")
    raw_id_fields = ("candidate",)
    date_hierarchy = "at"

    @admin.display(description=gettext_lazy("answer"), ordering="given")
    def answer(self, obj):
        return _("agreed") if obj.given else _("withdrawn")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("candidate", "organization", "purpose", "given")
        return ("candidate", "organization", "purpose", "given", "notice_version", "at", "channel", "recorded_by")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "candidate":
            kwargs["queryset"] = Candidate.objects.for_user(request.user)
        if db_field.name == "organization":
            kwargs["queryset"] = _organisations(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False  # an answer is never edited: a new record is the new answer

    def has_delete_permission(self, request, obj=None):
        return False  # the proof that processing had a basis

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        where = {"candidate_id": data["candidate"].pk, "organization_id": data["organization"].pk,
                 "channel": ConsentChannel.STAFF, "actor": request.user}
        if data["given"]:
            obj.pk = consent.consent_give(purposes=[data["purpose"]], **where)[0].pk
        else:
            obj.pk = consent.consent_withdraw(purpose=data["purpose"], **where).pk

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except (ValidationError, Conflict) as exc:  # e.g. withdrawing what was never given: said, nothing saved
            for msg in error_messages(exc):
                self.message_user(request, msg, messages.ERROR)
            return self.response_post_save_add(request, ConsentRecord())


__all__ = ["ConsentRecordAdmin", "PrivacyNoticeAdmin", "Purpose"]
