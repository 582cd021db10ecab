"""The local HTTP server every fake provider of the tests answers on (Twilio, Aliyun / Tencent SMS, WeCom / DingTalk,
event subscribers): a free port on 127.0.0.1, one thread per request, started and stopped by the test."""

import threading
from http.server import ThreadingHTTPServer


class FakeHTTPServer:
    #: appended to the server's address in ``url`` (where the fake expects its requests)
    path = ""

    def _serve(self, handler) -> None:
        """Bind ``handler`` (a ``BaseHTTPRequestHandler`` class) to a free local port; ``start`` serves it."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
