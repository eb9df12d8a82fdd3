"""A real HTTP server on 127.0.0.1 that records what hooks send and answers as told.

    with WebhookReceiver() as receiver:
        receiver.answers = [500, 200]          # then 200 for the rest
        ...
        receiver.wait_for(2)
        receiver.requests[0].headers["webhook-id"]

``answers`` items are a status code or a dict: ``{"status": 429, "headers":
{"Retry-After": "120"}, "delay": 2.0, "body": "text or bytes"}``.
"""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict
    body: bytes

    @property
    def text(self):
        return self.body.decode()


class WebhookReceiver:
    def __init__(self, default=200):
        self.default = default
        self.answers = []
        self.requests = []
        self.arrivals = 0  # requests whose handling has started
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = receiver._next_answer()
                with receiver._lock:
                    receiver.arrivals += 1
                    receiver.in_flight += 1
                    receiver.peak_in_flight = max(receiver.peak_in_flight, receiver.in_flight)
                if answer.get("delay"):
                    time.sleep(answer["delay"])
                with receiver._lock:
                    receiver.in_flight -= 1
                    receiver.requests.append(
                        ReceivedRequest(self.command, self.path, dict(self.headers), body)
                    )
                    receiver._lock.notify_all()
                payload = answer.get("body", "ok")
                payload = payload if isinstance(payload, bytes) else payload.encode()
                try:
                    self.send_response(answer.get("status", 200))
                    for name, value in answer.get("headers", {}).items():
                        self.send_header(name, value)
                    if answer.get("status", 200) in (204, 304):
                        payload = b""
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up (a timeout test)

            do_POST = do_PUT = do_PATCH = do_GET = do_DELETE = _handle

            def log_message(self, format, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # concurrent senders connect many at once
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _next_answer(self):
        with self._lock:
            answer = self.answers.pop(0) if self.answers else self.default
        return {"status": answer} if isinstance(answer, int) else dict(answer)

    def wait_for(self, count, timeout=30.0):
        """Block until ``count`` requests have arrived; the requests."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} requests at {self.url}, got {len(self.requests)}"
                    )
                self._lock.wait(left)
            return list(self.requests)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
