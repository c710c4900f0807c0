"""A local page that trickles one byte a second (for the scripts that check slow fetches)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Trickle(BaseHTTPRequestHandler):
    seconds = 300

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            for _ in range(self.seconds):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(1.0)
        except OSError:
            pass

    def log_message(self, *args) -> None:
        pass


def start() -> ThreadingHTTPServer:
    """The server, serving in a daemon thread on 127.0.0.1 (`server.server_port`); `shutdown()` ends it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
