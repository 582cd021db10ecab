import datetime
from decimal import Decimal

from django.utils import timezone

from candidates.models import State
from onboarding import services
from onboarding.demo import signature_png
from onboarding.models import PayBand
from tests.candidates.factories import JobFactory, app_in_state

PNG = signature_png()


def band(department, level="N1", lo=8000, mid=10000, hi=12000):
    return PayBand.objects.create(department=department, job_level=level, minimum=Decimal(lo), midpoint=Decimal(mid),
                                  maximum=Decimal(hi))


def interviewing_app(department, **job_kwargs):
    return app_in_state(State.INTERVIEWING, job=JobFactory(department=department, **job_kwargs))


def drafted(users, app, salary=10000, level="N1"):
    return services.offer_draft(actor=users.hr, application_id=app.pk, monthly_salary=salary, job_level=level,
                                start_date=timezone.localdate() + datetime.timedelta(days=30))


def sent_offer(users, app, salary=10000):
    """An offer walked to ``sent`` through the services (hiring manager approves)."""
    offer = drafted(users, app, salary)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    for approval in offer.approvals.order_by("step"):
        approval.refresh_from_db()
        services.offer_decide(actor=approval.approver, approval_id=approval.pk, decision="approve", comment="ok")
    services.offer_send(actor=users.hr, offer_id=offer.pk)
    offer.refresh_from_db()
    return offer
