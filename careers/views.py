"""The public careers site (R-PIPE-8): open jobs per organisation, a page per job, the application form and its
confirmation; no sign-in. Thin views over ``careers.selectors`` and ``careers.services``; pages share the
candidate portal's look and language switch (phone first, zh-hans / English).
"""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from candidates.consent import notice_current, standard_notice
from candidates.models import JobRequisition, Priority
from candidates.resumes import read_upload
from hrsys.core.middleware import client_ip

from . import selectors, services

APPLIED_SESSION_KEY = "careers_applied_job"
#: The order of the fields on the form, for the error summary at its top.
FIELD_ORDER = ("job", "name", "phone", "email", "resume", "consent", "language")


def _badge(job) -> str:
    return {Priority.URGENT: "urgent", Priority.HIGH: "high"}.get(job.priority, "")


def index(request):
    groups = selectors.jobs_by_organization(selectors.published_jobs())
    for group in groups:
        for job in group.jobs:
            job.badge = _badge(job)
    return render(request, "careers/index.html", {"groups": groups})


def organization(request, code):
    org = selectors.organization_get(code)
    jobs = selectors.with_organizations(selectors.published_jobs(organization=org))
    for job in jobs:
        job.badge = _badge(job)
    return render(request, "careers/organization.html", {"organization": org, "jobs": jobs})


def job_detail(request, pk):
    job = selectors.published_job_get(pk)
    return render(request, "careers/job.html", {
        "job": job, "badge": _badge(job), "credentials": selectors.credentials_asked(job),
        "skills": job.skill_names()})


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request, pk):
    """The form; a refused submission comes back with every message beside its field and a summary on top."""
    job = selectors.published_job_get(pk)
    asked = selectors.credentials_asked(job)
    values = {"name": "", "phone": "", "email": "", "consent": False, "consent_talent_pool": False,
              "consent_ai_recording": False}
    notice = notice_current(job.department.organization_pk)
    ctx = {"job": job, "credentials": asked, "values": values, "notice_version": notice.version,
           "notice_text": notice.text(translation.get_language()), "field_errors": {}, "summary": []}
    if request.method == "GET":
        return render(request, "careers/apply.html", _with_credentials(ctx))

    post = request.POST
    values.update({name: post.get(name, "").strip() for name in ("name", "phone", "email")},
                  consent=post.get("consent") == "on", consent_talent_pool=post.get("consent_talent_pool") == "on",
                  consent_ai_recording=post.get("consent_ai_recording") == "on")
    numbers = {name: post.get(name, "") for c in asked for name in (c.field, c.expires_field)}
    values.update(numbers)
    upload = request.FILES.get("resume")
    try:
        data = read_upload(upload, field="resume") if upload is not None else None
        services.application_submit(
            job_id=job.pk, name=values["name"], phone=values["phone"], email=values["email"], resume=data,
            resume_name=getattr(upload, "name", ""), licences=numbers, consent=values["consent"],
            consent_version=post.get("consent_version", ""), consent_talent_pool=values["consent_talent_pool"],
            consent_ai_recording=values["consent_ai_recording"], language=translation.get_language() or "zh-hans",
            honeypot=post.get(services.HONEYPOT_FIELD, ""), ip=client_ip(request) or "",
            user_agent=request.META.get("HTTP_USER_AGENT", ""))
    except services.TooManyApplications as exc:
        ctx["errors"] = [str(exc)]
        return render(request, "careers/apply.html", _with_credentials(ctx), status=429)
    except ValidationError as exc:
        messages = exc.message_dict
        ctx["field_errors"] = {name: " ".join(msgs) for name, msgs in messages.items()}
        order = [*FIELD_ORDER[:5], *(name for c in asked for name in (c.field, c.expires_field)), *FIELD_ORDER[5:]]
        ctx["summary"] = [(name, " ".join(messages[name])) for name in order if name in messages]
        ctx["summary"] += [(name, " ".join(msgs)) for name, msgs in messages.items() if name not in order]
        ctx["resume_again"] = upload is not None  # a browser never keeps a chosen file
        return render(request, "careers/apply.html", _with_credentials(ctx), status=400)
    request.session[APPLIED_SESSION_KEY] = job.pk
    return redirect("careers:applied", pk=job.pk)


def _with_credentials(ctx: dict) -> dict:
    """The credential numbers asked, each with what was typed and its message (templates cannot look up by key)."""
    values, errors = ctx["values"], ctx["field_errors"]
    ctx["credentials"] = [{"field": c.field, "label": c.label, "required": c.required,
                           "value": values.get(c.field, ""), "error": errors.get(c.field, ""),
                           "expires_field": c.expires_field, "expires_value": values.get(c.expires_field, ""),
                           "expires_error": errors.get(c.expires_field, "")}
                          for c in ctx["credentials"]]
    return ctx


@never_cache
def applied(request, pk):
    """What happens next. Only after this browser's own submission (anyone else is sent to the job's page)."""
    job = JobRequisition.objects.select_related("department").filter(pk=pk).first()
    if job is None or request.session.get(APPLIED_SESSION_KEY) != pk:
        return redirect("careers:job", pk=pk)
    job = selectors.with_organizations([job])[0]  # shown even if HR took the job off the site meanwhile
    return render(request, "careers/applied.html", {"job": job, "portal_url": reverse("portal:home")})


def privacy(request):
    """An organisation's notice (``?organization=<code>``, as each job links to it), else the standard one."""
    code = request.GET.get("organization", "")
    org = selectors.organization_find(code) if code else None
    notice = notice_current(org.pk) if org is not None else standard_notice()
    return render(request, "careers/privacy.html", {"organization": org, "version": notice.version,
                                                    "notice_text": notice.text(translation.get_language())})
