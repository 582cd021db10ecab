"""A redis-server of the test's own on a free port, stopped (killed: what it held is lost, as in a restart
without persistence) and started again on the same port (issue 21 item 1)."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.faults.pg_cluster import free_port


class ThrowawayRedis:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.binary = shutil.which("redis-server")
        self.proc = None

    @property
    def available(self) -> bool:
        return bool(self.binary)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "ThrowawayRedis":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
