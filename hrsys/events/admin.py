"""The back office of outgoing events (R-INT-2): subscriptions (the secret is write-only) and the delivery log
with a replay action. ``events.*`` permissions: the HR director and the system administrator."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from hrsys.accounts.models import Department
from hrsys.core.admin_mixins import ScopedAdmin

from . import services
from .models import Delivery, DeliveryAttempt, Subscription
from .types import event_type_choices


class SubscriptionForm(forms.ModelForm):
    """The secret is never shown again; left empty on a change, the current one stays."""

    secret = forms.CharField(label=gettext_lazy("signing secret"), required=False, widget=forms.PasswordInput,
                             help_text=gettext_lazy("leave empty to keep the current one; at least 16 characters"))
    event_types = forms.MultipleChoiceField(label=gettext_lazy("event types"), choices=event_type_choices,
                                            widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Subscription
        fields = ("organisation", "name", "url", "secret", "event_types", "active")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("secret", None)
        if user is not None:
            self.fields["organisation"].queryset = Department.objects.for_user(user).filter(
                kind=Department.Kind.ORGANIZATION)

    def clean_secret(self):
        value = self.cleaned_data.get("secret") or ""
        if not value and self.instance.pk:
            return self.instance.secret  # kept
        return value


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "finished_at", "outcome", "status_code", "error", "response_excerpt")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ScopedAdmin):
    form = SubscriptionForm
    list_display = ("name", "organisation", "url", "active", "updated_at")
    list_filter = ("active", "organisation")
    search_fields = ("name", "url")
    log_access = False  # configuration, no personal data

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class Bound(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return Bound

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("name", "url", "event_types", "active")}
        # the form checked the model's rules already; the services write and audit
        if change:
            saved = services.subscription_update(actor=request.user, subscription_id=obj.pk,
                                                 organisation_id=form.cleaned_data["organisation"].pk,
                                                 secret=form.cleaned_data["secret"], **data)
        else:
            saved = services.subscription_create(actor=request.user,
                                                 organisation_id=form.cleaned_data["organisation"].pk,
                                                 secret=form.cleaned_data["secret"], **data)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.subscription_delete(actor=request.user, subscription_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Delivery)
class DeliveryAdmin(ScopedAdmin):
    """The delivery log: one row per event and subscription (and per replay), its tries below it."""

    list_display = ("created_at", "event_type", "event_id", "subscription", "status", "attempt_count",
                    "last_status_code", "next_attempt_at", "replay_of")
    list_filter = ("status", "event__type", "subscription")
    search_fields = ("=event__id",)
    list_select_related = ("event", "subscription")
    readonly_fields = ("event", "event_type", "event_body", "subscription", "status", "attempt_count",
                       "max_attempts", "next_attempt_at", "last_status_code", "last_error", "delivered_at",
                       "replay_of", "created_at")
    fields = readonly_fields
    inlines = [DeliveryAttemptInline]
    actions = ["replay"]
    log_access = False

    @admin.display(description=gettext_lazy("event type"), ordering="event__type")
    def event_type(self, obj):
        return obj.event.type

    @admin.display(description=gettext_lazy("event id"))
    def event_id(self, obj):
        return obj.event_id

    @admin.display(description=gettext_lazy("body"))
    def event_body(self, obj):
        return obj.event.body

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only; replay is the one action

    def has_replay_permission(self, request):
        return request.user.has_perm("events.change_delivery")

    @admin.action(description=gettext_lazy("Replay: send the selected events again"), permissions=["replay"])
    def replay(self, request, queryset):
        count = 0
        for delivery in queryset:
            services.delivery_replay(actor=request.user, delivery_id=delivery.pk)
            count += 1
        self.message_user(request, ngettext("%(n)d event queued to be sent again.",
                                            "%(n)d events queued to be sent again.", count) % {"n": count},
                          messages.SUCCESS)
