import pytest

from tests.candidates.factories import JobFactory


@pytest.fixture
def er_job(org):
    """An open ER nurse job requiring a nurse licence for the later moves."""
    return JobFactory(department=org.emergency, title="急诊护士", priority="urgent",
                      required_credentials=["nurse_licence"])


@pytest.fixture
def it_job(org):
    return JobFactory(department=org.it, title="运维工程师",
                      skills=[{"name": "Linux", "weight": 2}, {"name": "Python", "weight": 1}])


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English (the msgids), whatever the catalogs translate them to."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
