"""The candidate asks for a copy of their data or for its deletion, and downloads a prepared copy (R-SEC-6).

Thin views over ``portal.data_requests``; only the session's own requests: another candidate's id
is a 404. The list and the buttons are in ``portal/_subject_requests.html``, included in the privacy page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hrsys.api.errors import Conflict, error_messages
from hrsys.audit.services import access_log
from portal.models import SubjectRequest

from .data_requests import due_days, subject_request_create
from .views import candidate_required

ANCHOR = "#your-data"


def _day(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


def _back():
    return redirect(reverse("portal:privacy") + ANCHOR)


def _create(request, kind: str):
    try:
        row = subject_request_create(candidate_id=request.candidate.pk, kind=kind, channel="portal")
    except (ValidationError, Conflict) as exc:
        for msg in error_messages(exc):
            messages.error(request, msg)
        return _back()
    if not row.created:
        messages.info(request, _("You asked for this already. We will answer by %(due)s.")
                      % {"due": _day(row.due_at)})
    elif kind == SubjectRequest.Kind.COPY:
        messages.success(request, _("We received your request. Your copy will be ready by %(due)s; you will "
                                    "download it here.") % {"due": _day(row.due_at)})
    else:
        messages.success(request, _("We received your request. Your data will be deleted by %(due)s.")
                         % {"due": _day(row.due_at)})
    return _back()


@candidate_required
@require_POST
def request_copy(request):
    return _create(request, SubjectRequest.Kind.COPY)


@candidate_required
def request_deletion(request):
    """A page that says what deletion means before the candidate confirms it."""
    if request.method == "POST":
        if request.POST.get("confirm") != "on":
            return render(request, "portal/subject_request_delete.html",
                          {"errors": [_("Tick the box to confirm.")], "due_days": due_days()}, status=400)
        return _create(request, SubjectRequest.Kind.DELETION)
    return render(request, "portal/subject_request_delete.html", {"due_days": due_days()})


@candidate_required
def download_copy(request, pk):
    row = SubjectRequest.objects.filter(candidate=request.candidate, pk=pk, kind=SubjectRequest.Kind.COPY).first()
    if row is None or not row.copy_available:
        raise Http404
    with row.copy_file.open("rb") as fh:
        data = fh.read()
    access_log(actor=f"candidate:{request.candidate.pk}", kind="download", obj=row, detail="subject request copy",
               channel="portal")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="my-data-{row.pk}.zip"'
    return response

