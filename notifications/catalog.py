"""Every message the system sends, with the variables its template may use.

Templates are edited by HR; a template naming a variable that is not declared
here is rejected on save, so a typo cannot send "Dear ," to a candidate.
"""

from django.utils.translation import gettext_lazy as _

_PERSON = {"recipient_name"}
#: ``position`` is composed at rendering from job_title and department_name (notifications/wording.py), so
#: "急诊科 + 急诊科住院医师" never reads "急诊科急诊科住院医师"; every key with a job_title may use it.
_INTERVIEW = {"job_title", "department_name", "position", "interview_time", "location", "meeting_url",
              "confirm_url", "reschedule_url", "contact_name", "contact_phone", "round_name", "organization_name"}
_AI_INTERVIEW = {"job_title", "department_name", "position", "organization_name", "interview_url", "deadline",
                 "duration_minutes", "contact_name", "contact_phone", "confirm_url"}

TEMPLATE_KEYS: dict[str, dict] = {
    "interview_invitation": {"label": _("Interview invitation"), "variables": _PERSON | _INTERVIEW},
    "interview_rescheduled": {"label": _("Interview moved to a new time"),
                              "variables": _PERSON | _INTERVIEW | {"previous_time"}},
    "interview_reminder": {"label": _("Interview reminder"), "variables": _PERSON | _INTERVIEW},
    "ai_interview_invitation": {
        "label": _("AI interview invitation with operating guide"),
        "variables": _PERSON | _AI_INTERVIEW,
    },
    "ai_interview_rescheduled": {"label": _("AI interview: new deadline"),
                                 "variables": _PERSON | _AI_INTERVIEW | {"previous_deadline"}},
    "no_show_reschedule": {"label": _("Missed interview: reschedule offer"),
                           "variables": _PERSON | _INTERVIEW},
    "offer_sent": {"label": _("Offer sent"),
                   "variables": _PERSON | {"job_title", "department_name", "position", "organization_name", "offer_url",
                                           "respond_by", "start_date", "contact_name", "contact_phone"}},
    "interview_cancelled": {"label": _("Interview cancelled"), "variables": _PERSON | _INTERVIEW},
    "application_rejected": {"label": _("Application not successful"),
                             "variables": _PERSON | {"job_title", "position", "organization_name", "message"}},
    "portal_sign_in_code": {"label": _("Candidate portal: sign-in code"),
                            "variables": _PERSON | {"code", "minutes", "organization_name"}, "secret": True},
    "offer_accepted": {"label": _("Offer accepted: welcome and onboarding form"),
                       "variables": _PERSON | {"job_title", "position", "organization_name", "start_date",
                                               "portal_url"}},
    "offer_withdrawn": {"label": _("Offer withdrawn"),
                        "variables": _PERSON | {"job_title", "position", "organization_name"}},
    "offer_expired": {"label": _("Offer expired unanswered"),
                      "variables": _PERSON | {"job_title", "position", "organization_name"}},
    "start_date_changed": {"label": _("Start date changed"),
                           "variables": _PERSON | {"organization_name", "start_date", "clock_id"}},
    "onboarding_task_reminder": {"label": _("Onboarding task due (for the new hire)"),
                                 "variables": _PERSON | {"task_title", "due_date", "overdue", "portal_url",
                                                         "organization_name"}},
    "careers_application_received": {
        "label": _("Careers site: application received"),
        "variables": _PERSON | {"job_title", "department_name", "position", "organization_name", "portal_url"}},
    "careers_application_exists": {
        "label": _("Careers site: already applied for this job"),
        "variables": _PERSON | {"job_title", "department_name", "position", "organization_name", "portal_url"}},
    "generic_alert": {"label": _("Alert for HR"),
                      "variables": _PERSON | {"title", "message", "url"}},
    "voice_menu": {"label": _("Voice call: key menu"), "variables": _PERSON},
    "voice_confirmed": {"label": _("Voice call: confirmed"), "variables": _PERSON},
    "voice_reschedule": {"label": _("Voice call: reschedule requested"), "variables": _PERSON},
    "generic_message": {"label": _("Free text message"),
                        "variables": _PERSON | {"subject", "message", "url"}},
}

SAMPLE_CONTEXT = {
    "recipient_name": "张伟", "job_title": "急诊科护士", "department_name": "急诊科", "organization_name": "市第一人民医院",
    "interview_time": "2026-11-23 09:30", "location": "门诊楼 3 楼 302", "meeting_url": "https://meet.example.org/abc",
    "confirm_url": "https://hr.example.org/portal/confirm/abc", "reschedule_url": "https://hr.example.org/portal/r/abc",
    "contact_name": "李老师", "contact_phone": "+86 10 8888 0000", "round_name": "临床技能面试",
    "previous_time": "2026-11-20 14:00", "previous_deadline": "2026-11-24 18:00",
    "interview_url": "https://ai.example.org/start/abc", "deadline": "2026-11-25 18:00", "duration_minutes": 20,
    "offer_url": "https://hr.example.org/portal/offer/abc", "respond_by": "2026-11-30", "start_date": "2026-12-15",
    "code": "493027", "minutes": 10, "portal_url": "https://hr.example.org/portal/onboarding/", "clock_id": "00012345",
    "task_title": "入职体检报告", "due_date": "2026-12-12", "overdue": False,
    "title": "通知发送失败", "message": "一条短信未能送达。", "url": "https://hr.example.org/admin/", "subject": "通知",
}


def sample_context(language: str) -> dict:
    """SAMPLE_CONTEXT as a sender would fill it for a recipient in ``language``: names stay HR's (Chinese), the
    words the system supplies (the round) are in the recipient's language."""
    if (language or "").startswith("zh"):
        return dict(SAMPLE_CONTEXT)
    return {**SAMPLE_CONTEXT, "recipient_name": "Li Na", "round_name": "clinical skills interview"}


def allowed_variables(key: str) -> set[str]:
    return set(TEMPLATE_KEYS[key]["variables"])


def template_label(key: str) -> str:
    """What the message is, as people say it ("Interview reminder"), for lists and to-dos."""
    return str(TEMPLATE_KEYS[key]["label"]) if key in TEMPLATE_KEYS else key


def is_secret(key: str) -> bool:
    """Messages that carry a secret (a sign-in code): nobody reads it in the outbox, and it is removed from the
    stored row once the message went out or finally failed."""
    return bool(TEMPLATE_KEYS.get(key, {}).get("secret"))
