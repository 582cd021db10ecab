# Onboarding cases open attendance accounts: the same stand-ins for the broker and LibreOffice as there.
from tests.attendance.conftest import _no_broker, _no_pdf  # noqa: F401 - autouse fixtures
