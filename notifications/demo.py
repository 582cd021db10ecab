"""Demo data: default templates and policies (restored if missing) and a few sample messages."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from hrsys.accounts.models import Department

from .default_templates import install_defaults
from .models import EscalationPolicy, MessageTemplate, Notification
from .services import candidate_action_record, notification_create
from .types import Recipient


def seed(stdout=None, scale=0, **options) -> dict:
    created = install_defaults(MessageTemplate, EscalationPolicy)

    department = Department.objects.order_by("path").exclude(kind="organization").first()
    samples = [
        ("demo-1", "张伟", "+8613800138001", "zh-hans", "sms", "interview_reminder"),
        ("demo-2", "Li Na", "+8613800138002", "en", "email", "interview_invitation"),
        ("demo-3", "王芳", "+8613800138003", "zh-hans", "sms", "ai_interview_invitation"),
    ]
    made = 0
    with transaction.atomic():
        for ref, name, phone, lang, channel, key in samples:
            key_exists = Notification.objects.filter(idempotency_key=f"demo:{ref}:{key}").exists()
            # Names are HR's data (Chinese in every language); the words around them are the recipient's.
            portal = f"{settings.PUBLIC_BASE_URL}/portal/"
            when = timezone.localtime(timezone.now() + timedelta(days=2))
            context = {"job_title": "护士", "department_name": department.name if department else "",
                       "organization_name": department.organization().name if department else "市第一人民医院",
                       "interview_time": when.strftime("%Y-%m-%d %H:%M"), "confirm_url": portal}
            if key != "ai_interview_invitation":
                with translation.override(lang):
                    round_name = gettext("clinical skills interview")
                context.update({"location": "门诊楼 302", "reschedule_url": portal, "round_name": round_name})
            else:
                context.update({"interview_url": "https://ai.example.org/start/demo",
                                "deadline": (when + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
                                "duration_minutes": 20, "contact_name": "李老师", "contact_phone": "010-88880000"})
                context.pop("interview_time")
            n = notification_create(
                recipient=Recipient(type="demo.person", id=ref, name=name, phone=phone,
                                    email=f"{ref}@example.org", language=lang),
                channel=channel, template_key=key, context=context, idempotency_key=f"demo:{ref}:{key}",
                department=department, escalation_policy="sms-undelivered-1h-voice" if channel == "sms" else None,
            )
            if not key_exists:
                made += 1
                if ref == "demo-2":
                    candidate_action_record(kind="confirm", channel="email", notification=None,
                                            recipient_type="demo.person", recipient_id=ref, department=department)
            del n
    return {"templates_and_policies_created": created, "notifications_created": made}
