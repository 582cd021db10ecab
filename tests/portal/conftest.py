import pytest


@pytest.fixture(autouse=True)
def _no_pdf_by_default(settings):
    """LibreOffice takes seconds per letter: unit tests use the DOCX alone unless they ask for PDF."""
    settings.OFFER_LETTER_PDF = False
