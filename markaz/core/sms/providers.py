"""SMS providers reached over HTTP: Infobip (serves Morocco) and a generic HTTP/JSON gateway.

Standard library only (`http.client`), with one keep-alive connection per thread, so a run of
`send_outbox` does not open a TCP (and TLS) connection per request.

Infobip (`markaz.core.sms.providers.InfobipBackend`), written against its documented SMS API:
- send: `POST {base}/sms/2/text/advanced`, header `Authorization: App <key>`, body
  `{"messages": [{"destinations": [{"to": "2126…", "messageId": "<our client id>"}], "from": …,
  "text": …, "notifyUrl": …, "notifyContentType": "application/json"}, …]}`; up to
  `MARKAZ_INFOBIP_BATCH` messages a request. The answer lists each message with its `messageId`
  and a `status` whose `groupName` is PENDING (accepted), or REJECTED / UNDELIVERABLE;
- delivery reports: pushed to `notifyUrl` (our `/sms/webhooks/reports/`) as `{"results": [{"messageId",
  "status": {"groupName": "DELIVERED" | "UNDELIVERABLE" | "EXPIRED" | "REJECTED" | "PENDING", …},
  "error": {…}, "doneAt"}]}`, or pulled with `GET {base}/sms/1/reports` (same shape);
- replies (STOP): forwarded to our `/sms/webhooks/inbound/` as `{"results": [{"from", "text"}]}`.
We set `messageId` ourselves (the message's `client_id`), the same on every attempt, so a resend
after a crash (the provider accepted, we died before recording it) carries the same id.

Settings (environment variables of the same name in production):
`MARKAZ_INFOBIP_BASE_URL` (https://<yours>.api.infobip.com), `MARKAZ_INFOBIP_API_KEY`,
`MARKAZ_SMS_SENDER` (the sender id), `MARKAZ_SMS_NOTIFY_URL` (where reports are pushed, with the
secret: https://…/sms/webhooks/reports/?secret=…), `MARKAZ_INFOBIP_BATCH` (default 100),
`MARKAZ_SMS_TIMEOUT` (seconds, default 15).

Generic (`markaz.core.sms.providers.HttpJsonBackend`): one `POST MARKAZ_SMS_HTTP_URL` a message,
with the header `MARKAZ_SMS_HTTP_HEADER` ("Name: value"), body `MARKAZ_SMS_HTTP_TEMPLATE` (JSON
whose string values may hold `{to}`, `{to_digits}`, `{text}`, `{id}`, `{from}`), and the
provider's id read at the dotted path `MARKAZ_SMS_HTTP_ID_FIELD` of the JSON answer (default
`id`). 2xx: accepted; 4xx but 408/429: refused for good; anything else: try again later.
"""

import http.client
import json
import threading
import urllib.parse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import SendError, SendResult, SmsOut


def _setting(name: str, default=None):
    return getattr(settings, name, None) or default


class HttpClient:
    """One keep-alive HTTP(S) connection per thread to one origin."""

    def __init__(self, base_url: str, timeout: float = 15.0):
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise SendError(f"Not an http(s) URL: {base_url!r}", permanent=True)
        self.scheme, self.host, self.port = parsed.scheme, parsed.hostname, parsed.port
        self.prefix = parsed.path.rstrip("/")
        self.query = parsed.query
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = (
                http.client.HTTPSConnection
                if self.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = cls(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def request(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple:
        """(status, body bytes). A connection the server closed while idle is opened again once;
        any other network error raises SendError (transient)."""
        url = self.prefix + path
        if self.query and "?" not in path:
            url += "?" + self.query
        for attempt in (1, 2):
            conn = self._connection()
            reused = getattr(conn, "sock", None) is not None
            try:
                conn.request(method, url, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if reused and attempt == 1:
                    continue  # the idle keep-alive connection was closed by the server
                raise SendError(f"{type(exc).__name__}: {exc}") from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise SendError(f"{type(exc).__name__}: {exc}") from exc
        raise SendError("unreachable")  # pragma: no cover


def _digits(phone: str) -> str:
    return phone.lstrip("+")


def _error_text(status: int, data: bytes) -> str:
    try:
        payload = json.loads(data)
        text = payload["requestError"]["serviceException"]["text"]
    except (ValueError, KeyError, TypeError):
        text = data[:200].decode("utf-8", "replace")
    return f"HTTP {status}: {text}".strip()


class InfobipBackend:
    """Infobip's SMS API (see the module's docstring)."""

    REFUSED = {"REJECTED", "UNDELIVERABLE"}

    def __init__(self, base_url: str | None = None, api_key: str | None = None):
        base_url = base_url or _setting("MARKAZ_INFOBIP_BASE_URL")
        api_key = api_key or _setting("MARKAZ_INFOBIP_API_KEY")
        if not base_url or not api_key:
            raise ImproperlyConfigured("Set MARKAZ_INFOBIP_BASE_URL and MARKAZ_INFOBIP_API_KEY.")
        self.client = HttpClient(base_url, float(_setting("MARKAZ_SMS_TIMEOUT", 15)))
        self.headers = {
            "Authorization": f"App {api_key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.sender = _setting("MARKAZ_SMS_SENDER", "Markaz")
        self.notify_url = _setting("MARKAZ_SMS_NOTIFY_URL", "")
        self.batch_size = int(_setting("MARKAZ_INFOBIP_BATCH", 100))

    def _message(self, m: SmsOut) -> dict:
        message = {
            "destinations": [{"to": _digits(m.phone), "messageId": m.client_id}],
            "from": self.sender,
            "text": m.text,
        }
        if self.notify_url:
            message["notifyUrl"] = self.notify_url
            message["notifyContentType"] = "application/json"
        return message

    def send_many(self, messages: list[SmsOut]) -> list[SendResult]:
        results = []
        for start in range(0, len(messages), self.batch_size):
            results.extend(self._send_batch(messages[start : start + self.batch_size]))
        return results

    def _send_batch(self, messages: list[SmsOut]) -> list[SendResult]:
        body = json.dumps(
            {"messages": [self._message(m) for m in messages]}, ensure_ascii=False
        ).encode()
        status, data = self.client.request("POST", "/sms/2/text/advanced", body, self.headers)
        if status >= 300:
            # 400: the request itself is wrong (sending it again cannot help); 401/403: a wrong
            # key, fixed in the settings; 429 and 5xx: try again later.
            raise SendError(_error_text(status, data), permanent=status == 400)
        try:
            answered = {item["messageId"]: item for item in json.loads(data).get("messages", [])}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SendError(f"Unreadable answer: {data[:200]!r}") from exc
        results = []
        for m in messages:
            item = answered.get(m.client_id)
            if item is None:
                results.append(SendResult(m.client_id, error="No answer for this message."))
                continue
            state = item.get("status") or {}
            if state.get("groupName") in self.REFUSED:
                text = state.get("description") or state.get("name") or state.get("groupName")
                results.append(SendResult(m.client_id, error=str(text), permanent=True))
            else:
                results.append(SendResult(m.client_id, provider_id=str(item["messageId"])))
        return results

    def fetch_reports(self, limit: int = 1000) -> dict:
        """Delivery reports not fetched yet (each is returned once by Infobip)."""
        status, data = self.client.request(
            "GET", f"/sms/1/reports?limit={int(limit)}", None, self.headers
        )
        if status >= 300:
            raise SendError(_error_text(status, data))
        return json.loads(data)


def _fill(template, values: dict):
    """Substitute `{name}` in every string of a parsed JSON template (so a message's text is
    always one JSON string, whatever it holds)."""
    if isinstance(template, str):
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return template
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    return template


def _dig(payload, path: str):
    for part in path.split("."):
        payload = payload[int(part)] if isinstance(payload, list) else payload[part]
    return payload


class HttpJsonBackend:
    """A gateway that takes one JSON request per message (see the module's docstring)."""

    DEFAULT_TEMPLATE = '{"to": "{to}", "text": "{text}", "id": "{id}", "from": "{from}"}'

    def __init__(self, url: str | None = None, header: str | None = None, template=None):
        url = url or _setting("MARKAZ_SMS_HTTP_URL")
        if not url:
            raise ImproperlyConfigured("Set MARKAZ_SMS_HTTP_URL.")
        parsed = urllib.parse.urlsplit(url)
        self.client = HttpClient(
            f"{parsed.scheme}://{parsed.netloc}", float(_setting("MARKAZ_SMS_TIMEOUT", 15))
        )
        self.path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        header = header or _setting("MARKAZ_SMS_HTTP_HEADER", "")
        if header:
            name, _sep, value = header.partition(":")
            self.headers[name.strip()] = value.strip()
        template = template or _setting("MARKAZ_SMS_HTTP_TEMPLATE", self.DEFAULT_TEMPLATE)
        self.template = json.loads(template) if isinstance(template, str) else template
        self.id_field = _setting("MARKAZ_SMS_HTTP_ID_FIELD", "id")
        self.sender = _setting("MARKAZ_SMS_SENDER", "Markaz")

    def send_many(self, messages: list[SmsOut]) -> list[SendResult]:
        results = []
        for m in messages:
            body = _fill(
                self.template,
                {
                    "to": m.phone,
                    "to_digits": _digits(m.phone),
                    "text": m.text,
                    "id": m.client_id,
                    "from": self.sender,
                },
            )
            data = json.dumps(body, ensure_ascii=False).encode()
            try:
                status, answer = self.client.request("POST", self.path, data, self.headers)
            except SendError as exc:
                results.append(SendResult(m.client_id, error=str(exc)))
                continue
            if 200 <= status < 300:
                try:
                    provider_id = str(_dig(json.loads(answer), self.id_field))
                except (ValueError, KeyError, IndexError, TypeError):
                    provider_id = m.client_id
                results.append(SendResult(m.client_id, provider_id=provider_id))
            else:
                permanent = 400 <= status < 500 and status not in (408, 429)
                results.append(
                    SendResult(m.client_id, error=_error_text(status, answer), permanent=permanent)
                )
        return results
