"""The question bank: questions added and changed (R-AI-5, R-INT-4), a bank question asked in a round,
counted for its statistics (R-AI-5)."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from candidates.models import Application
from hrsys.audit.services import audit_record, diff_fields, snapshot
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user
from hrsys.core.config import organisation_or_invalid

from ..models import Question, QuestionUsage
from ._common import full_clean_with


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


QUESTION_FIELDS = ("organisation", "text", "language", "translation_of", "dimension", "job_family", "tags",
                   "use_for", "guidance", "active")
_DIMENSION_KEY = re.compile(r"^[a-z0-9_]{1,40}$")


def _question_values(actor, values: dict) -> tuple[dict, dict]:
    values, errors = dict(values), {}
    unknown = sorted(set(values) - set(QUESTION_FIELDS) - {"organisation_id", "translation_of_id"})
    for name in unknown:
        errors[name] = [_("Unknown field.")]
        values.pop(name)
    if "organisation_id" in values:
        try:
            values["organisation"] = organisation_or_invalid(actor, values.pop("organisation_id"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "translation_of_id" in values:
        other_id = values.pop("translation_of_id")
        if other_id is None:
            values["translation_of"] = None
        else:
            user = _user(actor)
            qs = Question.objects.for_user(user) if user is not None else Question.objects.all()
            values["translation_of"] = qs.filter(pk=other_id).first()
            if values["translation_of"] is None:
                errors["translation_of"] = [_("Unknown question.")]
    if "dimension" in values and not _DIMENSION_KEY.match(values["dimension"] or ""):
        errors["dimension"] = [_("A dimension key: lower-case letters, digits and _, e.g. stress_tolerance.")]
    if "job_family" in values:
        values["job_family"] = (values["job_family"] or "").strip()
    return values, errors


def _question_save(actor, question: Question, values: dict) -> Question:
    values, errors = _question_values(actor, values)
    for name, value in values.items():
        if name not in errors:
            setattr(question, name, value)
    full_clean_with(question, errors)
    question.save()
    return question


@transaction.atomic
def question_create(*, actor, organisation_id: int, **values) -> Question:
    """A question of an organisation's bank, tagged by dimension, job family, tags and language (R-AI-5,
    R-INT-4); 400 with field messages on bad input."""
    _require(actor, "ai_interviews.add_question")
    question = _question_save(actor, Question(), {"organisation_id": organisation_id, **values})
    audit_record(actor=actor, action="ai_question.create", obj=question,
                 changes=diff_fields({}, snapshot(question, QUESTION_FIELDS)))
    return question


@transaction.atomic
def question_update(*, actor, question_id: int, **changes) -> Question:
    """Change a bank question (deactivate it rather than delete: its statistics stay); 404 outside the
    actor's organisations (R-AI-5, R-INT-4)."""
    _require(actor, "ai_interviews.change_question")
    user = _user(actor)
    qs = Question.objects.for_user(user) if user is not None else Question.objects.all()
    if not qs.filter(pk=question_id).exists():
        raise Http404
    question = Question.objects.select_for_update().get(pk=question_id)
    before = snapshot(question, QUESTION_FIELDS)
    question = _question_save(actor, question, changes)
    diff = diff_fields(before, snapshot(question, QUESTION_FIELDS))
    if diff:
        audit_record(actor=actor, action="ai_question.update", obj=question, changes=diff)
    return question
