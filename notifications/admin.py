from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import JsonResponse
from django.template.defaultfilters import linebreaks_filter as linebreaks
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from hrsys.audit.labels import object_type_label
from hrsys.core.admin_mixins import ReadOnlyAdmin, ScopedAdmin, labelled_filter

from . import recipients, selectors, staff_im
from .api import PdfUnavailable, evidence_response
from .catalog import TEMPLATE_KEYS, sample_context, template_label
from .models import (
    CandidateAction,
    DeliveryAttempt,
    DeliveryReceipt,
    EscalationPolicy,
    MessageTemplate,
    Notification,
    ProviderCircuit,
    SmsProviderTemplate,
    StaffMessaging,
    TrackedLink,
)
from .rendering import render_message, render_texts, sms_parts, validate_template


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttemptInline(_ReadOnlyInline):
    model = DeliveryAttempt
    fields = ("number", "started_at", "finished_at", "outcome", "backend", "provider_message_id", "error_code",
              "error_message", "worker")
    readonly_fields = fields


class ReceiptInline(_ReadOnlyInline):
    model = DeliveryReceipt
    fields = ("received_at", "provider_status", "error_code", "provider_message_id", "applied", "payload")
    readonly_fields = fields


class ActionInline(_ReadOnlyInline):
    model = CandidateAction
    fields = ("at", "kind", "channel", "detail", "user_agent")
    readonly_fields = fields


class LinkInline(_ReadOnlyInline):
    model = TrackedLink
    fields = ("token", "target_url", "created_at")
    readonly_fields = fields


class CandidateFilter(admin.SimpleListFilter):
    """``?candidate=<id>``: the messages to one candidate (the "Messages" links of the candidate and application
    pages). A candidate outside the viewer's scope gives an empty list, as one that does not exist (R-SEC-1)."""

    title = _("candidate")
    parameter_name = "candidate"

    def lookups(self, request, model_admin):
        value = self.value()
        if not value:
            return []  # shown only when a candidate is chosen
        directory = recipients.directory_for(selectors.CANDIDATE)
        name = directory.visible(request.user, [value]).get(value) if directory else None
        return [(value, name or value)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(selectors.for_recipient_q(user=request.user, recipient_type=selectors.CANDIDATE,
                                                         recipient_id=self.value()))


def _message_filter(field: str):
    """Messages or texts by what they are ("Interview reminder"), not by their template key."""
    return labelled_filter(field, _("message"), lambda request, model_admin: sorted(
        ((key, template_label(key)) for key in TEMPLATE_KEYS), key=lambda kv: kv[1]))


class MessageKindColumns:
    """What a message is and to whom, in words (issue 15: no template keys or model labels in what staff read)."""

    @admin.display(description=_("message"), ordering="template_key")
    def message_kind(self, obj):
        return template_label(obj.template_key)

    @admin.display(description=_("recipient type"))
    def recipient_kind(self, obj):
        return object_type_label(obj.recipient_type)


@admin.register(Notification)
class NotificationAdmin(MessageKindColumns, ReadOnlyAdmin, ScopedAdmin):
    """Every message with its full trail (R-NS-4); evidence exports per recipient. The search box finds a
    candidate's messages by their name (or exactly by phone / e-mail), within the viewer's scope (R-UI-2)."""

    list_display = ("id", "recipient_name", "recipient_kind", "recipient_id", "channel", "message_kind", "status",
                    "due_at", "sent_at", "attempt_count")
    list_filter = (CandidateFilter, "status", "channel", _message_filter("template_key"), "department")
    search_fields = ("=recipient_id", "=idempotency_key", "=provider_message_id", "template_key")
    date_hierarchy = "created_at"
    inlines = [AttemptInline, ReceiptInline, ActionInline, LinkInline]
    # the texts as staff may read them (a sign-in code masked), in place of the stored fields
    readonly_fields = [{"body": "visible_body", "html_body": "visible_html_body", "template_key": "message_kind",
                        "recipient_type": "recipient_kind", "related_type": "related_kind"}.get(f.name, f.name)
                       for f in Notification._meta.fields if f.name not in ("context", "public_token",
                                                                            "idempotency_key")]

    @admin.display(description=_("related object type"))
    def related_kind(self, obj):
        return object_type_label(obj.related_type) if obj.related_type else "-"
    # shown in words by message_kind / recipient_kind / related_kind; the public token is the link's secret
    # and the idempotency key is the outbox's own bookkeeping (still searchable with "=")
    exclude = ("context", "body", "html_body", "template_key", "recipient_type", "related_type", "public_token",
               "idempotency_key")

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if not (search_term or "").strip():
            return found, duplicates
        return found | queryset.filter(selectors.recipient_search_q(user=request.user, term=search_term)), duplicates

    @admin.display(description=_("body"))
    def visible_body(self, obj):
        return obj.visible_body

    @admin.display(description=_("HTML body"))
    def visible_html_body(self, obj):
        return obj.visible_html_body
    export_columns = (
        (_("id"), lambda n: n.pk), (_("recipient"), lambda n: n.recipient_name),
        (_("recipient type"), lambda n: object_type_label(n.recipient_type)), (_("recipient id"), lambda n: n.recipient_id),
        (_("channel"), lambda n: n.get_channel_display()), (_("message"), lambda n: template_label(n.template_key)),
        (_("status"), lambda n: n.get_status_display()), (_("subject"), lambda n: n.subject), (_("body"), lambda n: n.visible_body),
        (_("due at"), lambda n: n.due_at), (_("sent at"), lambda n: n.sent_at),
        (_("delivered at"), lambda n: n.delivered_at), (_("read at"), lambda n: n.read_at),
        (_("failed at"), lambda n: n.failed_at), (_("provider message id"), lambda n: n.provider_message_id),
        (_("last error"), lambda n: n.last_error),
    )
    actions = ["export_csv", "export_xlsx", "export_evidence_docx", "export_evidence_pdf", "export_evidence_csv"]

    def _evidence(self, request, queryset, fmt):
        recipients = set(queryset.values_list("recipient_type", "recipient_id"))
        if len(recipients) != 1:
            self.message_user(request, _("Select notifications of exactly one recipient for an evidence report."),
                              messages.ERROR)
            return None
        recipient_type, recipient_id = recipients.pop()
        try:
            return evidence_response(user=request.user, recipient_type=recipient_type, recipient_id=recipient_id,
                                     fmt=fmt, channel="admin")
        except PdfUnavailable as exc:
            self.message_user(request, str(exc.detail), messages.ERROR)
            return None

    @admin.action(description=_("Evidence report of the recipient (DOCX)"), permissions=["view"])
    def export_evidence_docx(self, request, queryset):
        return self._evidence(request, queryset, "docx")

    @admin.action(description=_("Evidence report of the recipient (PDF)"), permissions=["view"])
    def export_evidence_pdf(self, request, queryset):
        return self._evidence(request, queryset, "pdf")

    @admin.action(description=_("Evidence report of the recipient (CSV)"), permissions=["view"])
    def export_evidence_csv(self, request, queryset):
        return self._evidence(request, queryset, "csv")


@admin.register(CandidateAction)
class CandidateActionAdmin(MessageKindColumns, ScopedAdmin, ReadOnlyAdmin):
    list_display = ("at", "kind", "channel", "recipient_kind", "recipient_id", "notification")
    list_filter = ("kind", "channel")
    search_fields = ("=recipient_id",)


@admin.register(DeliveryReceipt)
class DeliveryReceiptAdmin(ScopedAdmin, ReadOnlyAdmin):
    list_display = ("received_at", "provider", "provider_message_id", "provider_status", "applied", "notification")
    list_filter = ("provider_status", "applied")
    search_fields = ("=provider_message_id",)


@admin.register(ProviderCircuit)
class ProviderCircuitAdmin(ReadOnlyAdmin):
    """Which sending backends are paused after failing again and again, until when, and the last error (no
    personal data: the provider's code and message)."""

    list_display = ("backend", "consecutive_failures", "open_until", "opened_count", "last_error", "updated_at")


class SmsProviderTemplateInline(admin.StackedInline):
    """The template's code and parameters at Aliyun / Tencent Cloud SMS (R-CN-1): domestic providers send only
    templates approved beforehand. Stacked: each field keeps its label (a table row's inputs have none, WCAG 1.3.1)."""

    model = SmsProviderTemplate
    extra = 0
    fields = ("provider", "code", "parameters")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 40})}}


def sms_signature() -> str:
    """The signature the configured domestic provider puts before every message (【医院】), counted in its length;
    empty for Twilio and the console."""
    from .channels.domestic_sms import configured_provider, sign_name  # noqa: PLC0415 - the SDKs load only when a form asks

    provider = configured_provider()
    name = sign_name(provider) if provider else ""
    return f"【{name}】" if name else ""


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """HR edits message texts here; unknown variables are rejected on save. "Preview" renders what is in the
    form, unsaved, with sample data, and counts the SMS parts it would cost (R-NS-2)."""

    list_display = ("message_name", "language", "channel", "subject", "updated_at")
    list_filter = (_message_filter("key"), "language", "channel")
    readonly_fields = ("allowed_variables", "preview")

    def get_inlines(self, request, obj):
        """The provider template codes (R-CN-1) once a domestic SMS provider is configured, or the template has
        codes already; with Twilio or the console the form is as before."""
        from .channels.domestic_sms import configured_provider  # noqa: PLC0415 - the SDKs load only when a form asks

        if configured_provider() or (obj is not None and obj.pk and obj.provider_codes.exists()):
            return [SmsProviderTemplateInline]
        return []

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "key":  # choose the message by what it is; its key stays internal
            choices = sorted(((k, template_label(k)) for k in TEMPLATE_KEYS), key=lambda kv: kv[1])
            return forms.ChoiceField(choices=choices, label=_("message"), required=True)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):  # a reader sees the message's name
            fields = ["message_name" if f == "key" else f for f in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "message_name")

    @admin.display(description=_("message"), ordering="key")
    def message_name(self, obj):
        return template_label(obj.key)
    fields = ("key", "language", "channel", "allowed_variables", "subject", "body", "html_body", "preview")

    class Media:
        js = ("notifications/template_preview.js",)

    def get_urls(self):
        return [path("preview/", self.admin_site.admin_view(self.preview_view),
                     name="notifications_messagetemplate_preview"), *super().get_urls()]

    def preview_view(self, request):
        """POST the form's fields; answers the rendering or the field errors as JSON. Nothing is saved."""
        if request.method != "POST":
            return JsonResponse({"error": "POST"}, status=405)
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        key, channel = request.POST.get("key", ""), request.POST.get("channel", "")
        language = request.POST.get("language") or settings.LANGUAGE_CODE
        sources = {name: request.POST.get(name, "") for name in ("subject", "body", "html_body")}
        try:
            validate_template(key, **sources)
            subject, body, html = render_texts(**sources, language=language, channel=channel or "sms",
                                               context=sample_context(language))
        except ValidationError as exc:
            return JsonResponse({"errors": exc.message_dict}, status=400)
        signature = sms_signature() if channel in ("", "sms") else ""
        chars, parts = sms_parts(signature + body)  # domestic providers count their 【signature】 too
        return JsonResponse({"subject": subject, "body": body, "html": html, "characters": chars,
                             "sms_parts": parts if channel in ("", "sms") else None, "signature": signature})

    @admin.display(description=_("Allowed variables"))
    def allowed_variables(self, obj):
        keys = [obj.key] if obj is not None and obj.key in TEMPLATE_KEYS else list(TEMPLATE_KEYS)
        return "; ".join(f"{template_label(key)}: " + ", ".join(sorted(TEMPLATE_KEYS[key]["variables"]))
                         for key in keys)

    @admin.display(description=_("Preview with sample data"))
    def preview(self, obj):
        # The live preview (template_preview.js) reads its endpoint and labels from this element.
        hooks = format_html('<span id="template-preview-hooks" hidden data-url="{}" data-button-label="{}" '
                            'data-counts-label="{}" data-signature-label="{}"></span>',
                            reverse("admin:notifications_messagetemplate_preview"),
                            _("Preview the texts in the form"),
                            _("%(chars)s characters, %(parts)s SMS part(s)"),
                            _("(counted with the signature %(signature)s)"))
        if obj is None or obj.pk is None:
            return hooks
        subject, body, _html = render_message(key=obj.key, language=obj.language, channel=obj.channel or "sms",
                                              context=sample_context(obj.language))
        counts = ""
        if obj.channel in ("", "sms"):  # the SMS length, as the provider bills it (its 【signature】 included)
            signature = sms_signature()
            chars, parts = sms_parts(signature + body)
            counts = _("%(chars)s characters, %(parts)s SMS part(s)") % {"chars": chars, "parts": parts}
            if signature:
                counts += " " + _("(counted with the signature %(signature)s)") % {"signature": signature}
        return format_html('{}<strong>{}</strong><div>{}</div><p class="help" id="template-sms-length">{}</p>',
                           hooks, subject, mark_safe(linebreaks(body, autoescape=True)),  # noqa: S308 - escaped
                           counts)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "trigger", "after_minutes", "fallback_channel", "active")
    list_filter = ("trigger", "active")


class StaffMessagingForm(forms.ModelForm):
    class Meta:
        model = StaffMessaging
        fields = ("user", "channel")


@admin.register(StaffMessaging)
class StaffMessagingAdmin(ScopedAdmin):
    """HR and administrators set where a staff user's staff messages go and bind them by mobile number (R-CN-2).
    Saving goes through ``staff_im.staff_messaging_set`` (checked, audited); the provider ids are never shown."""

    form = StaffMessagingForm
    list_display = ("user", "channel", "wecom_bound_at", "dingtalk_bound_at")
    list_filter = ("channel",)
    search_fields = ("user__username", "user__full_name")
    autocomplete_fields = ("user",)
    readonly_fields = ("wecom_bound_at", "dingtalk_bound_at", "updated_at")
    actions = ["bind_wecom", "bind_dingtalk"]
    log_access = False

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        try:
            saved = staff_im.staff_messaging_set(user=obj.user, channel=obj.channel, actor=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            saved = staff_im.staff_messaging_of(obj.user)
        obj.pk = saved.pk

    def _bind(self, request, queryset, provider):
        counts: dict[str, int] = {}
        for row in queryset.select_related("user"):
            try:
                outcome = staff_im.staff_im_bind(user=row.user, provider=provider, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{row.user}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            counts[outcome] = counts.get(outcome, 0) + 1
        words = {"bound": _("bound"), "not_found": _("not found"), "no_phone": _("no mobile number")}
        if counts:
            self.message_user(request, ", ".join(f"{words[k]}: {v}" for k, v in sorted(counts.items())))

    @admin.action(description=_("Bind to WeCom by mobile number"))
    def bind_wecom(self, request, queryset):
        self._bind(request, queryset, "wecom")

    @admin.action(description=_("Bind to DingTalk by mobile number"))
    def bind_dingtalk(self, request, queryset):
        self._bind(request, queryset, "dingtalk")
