import datetime

import factory

from candidates.models import Application, Candidate, Credential, JobRequisition
from candidates.validators import id_number_check_char
from tests.factories import DepartmentFactory


def make_id_number(n: int) -> str:
    first17 = f"110105199001{(n % 28) + 1:02d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRequisition

    department = factory.SubFactory(DepartmentFactory)
    title = factory.Sequence(lambda n: f"岗位{n}")
    status = JobRequisition.Status.OPEN
    skills = factory.LazyFunction(lambda: [{"name": "静脉穿刺", "weight": 3, "aliases": ["IV"]},
                                           {"name": "急救", "weight": 1, "aliases": ["first aid"]}])
    min_years = 2
    education_level = "bachelor"
    required_credentials = factory.LazyFunction(list)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    email = factory.Sequence(lambda n: f"cand{n}@example.org")
    id_number = factory.Sequence(make_id_number)
    education = "bachelor"
    years_experience = 3
    skills = factory.LazyFunction(lambda: ["静脉穿刺"])


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    job = factory.SubFactory(JobFactory)

    @factory.post_generation
    def consented(app, create, extracted, **kwargs):
        """The candidate agreed to every purpose of the job's organisation's notice when applying, as most do
        (R-SEC-5); ``consented=False`` for one who agreed to nothing, or a list of the purposes agreed to."""
        if not create or extracted is False:
            return
        from candidates.consent import consent_give  # noqa: PLC0415 - factories load before the apps are ready
        from candidates.models import ConsentChannel, Purpose  # noqa: PLC0415 - as above
        from hrsys.accounts.models import Department  # noqa: PLC0415 - as above

        if not Department.objects.filter(pk=app.job.department.organization_pk, kind="organization").exists():
            return  # a job outside any hospital or company (the factories' default department): no notice to agree to
        consent_give(candidate_id=app.candidate_id, organization_id=app.job.department.organization_pk,
                     purposes=extracted or Purpose.values, channel=ConsentChannel.STAFF)


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    candidate = factory.SubFactory(CandidateFactory)
    type = "nurse_licence"
    number = factory.Sequence(lambda n: f"NL{n:08d}")
    issuer = "国家卫生健康委员会"
    issued_on = datetime.date(2020, 1, 1)
    expires_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=365))


def app_in_state(state, **kwargs) -> Application:
    """An application already in ``state`` (the state field is protected: set it at construction)."""
    return ApplicationFactory(state=state, **kwargs)
