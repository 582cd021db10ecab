"""Approval pages for hiring managers and the HR director (R-OFFER-2): a list of their pending approvals and a
page per approval with the AI interview scores, interview feedback, match score and the band position."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hrsys.api.errors import Conflict, error_messages
from hrsys.audit.services import access_log

from . import selectors, services
from .models import ApprovalDecision


@login_required
def approval_list(request):
    pending = selectors.approvals_pending_for(user=request.user)
    return render(request, "onboarding/approval_list.html", {"approvals": pending})


@login_required
def approval_detail(request, pk):
    approval = selectors.approval_get(user=request.user, pk=pk)
    offer = approval.offer
    errors = []
    if request.method == "POST":
        try:
            services.offer_decide(actor=request.user, approval_id=approval.pk,
                                  decision=request.POST.get("decision", ""), comment=request.POST.get("comment", ""))
        except ValidationError as exc:
            errors = error_messages(exc)
        except (Conflict, PermissionDenied) as exc:
            errors = [str(getattr(exc, "detail", "") or _("You may not decide on this offer."))]
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("onboarding:approval-list")
    access_log(actor=request.user, kind="view", obj=offer, detail="offer approval page", channel="web")
    ctx = {"approval": approval, "offer": offer, "application": offer.application,
           "candidate": offer.application.candidate, "job": offer.application.job,
           "can_decide": approval.decision == ApprovalDecision.PENDING and offer.state == "pending_approval",
           "errors": errors, **selectors.approval_context(offer)}
    return render(request, "onboarding/approval_detail.html", ctx, status=400 if errors else 200)
