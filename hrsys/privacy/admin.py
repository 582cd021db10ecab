"""Retention periods per organisation and the nightly dry run (R-SEC-5); candidates' data requests (R-SEC-6).

The HR director sets the periods (``privacy.*``); HR staff see them and what tonight's sweep would remove in
their organisations (``privacy.view_*``). The dry run shows counts per data class, never whom.
HR staff carry out the requests of the candidates they see: prepare a copy, delete, refuse with a reason.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from hrsys.accounts.models import Department
from hrsys.core.admin_mixins import ReadOnlyAdmin, ScopedAdmin

from . import services
from .models import RetentionPolicy, RetentionSweep
from .registry import UnknownDataClass, data_class, data_classes


def _editable_choices():
    return [(cls.key, cls.label) for cls in data_classes() if cls.editable]


class RetentionPolicyForm(forms.ModelForm):
    data_class = forms.ChoiceField(label=gettext_lazy("data class"), choices=_editable_choices)

    class Meta:
        model = RetentionPolicy
        fields = ("organization", "data_class", "days")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and "organization" in self.fields:  # absent when read-only (a change, a viewer)
            self.fields["organization"].queryset = Department.objects.for_user(user).filter(
                kind=Department.Kind.ORGANIZATION)

    def clean(self):
        cleaned = super().clean()
        org, key = cleaned.get("organization"), cleaned.get("data_class")
        if org and key and RetentionPolicy.objects.filter(organization=org, data_class=key).exclude(
                pk=self.instance.pk).exists():
            raise ValidationError({"data_class": [gettext_lazy("This organisation has a period for this data "
                                                               "class already: change that one.")]})
        return cleaned


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ScopedAdmin):
    form = RetentionPolicyForm
    list_display = ("organization", "data_class_label", "days", "updated_at", "updated_by")
    list_filter = ("organization",)
    log_access = False  # configuration, no personal data
    change_list_template = "admin/privacy/retentionpolicy/change_list.html"

    @admin.display(description=gettext_lazy("data class"), ordering="data_class")
    def data_class_label(self, obj):
        try:
            return data_class(obj.data_class).label
        except UnknownDataClass:  # a class no app registers any more: shown by its key, not an error page
            return obj.data_class

    def get_readonly_fields(self, request, obj=None):
        return ("organization", "data_class") if obj else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class Bound(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return Bound

    def save_model(self, request, obj, form, change):
        # the form checked the model's rules; the service writes and audits
        saved = services.retention_policy_set(actor=request.user, organization=obj.organization,
                                              data_class_key=obj.data_class, days=form.cleaned_data["days"])
        obj.pk = saved.pk

    def changelist_view(self, request, extra_context=None):
        """The periods with their defaults, and the dry run: what the next nightly sweep would remove."""
        now = timezone.now()
        moment = services.retention_next_sweep(now=now)
        user = request.user
        org_ids = None if user.sees_everything else sorted({d.organization_pk for d in user.departments.all()})
        orgs = dict(Department.objects.filter(pk__in=[o for o in org_ids or []]).values_list("pk", "name")) \
            if org_ids is not None else dict(Department.objects.filter(
                kind=Department.Kind.ORGANIZATION).values_list("pk", "name"))
        rows = services.retention_preview(now=moment, org_ids=org_ids)
        for row in rows:
            row["overrides"] = [(orgs[org], days) for org, days in sorted(row["by_org"].items()) if org in orgs]
        context = {"retention_rows": rows, "retention_moment": moment, **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)


@admin.register(RetentionSweep)
class RetentionSweepAdmin(ReadOnlyAdmin):
    """Each night's sweep: counts per data class (no personal data)."""

    list_display = ("day", "started_at", "finished_at", "counts")
    date_hierarchy = "day"
