"""The HR back office for the pipeline (R-PIPE-*, R-HOSP-1, R-SEC-1, R-SEC-3, R-DASH-4).

Everything is scoped (``ScopedAdmin``); every change goes through a service, so
the admin, the API and bulk actions share the same rules, logs and audit.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hrsys.accounts.models import Department
from hrsys.api.errors import Conflict
from hrsys.api.pagination import COUNT_LIMIT
from hrsys.audit.labels import actor_in_words
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.admin_mixins import ReadOnlyAdmin, ScopedAdmin, labelled_filter
from hrsys.core.timezones import local_text

from . import diagram, importer, selectors, services
from .exports import APPLICATION_EXPORT_COLUMNS, CANDIDATE_EXPORT_COLUMNS
from .matching import match_in_words
from .models import (
    TRANSITION_NAMES,
    Application,
    Candidate,
    Credential,
    CredentialType,
    Education,
    InterviewRound,
    JobRequisition,
    LegalHold,
    Priority,
    Resume,
    State,
    Tag,
    TalentPoolEntry,
    TransitionLog,
)


class IdentifierSearchMixin:
    """Phone, email and ID number are encrypted: the admin search box finds them exactly via the blind index."""

    candidate_prefix = "candidate__"

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if term and selectors._looks_like_identifier(term):
            return queryset.filter(selectors.candidate_search_q(term, prefix=self.candidate_prefix)), False
        return super().get_search_results(request, queryset, search_term)


#: The columns of the HR application list (the changelist reads these only).
ADMIN_APPLICATION_LIST_FIELDS = (
    "id", "candidate_id", "job_id", "state", "source", "match_score", "created_at", "candidate__name", "job__title",
    "job__priority", "job__department_id", "job__required_credentials", "job__department__name",
)


def _showing_changelist(request, url_name) -> bool:
    """A GET of the list page (its rows are shown, not exported or acted upon: those read whole rows)."""
    return request.method == "GET" and request.resolver_match is not None \
        and request.resolver_match.url_name == url_name


class BoundedCountPaginator(Paginator):
    """Counts at most ``COUNT_LIMIT`` + 1 rows (``count_exact`` says whether it stopped there): an exact count of
    a scoped list of 100,000 applications costs more than the page it belongs to, and grows with the table.
    Past the limit the list shows "more than 1000" and pages up to it; filters narrow it down."""

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[:COUNT_LIMIT + 1].count()
        self.count_exact = counted <= COUNT_LIMIT
        return min(counted, COUNT_LIMIT)


class BoundedCountAdmin:
    """HR list pages of the large tables (applications, candidates): bounded count, its own pagination line."""

    paginator = BoundedCountPaginator


def _visible_departments(request):
    return Department.objects.for_user(request.user)


# -- jobs -----------------------------------------------------------------------------------------

class InterviewRoundInline(admin.TabularInline):
    model = InterviewRound
    extra = 0
    fields = ("order", "kind", "interviewers", "duration_minutes", "requires_credentials")
    filter_horizontal = ("interviewers",)


class JobRequisitionForm(forms.ModelForm):
    """Credentials and the moves they gate are chosen by name from lists, never typed as codes (issue 15)."""

    required_credentials = forms.MultipleChoiceField(
        label=gettext_lazy("required credentials"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=CredentialType.choices, help_text=gettext_lazy("credential types the candidate must hold, unexpired"))
    credential_checkpoints = forms.MultipleChoiceField(
        label=gettext_lazy("moves needing credentials"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=lambda: [(name, services.transition_label(name)) for name in TRANSITION_NAMES],
        help_text=gettext_lazy("moves blocked while a required credential is missing or expired"))

    class Meta:
        model = JobRequisition
        fields = ("department", "title", "headcount", "priority", "status", "published", "description", "skills",
                  "min_years", "education_level", "required_credentials", "credential_checkpoints",
                  "assessment_dimensions", "rejection_message", "backup_pool")


@admin.register(JobRequisition)
class JobRequisitionAdmin(ScopedAdmin):
    form = JobRequisitionForm
    list_display = ("title", "department", "priority", "status", "published", "headcount", "min_years",
                    "education_level")
    list_filter = ("status", "published", "priority", ("department", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("department",)
    search_fields = ("title",)
    inlines = [InterviewRoundInline]
    autocomplete_fields = ()
    filter_horizontal = ("backup_pool",)
    log_access = False
    fieldsets = (
        (None, {"fields": ("department", "title", "headcount", "priority", "status", "published", "description")}),
        (gettext_lazy("Requirements"), {"fields": ("skills", "min_years", "education_level", "required_credentials",
                                            "credential_checkpoints")}),
        (gettext_lazy("Assessment"), {"fields": ("assessment_dimensions", "rejection_message")}),
        (gettext_lazy("Backup pool"), {"fields": ("backup_pool",)}),
    )
    export_columns = (
        (gettext_lazy("title"), lambda j: j.title),
        (gettext_lazy("department"), lambda j: j.department.name),
        (gettext_lazy("priority"), lambda j: j.get_priority_display()),
        (gettext_lazy("status"), lambda j: j.get_status_display()),
        (gettext_lazy("headcount"), lambda j: j.headcount),
    )

    #: view-only readers get these in words instead of the stored lists
    READ_ONLY_WORDS = {"required_credentials": "required_credential_names",
                       "credential_checkpoints": "credential_checkpoint_names",
                       "assessment_dimensions": "assessment_dimension_rows"}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [(name, {**opts, "fields": [self.READ_ONLY_WORDS.get(f, f) for f in opts["fields"]]})
                for name, opts in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            fields += list(self.READ_ONLY_WORDS.values())
        return fields

    @admin.display(description=gettext_lazy("required credentials"))
    def required_credential_names(self, obj):
        return "、".join(str(CredentialType(t).label) if t in CredentialType.values else t
                        for t in obj.required_credentials or []) or "-"

    @admin.display(description=gettext_lazy("moves needing credentials"))
    def credential_checkpoint_names(self, obj):
        return "、".join(services.transition_label(n) for n in obj.credential_checkpoints or []) or "-"

    @admin.display(description=gettext_lazy("assessment dimensions"))
    def assessment_dimension_rows(self, obj):
        return format_html_join(mark_safe("<br>"), "{}: {} {} / {} {}", (
            (d.get("label") or d.get("key"), _("pass"), d.get("pass", "-"), _("borderline"), d.get("borderline", "-"))
            for d in obj.assessment_dimensions or [] if isinstance(d, dict))) or "-"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = _visible_departments(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "backup_pool":
            kwargs["queryset"] = Candidate.objects.for_user(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        values = {k: form.cleaned_data[k] for k in (*services.JOB_FIELDS, "published") if k in form.cleaned_data}
        if change:
            saved = services.job_update(actor=request.user, job_id=obj.pk, **values)
        else:
            saved = services.job_create(actor=request.user, **values)
        obj.pk = saved.pk
        obj._state.adding = False


# -- candidates -----------------------------------------------------------------------------------

class CandidateAdminForm(forms.ModelForm):
    # one labelled input: the admin's split date / time pair leaves both of its inputs without a label (WCAG)
    consent_at = forms.DateTimeField(
        label=gettext_lazy("consent given at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    job = forms.ModelChoiceField(queryset=JobRequisition.objects.none(), required=False, label=gettext_lazy("apply to job"),
                                 help_text=gettext_lazy("a new candidate is created with an application to this open job"))

    class Meta:
        model = Candidate
        fields = ("name", "phone", "email", "id_number", "education", "years_experience", "skills", "source",
                  "preferred_language", "consent_version", "consent_at")
        widgets = {"phone": forms.TextInput, "email": forms.TextInput, "id_number": forms.TextInput}

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not data.get("job"):
            self.add_error("job", _("Choose the job the candidate applies to."))
        values = {k: data[k] for k in ("phone", "email", "id_number") if data.get(k)}
        try:
            cleaned = services.clean_candidate_fields(values, partial=True)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field, errors)
            return data
        dupes = services.find_duplicates(**cleaned, exclude_id=self.instance.pk)
        if dupes:
            raise ValidationError(_("Duplicate of candidate(s) %(ids)s (same %(fields)s): open them and merge instead.")
                                  % {"ids": ", ".join(f"#{d['id']}" for d in dupes),
                                     "fields": ", ".join(sorted({f for d in dupes for f in d["fields"]}))})
        return data


class CredentialInline(admin.TabularInline):
    model = Credential
    extra = 0
    fields = ("type", "issuer", "issued_on", "expires_on", "download")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("scan"))
    def download(self, obj):
        if not obj.file:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("admin:candidates_credential_file", args=[obj.pk]),
                           _("download"))


class ApplicationInline(admin.TabularInline):
    model = Application
    fk_name = "candidate"
    extra = 0
    fields = ("job", "state", "match_score", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user).select_related("job")


@admin.register(Candidate)
class CandidateAdmin(BoundedCountAdmin, IdentifierSearchMixin, ScopedAdmin):
    form = CandidateAdminForm
    candidate_prefix = ""
    list_display = ("name", "education", "years_experience", "source", "created_at")
    list_filter = ("education", "source", "preferred_language")
    search_fields = ("name",)
    inlines = [ApplicationInline, CredentialInline]
    change_form_template = "admin/candidates/candidate/change_form.html"
    change_list_template = "admin/candidates/candidate/change_list.html"
    export_columns = CANDIDATE_EXPORT_COLUMNS
    show_full_result_count = False
    list_per_page = 50  # as the application list: an HR page (Django's 100 rows took twice the rendering)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name == "candidates_candidate_changelist":
            qs = qs.defer("phone", "email", "id_number")
        if _showing_changelist(request, "candidates_candidate_changelist"):
            qs = qs.only("id", "name", "education", "years_experience", "source", "created_at")
        return qs

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            form.base_fields.pop("job", None)
        else:
            form.base_fields["job"].queryset = JobRequisition.objects.for_user(request.user).filter(
                status=JobRequisition.Status.OPEN).select_related("department")
        return form

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and "job" in fields:
            fields.remove("job")
        return fields

    def save_model(self, request, obj, form, change):
        values = {k: form.cleaned_data[k] for k in CandidateAdminForm.Meta.fields if k in form.cleaned_data}
        if change:
            changed = {k: v for k, v in values.items() if k in form.changed_data}
            saved = services.candidate_update(actor=request.user, candidate_id=obj.pk, **changed)
        else:
            saved = services.candidate_create(actor=request.user, job_id=form.cleaned_data["job"].pk, **{
                k: v for k, v in values.items() if v not in (None, "")})
        obj.pk = saved.pk
        obj._state.adding = False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        candidate = self.get_object(request, object_id)
        if candidate is None:
            raise Http404
        extra_context = {**(extra_context or {}), "timeline": selectors.candidate_timeline(candidate),
                         "candidate_messages_url": selectors.candidate_messages_url(candidate.pk)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="candidates_candidate_import"),
            *super().get_urls(),
        ]

    class ImportForm(forms.Form):
        file = forms.FileField(label=gettext_lazy("Excel or CSV file"))
        job = forms.ModelChoiceField(queryset=JobRequisition.objects.none(), label=gettext_lazy("job"))
        partial = forms.BooleanField(required=False, label=gettext_lazy("import the good rows even if others are bad"))

    def import_view(self, request):
        """Preview first (every bad row listed), then import the same file with "commit" (R-PIPE-5)."""
        if not request.user.has_perm("candidates.add_candidate"):
            raise PermissionDenied
        form = self.ImportForm(request.POST or None, request.FILES or None)
        form.fields["job"].queryset = JobRequisition.objects.for_user(request.user).filter(
            status=JobRequisition.Status.OPEN)
        result = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            commit = "commit" in request.POST
            try:
                if upload.size > importer.MAX_ROWS * 1000:
                    raise ValidationError({"file": [_("The file is too large.")]})
                result = importer.candidates_import(
                    actor=request.user, data=upload.read(), filename=upload.name, job_id=form.cleaned_data["job"].pk,
                    commit=commit, partial=form.cleaned_data["partial"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            if result and result.committed:
                self.message_user(request, _("%(n)s candidates imported.") % {"n": result.created}, messages.SUCCESS)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "result": result, "title": _("Import candidates")}
        return TemplateResponse(request, "admin/candidates/candidate/import.html", context)


# -- applications ---------------------------------------------------------------------------------

class DepartmentFilter(admin.SimpleListFilter):
    title = gettext_lazy("department")
    parameter_name = "department"

    def lookups(self, request, model_admin):
        return [(d.pk, d.name) for d in _visible_departments(request)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(job__department__path__startswith=selectors._department_path(self.value()))
        return queryset


class PriorityFilter(admin.SimpleListFilter):
    title = gettext_lazy("priority")
    parameter_name = "priority"

    def lookups(self, request, model_admin):
        return Priority.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # the jobs by their ids, not a join: the planner then knows how many matches a score range has in
        # those jobs (the job x score statistics of migration 0012) and reads them from cand_app_job_score_range;
        # through the join it can only guess, and a wrong guess reads every application of the jobs (a job's
        # priority is no one's data; the applications stay the viewer's scope)
        jobs = JobRequisition.objects.filter(priority=self.value()).values_list("pk", flat=True)
        return queryset.filter(job_id__in=list(jobs))


class ScoreFilter(admin.SimpleListFilter):
    title = gettext_lazy("match score")
    parameter_name = "score"
    RANGES = {"80": (80, 100), "60": (60, 79), "40": (40, 59), "0": (0, 39)}

    def lookups(self, request, model_admin):
        return [("80", "80-100"), ("60", "60-79"), ("40", "40-59"), ("0", "0-39"), ("none", gettext_lazy("not scored"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(match_score__isnull=True)
        if self.value() in self.RANGES:
            low, high = self.RANGES[self.value()]
            return queryset.filter(match_score__gte=low, match_score__lte=high)
        return queryset


class JobFilter(admin.SimpleListFilter):
    """Jobs of the viewer's departments (not a DISTINCT over every application)."""

    title = gettext_lazy("job")
    parameter_name = "job"

    def lookups(self, request, model_admin):
        return [(j.pk, j.title) for j in JobRequisition.objects.for_user(request.user).only("pk", "title")]

    def queryset(self, request, queryset):
        return queryset.filter(job_id=self.value()) if self.value() else queryset


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Application)
class ApplicationAdmin(BoundedCountAdmin, IdentifierSearchMixin, ScopedAdmin):
    list_display = ("candidate_name", "job_title", "department_name", "priority", "state", "match_score",
                    "credentials_flag", "source", "created_at")
    list_display_links = ("candidate_name",)
    list_filter = (JobFilter, DepartmentFilter, "state", PriorityFilter, ScoreFilter, "source")
    list_select_related = ("candidate", "job", "job__department")
    search_fields = ("candidate__name",)
    ordering = ("-created_at", "-id")
    sortable_by = ("match_score", "created_at", "state")
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = ("candidate_link", "job", "state", "source", "match_score", "breakdown", "credential_status",
                       "tag_list", "reactivated_from", "created_at", "state_changed_at", "history")
    fields = readonly_fields
    change_form_template = "admin/candidates/application/change_form.html"
    change_list_template = "admin/candidates/application/change_list.html"
    export_columns = APPLICATION_EXPORT_COLUMNS
    actions = ["export_csv", "export_xlsx", "bulk_screen", "bulk_advance", "bulk_reject", "bulk_to_talent_pool"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).defer(*selectors.ENCRYPTED_CANDIDATE_FIELDS)
        if _showing_changelist(request, "candidates_application_changelist"):
            # the columns only: no breakdown, no job description, no candidate skills (JSON decoded per row)
            qs = qs.only(*ADMIN_APPLICATION_LIST_FIELDS)
        return qs.prefetch_related(Prefetch("candidate__credentials", queryset=Credential.objects.defer("number")))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # columns
    @admin.display(description=gettext_lazy("candidate"), ordering="candidate__name")
    def candidate_name(self, obj):
        return obj.candidate.name

    @admin.display(description=gettext_lazy("job"), ordering="job__title")
    def job_title(self, obj):
        return obj.job.title

    @admin.display(description=gettext_lazy("department"))
    def department_name(self, obj):
        return obj.job.department.name

    @admin.display(description=gettext_lazy("priority"))
    def priority(self, obj):
        return obj.job.get_priority_display()

    @admin.display(description=gettext_lazy("credentials"))
    def credentials_flag(self, obj):
        if not obj.job.required_credentials:  # nothing to check (credential_problems would answer [] anyway)
            return "-"
        problems = obj.credential_problems()
        if not problems:
            return "✔"
        return format_html('<span style="color:#b00" title="{}">⚠ {}</span>',
                           services.credential_problems_in_words(problems), len(problems))

    # detail fields
    @admin.display(description=gettext_lazy("candidate"))
    def candidate_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:candidates_candidate_change",
                                                          args=[obj.candidate_id]), obj.candidate.name)

    @admin.display(description=gettext_lazy("match breakdown"))
    def breakdown(self, obj):
        rows = [(r["label"], f"{r['score']} / {r['max']}", r["words"]) for r in match_in_words(obj.match_breakdown)]
        if not rows:
            return "-"
        return format_html("<table>{}</table>", format_html_join(
            "", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows))

    @admin.display(description=gettext_lazy("credential status"))
    def credential_status(self, obj):
        problems = obj.credential_problems()
        if not problems:
            return _("All required credentials are valid.") if obj.job.required_credentials else "-"
        return format_html_join(mark_safe("<br>"), '<span style="color:#b00">⚠ {}: {}</span>',
                                ((p["label"], _("missing") if p["problem"] == "missing"
                                  else _("expired on %(date)s") % {"date": p["expires_on"]}) for p in problems))

    @admin.display(description=gettext_lazy("tags"))
    def tag_list(self, obj):
        return ", ".join(t.name for t in obj.tags.all()) or "-"

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        rows = [(local_text(t.at), t.get_from_state_display(), t.get_to_state_display(),
                 str(t.actor or actor_in_words(t.actor_label)), t.reason) for t in obj.transitions.select_related("actor")]
        if not rows:
            return "-"
        return format_html("<table>{}</table>", format_html_join(
            "", "<tr><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>", rows))

    # moves
    def get_urls(self):
        return [
            path("diagram/", self.admin_site.admin_view(self.diagram_view), name="candidates_application_diagram"),
            path("<int:pk>/move/<slug:name>/", self.admin_site.admin_view(self.transition_view),
                 name="candidates_application_transition"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        moves = [(name, services.transition_label(name)) for name in services.allowed_transitions(obj, request.user)]
        extra_context = {**(extra_context or {}), "moves": moves, "diagram_svg": mark_safe(diagram.svg()),
                         **selectors.candidate_messages_context(request.user, obj.candidate_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request, pk, name):
        if request.method != "POST":
            raise Http404
        get_object = self.get_queryset(request).filter(pk=pk).exists()
        if not get_object:
            raise Http404
        url = reverse("admin:candidates_application_change", args=[pk])
        try:
            services.application_transition(actor=request.user, application_id=pk, transition=name,
                                            reason=request.POST.get("reason", ""))
        except Conflict as exc:
            allowed = "、".join(services.transition_label(n) for n in exc.allowed) or _("none")
            self.message_user(request, f"{exc.detail} {_('Allowed now')}: {allowed}", messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        except PermissionDenied:
            self.message_user(request, _("You may not make this move."), messages.ERROR)
        else:
            self.message_user(request, _("Done: %(move)s.") % {"move": services.transition_label(name)},
                              messages.SUCCESS)
        return HttpResponseRedirect(url)

    def diagram_view(self, request):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Application stages"), "svg": mark_safe(diagram.svg())}
        return TemplateResponse(request, "admin/candidates/application/diagram.html", context)

    # bulk actions: each row through the service, each row reported
    def _bulk(self, request, queryset, name, reason=""):
        done, failed = 0, []
        for app in queryset.select_related("candidate"):
            try:
                services.application_transition(actor=request.user, application_id=app.pk, transition=name,
                                                reason=reason)
                done += 1
            except Conflict as exc:
                failed.append(f"{app.candidate.name} (#{app.pk}): {exc.detail}")
            except (ValidationError, PermissionDenied) as exc:
                failed.append(f"{app.candidate.name} (#{app.pk}): {'; '.join(getattr(exc, 'messages', [str(exc)]))}")
        label = services.transition_label(name)
        if done:
            self.message_user(request, _("%(move)s: %(n)s done.") % {"move": label, "n": done}, messages.SUCCESS)
        for line in failed:
            self.message_user(request, _("%(move)s not done for %(row)s") % {"move": label, "row": line},
                              messages.WARNING)

    def _bulk_with_reason(self, request, queryset, name):
        if "apply" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid():
                self._bulk(request, queryset, name, form.cleaned_data["reason"])
                return None
        else:
            form = ReasonForm()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "queryset": queryset.select_related("candidate", "job"), "action": request.POST.get("action"),
                   "move": services.transition_label(name), "title": services.transition_label(name),
                   "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
        return render(request, "admin/candidates/application/bulk_reason.html", context)

    @admin.action(description=gettext_lazy("Start screening"), permissions=["change"])
    def bulk_screen(self, request, queryset):
        self._bulk(request, queryset, "screen")

    @admin.action(description=gettext_lazy("Advance to interviews"), permissions=["change"])
    def bulk_advance(self, request, queryset):
        self._bulk(request, queryset, "advance_to_interview")

    @admin.action(description=gettext_lazy("Reject (with a reason)"), permissions=["change"])
    def bulk_reject(self, request, queryset):
        return self._bulk_with_reason(request, queryset, "reject")

    @admin.action(description=gettext_lazy("Keep in talent pool (with a reason)"), permissions=["change"])
    def bulk_to_talent_pool(self, request, queryset):
        return self._bulk_with_reason(request, queryset, "to_talent_pool")


def _proposed_field_label(field: str) -> str:
    """A field read from a résumé by its label on the candidate form ("education" -> "学历")."""
    try:
        return str(Candidate._meta.get_field(field).verbose_name)
    except Exception:  # noqa: BLE001 - not a candidate field ("credentials"): said in words below
        return str({"credentials": _("credentials")}.get(field, field.replace("_", " ")))


def _proposed_value(field: str, value) -> str:
    if field == "education" and value in Education.values:
        return str(Education(value).label)
    if field == "credentials" and value in CredentialType.values:
        return str(CredentialType(value).label)
    return str(value)


# -- credentials, resumes, logs, pool ---------------------------------------------------------------

class FileDownloadMixin:
    file_label = "file"

    def get_urls(self):
        name = f"{self.model._meta.app_label}_{self.model._meta.model_name}_file"
        return [path("<int:pk>/file/", self.admin_site.admin_view(self.file_view), name=name), *super().get_urls()]

    def file_view(self, request, pk):
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not obj.file:
            raise Http404
        access_log(actor=request.user, kind=AccessLog.Kind.DOWNLOAD, obj=obj, detail=f"{self.file_label} file",
                   channel="admin")
        return FileResponse(obj.file.storage.open(obj.file.name), as_attachment=True,
                            filename=getattr(obj, "original_name", "") or obj.file.name.rsplit("/", 1)[-1])

    @admin.display(description=gettext_lazy("file"))
    def download(self, obj):
        if not obj.file:
            return "-"
        url = reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_file", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))


@admin.register(Credential)
class CredentialAdmin(FileDownloadMixin, IdentifierSearchMixin, ScopedAdmin):
    list_display = ("candidate", "type", "issuer", "expires_on", "download")
    list_filter = ("type",)
    list_select_related = ("candidate",)
    search_fields = ("candidate__name",)
    readonly_fields = ("candidate", "type", "number", "issuer", "issued_on", "expires_on", "download")
    fields = readonly_fields
    file_label = "credential"

    def has_add_permission(self, request):
        return False


@admin.register(Resume)
class ResumeAdmin(FileDownloadMixin, ScopedAdmin):
    list_display = ("original_name", "candidate", "kind", "size", "confirmed_at", "created_at")
    list_select_related = ("candidate",)
    readonly_fields = ("candidate", "original_name", "kind", "size", "proposed_fields", "confirmed_at",
                       "confirmed_by", "download")
    fields = readonly_fields
    file_label = "resume"

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("proposed fields"))
    def proposed_fields(self, obj):
        rows = []
        for field, item in obj.proposed.items():
            for entry in item if isinstance(item, list) else [item]:
                rows.append((_proposed_field_label(field), _proposed_value(field, entry["value"]), entry["snippet"]))
        return format_html("<table>{}</table>", format_html_join(
            "", "<tr><th>{}</th><td>{}</td><td><q>{}</q></td></tr>", rows)) if rows else "-"


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("at", "application", "move", "from_state", "to_state", "actor", "actor_words")
    list_filter = (labelled_filter("transition", gettext_lazy("move"), lambda request, model_admin: [
        (n, services.transition_label(n)) for n in TRANSITION_NAMES]), "to_state")
    fields = ("application", "at", "from_state", "to_state", "move", "reason", "actor", "actor_words", "stage_seconds")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("actor label"), ordering="actor_label")
    def actor_words(self, obj):
        return actor_in_words(obj.actor_label)

    @admin.display(description=gettext_lazy("move"), ordering="transition")
    def move(self, obj):
        return services.transition_label(obj.transition)
    list_select_related = ("application__candidate", "application__job", "actor")
    log_access = False
    actions = []


@admin.register(TalentPoolEntry)
class TalentPoolEntryAdmin(IdentifierSearchMixin, ScopedAdmin):
    list_display = ("candidate", "job", "score", "tag_names", "added_at", "reactivated_at")
    list_filter = ("tags", ("reactivated_at", admin.EmptyFieldListFilter))
    list_select_related = ("candidate", "application__job")
    search_fields = ("candidate__name", "tags__name")
    filter_horizontal = ("tags",)
    fields = ("candidate", "application", "tags", "note", "added_at", "reactivated_at", "reactivated_into")
    readonly_fields = ("candidate", "application", "added_at", "reactivated_at", "reactivated_into")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("job"))
    def job(self, obj):
        return obj.application.job.title

    @admin.display(description=gettext_lazy("match score"))
    def score(self, obj):
        return obj.application.match_score

    @admin.display(description=gettext_lazy("tags"))
    def tag_names(self, obj):
        return ", ".join(t.name for t in obj.tags.all())


class LegalHoldForm(forms.ModelForm):
    class Meta:
        model = LegalHold
        fields = ("candidate", "reason")

    def clean_candidate(self):
        candidate = self.cleaned_data["candidate"]
        if services.candidate_on_hold(candidate.pk):
            raise ValidationError(_("This candidate is already under a legal hold."))
        if candidate.anonymised_at:
            raise ValidationError(_("This candidate's data was already removed."))
        return candidate


@admin.register(LegalHold)
class LegalHoldAdmin(ScopedAdmin):
    """Legal holds on candidates (R-SEC-5): the retention sweep skips them and their deletion is refused.
    Placed with a reason, released by the action; never edited or deleted (the history is the point)."""

    form = LegalHoldForm
    list_display = ("candidate", "placed_at", "placed_by", "released_at", "released_by")
    list_filter = (("released_at", admin.EmptyFieldListFilter),)
    list_select_related = ("candidate", "placed_by", "released_by")
    raw_id_fields = ("candidate",)
    fields = ("candidate", "reason", "placed_at", "placed_by", "released_at", "released_by")
    readonly_fields = ("placed_at", "placed_by", "released_at", "released_by")
    actions = ["release"]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "candidate", "reason") if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "candidate":
            kwargs["queryset"] = Candidate.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # the action releases, no edits

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # an HR matter: managers, who may view the pipeline's records, do not see why someone is held
        return request.user.has_perm("candidates.add_legalhold") and super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def save_model(self, request, obj, form, change):
        try:
            hold = services.legal_hold_place(actor=request.user, candidate_id=form.cleaned_data["candidate"].pk,
                                             reason=form.cleaned_data["reason"])
        except Conflict as exc:
            raise PermissionDenied(str(exc.detail)) from exc
        obj.pk = hold.pk

    @admin.action(description=gettext_lazy("Release the selected legal holds"),
                  permissions=["release"])
    def release(self, request, queryset):
        done = 0
        for hold in queryset.filter(released_at__isnull=True):
            services.legal_hold_release(actor=request.user, hold_id=hold.pk)
            done += 1
        self.message_user(request, _("%(n)s legal hold(s) released.") % {"n": done}, messages.SUCCESS)

    def has_release_permission(self, request):
        return request.user.has_perm("candidates.change_legalhold")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


from . import admin_consent  # noqa: E402, F401 - registers the privacy notice and consent pages

__all__ = ["ApplicationAdmin", "CandidateAdmin", "State"]
