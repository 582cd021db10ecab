"""HTTP load from wrk (Debian's ``wrk``: C, one epoll loop per thread), sending a list of prepared requests
exactly once each and returning every request's latency and every answer's status.

The issue's measurements were taken with wrk; a client written in Python spends CPU of the same two cores the
server runs on, and its threads wait for the interpreter's lock before they note a response's time, which
counts towards the server's latency. wrk sends each request and notes its answer's time in C.

How: one wrk thread per connection (``-t N -c N``), so a thread sends its next request only when the previous
answer arrived and stops after its share (no request is sent beyond the list). Each thread reads its share of
the requests from a file written here, counts the answers' statuses and, when done, writes them to a file of
its own and stops; this script then interrupts wrk's wait (wrk waits out ``-d`` otherwise), and wrk's ``done``
writes its latency histogram (each latency in microseconds and its count) to a file: every request's latency.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

LUA = r"""
local count = 0
function setup(thread)
  thread:set("index", count)
  count = count + 1
end

function init(args)
  local threads = tonumber(os.getenv("WRK_THREADS"))
  local file = assert(io.open(os.getenv("WRK_REQUESTS"), "rb"))
  requests, answered, statuses = {}, 0, {}
  local i = 0
  while true do
    local size = file:read("*l")
    if not size then break end
    local data = file:read(tonumber(size))
    if i % threads == index then table.insert(requests, data) end
    i = i + 1
  end
  file:close()
end

-- The next request is the one after the answered ones (one connection per thread). Not a counter of calls:
-- wrk calls the first thread's request() once more, before the load, to inspect what it sends.
function request()
  return requests[answered + 1]
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  if answered == #requests then
    local out = assert(io.open(os.getenv("WRK_DONE") .. "/" .. index, "w"))
    for code, n in pairs(statuses) do out:write(code, " ", n, "\n") end
    out:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("WRK_LATENCY"), "w"))
  for i = 1, #latency do  -- each latency seen (microseconds) and how many requests took it
    local value, n = latency(i)
    out:write(value, " ", n, "\n")
  end
  out:write("errors ", summary.errors.connect + summary.errors.read + summary.errors.write
            + summary.errors.timeout, "\n")
  out:close()
end
"""


class Load(NamedTuple):
    times: list[float]  # milliseconds, one per answered request
    codes: Counter  # HTTP status -> answers; 0 counts requests that got no answer
    seconds: float  # from the first request to the last answer


def available() -> bool:
    return shutil.which("wrk") is not None


def run(port: int, requests: list[tuple[str, bytes, dict]], concurrency: int, *, limit_seconds: int = 600) -> Load:
    """POST each (path, body, headers) once to 127.0.0.1:``port``, ``concurrency`` at a time."""
    connections = max(1, min(concurrency, len(requests)))
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        work = Path(scratch)
        (work / "done").mkdir()
        with open(work / "requests", "wb") as out:
            for path, body, headers in requests:
                head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
                data = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}"
                        f"Content-Length: {len(body)}\r\n\r\n").encode() + body
                out.write(f"{len(data)}\n".encode() + data)
        (work / "load.lua").write_text(LUA)
        env = {**os.environ, "WRK_THREADS": str(connections), "WRK_REQUESTS": str(work / "requests"),
               "WRK_DONE": str(work / "done"), "WRK_LATENCY": str(work / "latency")}
        started = time.perf_counter()
        wrk = subprocess.Popen(["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{limit_seconds}s",
                                "--timeout", "10s", "-s", str(work / "load.lua"), f"http://127.0.0.1:{port}/"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while wrk.poll() is None and len(os.listdir(work / "done")) < connections:
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        if wrk.poll() is None:
            wrk.send_signal(signal.SIGINT)  # every thread is done: end wrk's wait, it then runs done()
        _out, err = wrk.communicate(timeout=60)
        if not (work / "latency").exists():
            raise RuntimeError(f"wrk wrote no latencies: {err.decode(errors='replace')[-500:]}")
        times: list[float] = []
        codes: Counter = Counter()
        for line in (work / "latency").read_text().splitlines():
            first, n = line.split()
            if first == "errors":
                if int(n):
                    codes[0] += int(n)
            else:
                times.extend([int(first) / 1000] * int(n))
        for name in os.listdir(work / "done"):
            for line in (work / "done" / name).read_text().splitlines():
                code, n = line.split()
                codes[int(code)] += int(n)
    return Load(times=times, codes=codes, seconds=seconds)
