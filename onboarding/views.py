"""The hiring manager's approvals inbox and approval page (issue 14, R-UI-6, R-OFFER-2).

The inbox lists the approval steps waiting for the signed-in approver (oldest first, with age, candidate, job,
salary and the band position in words), then the ones they decided. The approval page shows everything to judge
the offer by (candidate masked, résumé, match in words, AI result, every round's feedback, band, chain) and three
actions that call the same service as the API (``offer_decide``): approve, ask for changes (the offer goes back to
HR as a draft), reject; a reason is required for the last two. Errors are field messages, nothing changes on error;
someone else's approval is 404. Viewing is access-logged.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hrsys.api.errors import Conflict
from hrsys.audit.services import access_log

from . import selectors, services
from .models import ApprovalDecision

DONE = {"approve": gettext_lazy("approved"), "request_change": gettext_lazy("sent back to HR for changes"),
        "reject": gettext_lazy("rejected")}


@login_required
def approval_list(request):
    inbox = selectors.approvals_inbox(user=request.user)
    if inbox["waiting"] or inbox["decided"]:
        ids = [a.offer_id for a in [*inbox["waiting"], *inbox["decided"]]]
        access_log(actor=request.user, kind="view", obj=("onboarding.offer", ""), channel="web",
                   detail=f"offer approvals inbox: offers {','.join(map(str, ids))}"[:300])
    return render(request, "onboarding/approval_list.html", inbox)


@login_required
def approval_detail(request, pk):
    approval = selectors.approval_get(user=request.user, pk=pk)
    errors: dict[str, list[str]] = {}
    form = {"decision": "", "comment": ""}
    if request.method == "POST":
        form = {"decision": request.POST.get("decision", ""), "comment": request.POST.get("comment", "")}
        try:
            services.offer_decide(actor=request.user, approval_id=approval.pk,
                                  decision=form["decision"], comment=form["comment"])
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "message_dict") else {"__all__": list(exc.messages)}
        except (Conflict, PermissionDenied) as exc:
            errors = {"__all__": [str(getattr(exc, "detail", "") or _("You may not decide on this offer."))]}
        else:
            name = approval.offer.application.candidate.name
            messages.success(request, _("The offer for %(c)s is %(what)s.")
                             % {"c": name, "what": DONE.get(form["decision"], "")})
            return redirect("onboarding:approval-list")
        approval = selectors.approval_get(user=request.user, pk=pk)  # as it is now (nothing was changed)
    access_log(actor=request.user, kind="view", obj=approval.offer, detail="offer approval page", channel="web")
    ctx = selectors.approval_page_context(user=request.user, approval=approval)
    offer = approval.offer
    ctx.update({
        "can_decide": (approval.decision == ApprovalDecision.PENDING and offer.state == "pending_approval"
                       and approval.round == offer.approval_round),
        "errors": errors, "form": form,
        "comment_errors": errors.get("comment", []),
        "other_errors": [m for k, msgs in errors.items() if k != "comment" for m in msgs],
    })
    return render(request, "onboarding/approval_detail.html", ctx, status=400 if errors else 200)
