import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English here (the admin pages render in the user's language)."""
    with translation.override("en"):
        yield
