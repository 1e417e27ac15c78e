"""A local stand-in for an SMS provider, for tests, the benchmark and a developer's machine.

Speaks the part of Infobip's SMS API that `InfobipBackend` uses (`POST /sms/2/text/advanced`,
`GET /sms/1/reports`, `Authorization: App <key>`) and a generic one-message endpoint
(`POST /generic`), on 127.0.0.1 with HTTP/1.1 keep-alive. Like the real provider it
deduplicates on the client's `messageId`: a message submitted again is answered as accepted and
not delivered a second time (counted in `duplicates`). Standard library only, no Django.

Faults, to test what the outbox does with them: `fail_every=n` answers every n-th request 503
before looking at it; `drop_every=n` accepts every n-th request and then closes the connection
without answering (the client cannot tell whether it arrived); `after_accept(n)` runs once the
n-th request was accepted, before the answer (a test kills the sender there).

    python -m markaz.core.sms.standin 8025    # serve until Ctrl-C
"""

import json
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StandInProvider:
    def __init__(
        self,
        *,
        api_key: str = "test-key",
        fail_every: int = 0,
        drop_every: int = 0,
        after_accept=None,
        reject_prefix: str = "",
        port: int = 0,
    ):
        self.api_key = api_key
        self.fail_every = fail_every
        self.drop_every = drop_every
        self.after_accept = after_accept
        self.reject_prefix = reject_prefix  # numbers starting so are REJECTED (invalid)
        self.lock = threading.Lock()
        self.requests = 0
        self.failed_requests = 0
        self.dropped_requests = 0
        self.delivered: Counter = Counter()  # messageId → times handed to a handset (must be 1)
        self.duplicates = 0  # submissions of a messageId already accepted
        self.texts: dict[str, tuple[str, str]] = {}
        self.pending_reports: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "StandInProvider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _accept(self, to: str, message_id: str, text: str) -> dict:
        rejected = self.reject_prefix and to.startswith(self.reject_prefix)
        if rejected:
            status = {"groupId": 5, "groupName": "REJECTED", "id": 51, "name": "MISSING_TO"}
            status["description"] = "Invalid destination address"
        else:
            status = {"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED"}
            status["description"] = "Message sent to next instance"
            if message_id in self.delivered:
                self.duplicates += 1
            else:
                self.delivered[message_id] += 1
                self.texts[message_id] = (to, text)
                self.pending_reports.append(
                    {
                        "messageId": message_id,
                        "to": to,
                        "status": {
                            "groupId": 3,
                            "groupName": "DELIVERED",
                            "id": 5,
                            "name": "DELIVERED_TO_HANDSET",
                            "description": "Message delivered to handset",
                        },
                        "error": {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR"},
                    }
                )
        return {"to": to, "messageId": message_id, "status": status}

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict, bool]:
        """What one request does: (HTTP status, JSON answer, drop the connection instead)."""
        with self.lock:
            self.requests += 1
            n = self.requests
            if self.fail_every and n % self.fail_every == 0:
                self.failed_requests += 1
                return 503, {"requestError": {"serviceException": {"text": "Try later"}}}, False
            if path.startswith("/sms/") and headers.get("Authorization") != f"App {self.api_key}":
                error = {"messageId": "UNAUTHORIZED", "text": "Invalid login details"}
                return 401, {"requestError": {"serviceException": error}}, False
            try:
                payload = json.loads(body or b"null")
            except ValueError:
                return 400, {"requestError": {"serviceException": {"text": "Bad JSON"}}}, False
            if method == "GET" and path.startswith("/sms/1/reports"):
                reports, self.pending_reports = self.pending_reports, []
                return 200, {"results": reports}, False
            if method == "POST" and path == "/sms/2/text/advanced":
                answered = []
                for message in payload.get("messages", []):
                    for dest in message.get("destinations", []):
                        answered.append(
                            self._accept(dest["to"], dest["messageId"], message.get("text", ""))
                        )
                answer = {"bulkId": f"bulk-{n}", "messages": answered}
            elif method == "POST" and path == "/generic":
                item = self._accept(payload["to"], payload["id"], payload.get("text", ""))
                if item["status"]["groupName"] == "REJECTED":
                    return 422, {"error": "invalid number"}, False
                answer = {"id": payload["id"], "status": "accepted"}
            else:
                return 404, {"error": "not found"}, False
            drop = bool(self.drop_every and n % self.drop_every == 0)
            if drop:
                self.dropped_requests += 1
        if self.after_accept is not None:
            self.after_accept(n)
        return 200, answer, drop

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, answer, drop = provider.handle(method, self.path, self.headers, body)
                if drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client is gone (a test killed it)
                    self.close_connection = True

            def do_POST(self):
                self._serve("POST")

            def do_GET(self):
                self._serve("GET")

        return Handler


if __name__ == "__main__":  # pragma: no cover
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8025
    provider = StandInProvider(port=port)
    print(f"Stand-in SMS provider on {provider.url} (API key: {provider.api_key})")
    provider.server.serve_forever()
