# The employee file comes from an onboarding case, which opens an attendance account: the same stand-ins for the
# broker and LibreOffice as there, and the onboarding cases' fixtures (an accepted offer's case, a clinical hire).
from tests.attendance.conftest import _no_broker, _no_pdf  # noqa: F401 - autouse fixtures
from tests.onboarding_cases.test_api import case  # noqa: F401 - a fixture
from tests.onboarding_cases.test_cases import nurse_app  # noqa: F401 - a fixture
