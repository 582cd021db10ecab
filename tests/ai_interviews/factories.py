import datetime

import factory
from django.utils import timezone

from interviews.ai.models import AIInvitation, Question, Vendor
from tests.candidates.factories import ApplicationFactory, CandidateFactory, JobFactory  # noqa: F401

DIMENSIONS = [
    {"key": "logic", "label": "逻辑思维", "pass": 70, "borderline": 50},
    {"key": "communication", "label": "沟通能力", "pass": 60, "borderline": 40},
    {"key": "stress_tolerance", "label": "抗压能力", "pass": 60, "borderline": 40},
]


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"vendor{n}")
    name = factory.Sequence(lambda n: f"Vendor {n}")
    adapter = "interviews.ai.adapters.generic.GenericAdapter"
    signature_scheme = "hrsys-v1"
    secret = "s" * 32
    interview_url_template = "https://ai.example.org/start/{assessment_id}"


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AIInvitation

    application = factory.SubFactory(ApplicationFactory, state="ai_invited")
    vendor = factory.SubFactory(VendorFactory)
    assessment_id = factory.Sequence(lambda n: f"A-{n}")
    candidate_url = factory.LazyAttribute(lambda o: f"https://ai.example.org/start/{o.assessment_id}")
    deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    text = factory.Sequence(lambda n: f"问题 {n}")
    language = "zh-hans"
    dimension = "logic"
