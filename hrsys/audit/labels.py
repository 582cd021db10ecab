"""Audit actions and object types in words (issue 15 item 2): the audit trail stores codes
(``candidate.create``, ``application.screen``, ``candidates.credential``); people read "候选人：已创建".

An action is ``<object>.<verb>``, the object possibly dotted (``offer.approval.approve``). A stage can say
better than the generic words for its own actions (a move's label, an interview event's sentence): it
registers a resolver in its ``AppConfig.ready`` with :func:`register_resolver`, which keeps this module free
of imports from the stages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_RESOLVERS: list[Callable[[str, str], str | None]] = []

OBJECTS = {
    "candidate": gettext_lazy("Candidate"), "application": gettext_lazy("Application"),
    "credential": gettext_lazy("Credential"), "resume": gettext_lazy("Résumé"), "job": gettext_lazy("Job"),
    "talent_pool": gettext_lazy("Talent pool"), "interview": gettext_lazy("Interview"),
    "interviewer_profile": gettext_lazy("Interviewer profile"), "busy_block": gettext_lazy("Busy time"),
    "ai_invitation": gettext_lazy("AI interview invitation"), "ai_result": gettext_lazy("AI interview result"),
    "ai_media": gettext_lazy("AI interview recording"), "ai_question": gettext_lazy("Interview question"),
    "notification": gettext_lazy("Message"), "offer": gettext_lazy("Offer"),
    "offer.approval": gettext_lazy("Offer approval"), "onboarding_info": gettext_lazy("Onboarding information"),
    "candidate_document": gettext_lazy("Candidate document"), "onboarding.case": gettext_lazy("Onboarding"),
    "onboarding.checklist": gettext_lazy("Onboarding checklist"), "onboarding.employee": gettext_lazy("Employee"),
    # the employee file's rows since it moved out of onboarding (issue 16); the older rows keep "onboarding.employee"
    "employees.employee": gettext_lazy("Employee"),
    "attendance.account": gettext_lazy("Attendance account"), "attendance.device": gettext_lazy("Clock-in device"),
    "attendance.leave": gettext_lazy("Leave request"), "attendance.probation": gettext_lazy("Probation review"),
    "attendance.punches": gettext_lazy("Clock-in records"), "attendance.shift": gettext_lazy("Shift"),
    "dashboard": gettext_lazy("Dashboard"), "portal": gettext_lazy("Candidate portal"), "user": gettext_lazy("User"),
    "department": gettext_lazy("Department"), "system.backup": gettext_lazy("Backup"),
    # the configuration API's writes (R-INT-4)
    "pay_band": gettext_lazy("Pay band"), "offer_template": gettext_lazy("Offer template"),
    "onboarding.checklist_template": gettext_lazy("Onboarding checklist template"),
    "attendance.shift_template": gettext_lazy("Shift template"),
    "attendance.door_group": gettext_lazy("Door access group"), "reminder_policy": gettext_lazy("Reminder policy"),
    "room": gettext_lazy("Interview room"),
    "audit_log": gettext_lazy("Audit and access logs"),
}

VERBS = {
    "create": gettext_lazy("created"), "update": gettext_lazy("changed"), "add": gettext_lazy("added"),
    "upload": gettext_lazy("uploaded"), "import": gettext_lazy("imported"), "merge": gettext_lazy("merged"),
    "confirm": gettext_lazy("confirmed"), "cancel": gettext_lazy("cancelled"), "store": gettext_lazy("stored"),
    "purge": gettext_lazy("deleted after the retention period"), "refused": gettext_lazy("refused"),
    "review": gettext_lazy("reviewed"), "revise": gettext_lazy("revised"), "move": gettext_lazy("moved on"),
    "hold_cancel": gettext_lazy("automatic move cancelled"), "hold_release": gettext_lazy("automatic move released"),
    "asked": gettext_lazy("question asked"), "draft": gettext_lazy("drafted"), "remind": gettext_lazy("reminder sent"),
    "reactivate": gettext_lazy("re-activated"), "tag": gettext_lazy("tagged"), "save": gettext_lazy("saved"),
    "open": gettext_lazy("opened"), "done": gettext_lazy("done"), "exit": gettext_lazy("exit recorded"),
    "exit_scheduled": gettext_lazy("exit scheduled"), "schedule": gettext_lazy("scheduled"),
    "rotate": gettext_lazy("key renewed"), "request": gettext_lazy("requested"), "assign": gettext_lazy("assigned"),
    "reschedule": gettext_lazy("rescheduled"), "batch_start": gettext_lazy("batch scheduling started"),
    "feedback_submit": gettext_lazy("feedback submitted"), "feedback_update": gettext_lazy("feedback changed"),
    "feedback_reminder": gettext_lazy("feedback reminder sent"), "feedback_draft": gettext_lazy("feedback draft saved"),
    "join_problem_resolve": gettext_lazy("joining problem resolved"),
    "feed_token_rotate": gettext_lazy("calendar feed address renewed"),
    "import_ics": gettext_lazy("busy times imported from a calendar"), "session_open": gettext_lazy("signed in"),
    "sign_refused": gettext_lazy("signature refused"), "approve": gettext_lazy("approved"),
    "reject": gettext_lazy("rejected"), "request_change": gettext_lazy("changes requested"),
    "submit": gettext_lazy("submitted for approval"), "send": gettext_lazy("sent"), "accept": gettext_lazy("accepted"),
    "decline": gettext_lazy("declined"), "withdraw": gettext_lazy("withdrawn"), "expire": gettext_lazy("expired"),
    "sign": gettext_lazy("signed"), "pass": gettext_lazy("passed"), "extend": gettext_lazy("extended"),
    "fail": gettext_lazy("failed"), "cost_record_create": gettext_lazy("cost recorded"),
    "restore": gettext_lazy("restored"),
    # staff sign-in with a second factor (R-SEC-9, hrsys/accounts/twofactor.py)
    "two_factor_enrol": gettext_lazy("two-factor sign-in set up"),
    "two_factor_reset": gettext_lazy("two-factor sign-in reset"),
    "two_factor_refused": gettext_lazy("wrong sign-in code"),
    "recovery_code_use": gettext_lazy("signed in with a recovery code"),
    "recovery_codes_renew": gettext_lazy("new recovery codes made"),
}


#: Who acted, when it was not a staff user: the labels the services pass as ``actor`` (hrsys.core.actors).
MACHINE_ACTORS = {
    "hr_tick": gettext_lazy("System (scheduled check)"), "interviews": gettext_lazy("System"),
    "onboarding": gettext_lazy("System"), "attendance": gettext_lazy("System"), "pipeline": gettext_lazy("System"),
    "portal": gettext_lazy("Candidate (portal)"), "candidate": gettext_lazy("Candidate (portal)"),
    "careers": gettext_lazy("Candidate (careers site)"), "vendor": gettext_lazy("AI interview vendor"),
    "demo": gettext_lazy("Demo data"), "backup": gettext_lazy("System (backup)"), "benchmark": gettext_lazy("Benchmark"),
    "audit_purge": gettext_lazy("System (log retention)"), "retention": gettext_lazy("System (retention)"),
    "staff": gettext_lazy("Recorded by HR"), "import": gettext_lazy("Import"),
}


def actor_in_words(label: str) -> str:
    """A machine actor's label in words ("hr_tick" -> "System (scheduled check)", "candidate:12" -> "Candidate
    (portal)"); anything else (a vendor's or a person's name) as it is."""
    label = str(label or "")
    return str(MACHINE_ACTORS.get(label.split(":", 1)[0], label)) if label else ""


def register_resolver(resolver: Callable[[str, str], str | None]) -> None:
    """``resolver(object, verb)`` returns the words for an action or None to leave it to the next."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


def _split(action: str) -> tuple[str, str]:
    obj, _dot, verb = action.rpartition(".")
    return obj, verb


def action_label(action: str) -> str:
    """``candidate.create`` -> "Candidate: created"; an unknown verb is shown with spaces, never underscores."""
    obj, verb = _split(action or "")
    for resolver in _RESOLVERS:
        words = resolver(obj, verb)
        if words:
            return str(words)
    subject = (OBJECTS.get(obj) or object_type_label(obj)) if obj else ""
    what = VERBS.get(verb) or verb.replace("_", " ")
    return _("%(object)s: %(verb)s") % {"object": subject, "verb": what} if subject else str(what)


def object_type_label(object_type: str) -> str:
    """``candidates.credential`` -> the model's verbose name; anything else unchanged but readable."""
    if object_type in OBJECTS:
        return str(OBJECTS[object_type])
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type.replace("_", " ").replace(".", " ")
