"""The question bank: a bank question asked in a round, counted for its statistics (R-AI-5)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from candidates.models import Application
from hrsys.audit.services import audit_record
from hrsys.core.actors import staff_user as _user

from ..models import Question, QuestionUsage


@transaction.atomic
def question_usage_record(*, actor, application_id: int, question_id: int, interview_id: int | None = None,
                          note: str = "") -> QuestionUsage:
    """An interviewer asked a bank question in a round: counted for the question's statistics (R-AI-5)."""
    user = _user(actor)
    if user is not None and not Application.objects.for_user(user).filter(pk=application_id).exists():
        raise Http404
    if not Question.objects.filter(pk=question_id, active=True).exists():
        raise ValidationError({"question": [_("Unknown or inactive question.")]})
    usage, created = QuestionUsage.objects.get_or_create(
        question_id=question_id, application_id=application_id, interview_id=interview_id,
        defaults={"asked_by": user, "note": note[:2000]})
    if created:
        audit_record(actor=actor, action="ai_question.asked", obj=usage,
                     changes={"question": [None, question_id], "application": [None, application_id]})
    return usage
