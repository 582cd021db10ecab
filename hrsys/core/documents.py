"""Word to PDF with LibreOffice headless, for documents people keep or hand on (offer letters, evidence
reports). ``None`` when LibreOffice is not installed or the conversion fails: callers decide whether the
Word file alone will do."""

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def soffice_binary() -> str | None:
    return shutil.which(getattr(settings, "SOFFICE_BINARY", "soffice"))


def docx_to_pdf(docx: bytes, *, timeout: int = 120) -> bytes | None:
    binary = soffice_binary()
    if not binary:
        return None
    with tempfile.TemporaryDirectory(prefix="hrsys-pdf-") as tmp:
        src = Path(tmp) / "document.docx"
        src.write_bytes(docx)
        # a private profile: parallel conversions must not share (and lock) one user installation
        cmd = [binary, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", tmp, str(src)]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
        except (subprocess.SubprocessError, OSError) as exc:
            logger.warning("PDF conversion failed: %s", exc)
            return None
        pdf = Path(tmp) / "document.pdf"
        return pdf.read_bytes() if pdf.exists() else None
