"""A media folder on a full disk: a tmpfs of a few kilobytes, mounted for the test and filled (issue 21 item 5)."""

import contextlib
import os
import subprocess
from pathlib import Path

import pytest


@contextlib.contextmanager
def full_disk(folder: Path, size_kb: int = 64):
    """Mount a ``size_kb`` tmpfs on ``folder`` and fill it; skip where mounting is not allowed. Yields a function
    that frees the space again."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (not root, or no mount permission)")
    filler = folder / "filler"
    try:
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            with contextlib.suppress(OSError):  # ENOSPC: the disk is full
                while True:
                    os.write(fd, b"\0" * 4096)
        finally:
            os.close(fd)
        yield lambda: filler.unlink(missing_ok=True)
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
