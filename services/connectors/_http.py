"""``http_request``: a call out of the product, to an endpoint under a URL prefix the
operator allows (TALENTFLOW_HTTP_ALLOWLIST), performed by the scheduler through the outbox
(engine.outbox). A secret is named, never written: the parameter ``secret`` is the name of
an environment variable ``TALENTFLOW_SECRET_*`` whose value goes as a bearer token."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from engine.connectors import Connector, ConnectorError, Parameter
from engine.messages import Message
from engine.outbox import RetryLater

SECRET_PREFIX = "TALENTFLOW_SECRET_"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_ANSWER_BYTES = 1024 * 1024
# Worth another attempt: the endpoint may answer later (timeouts are RetryLater too).
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class HttpSettings:
    allowlist: tuple[str, ...]


def allowed(url: str, allowlist: tuple[str, ...]) -> bool:
    """Under one of the prefixes, compared on the parsed URL (no user info, no tricks
    with ``@`` or ``..``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.username or parts.password or ".." in parts.path:
        return False
    return any(url.startswith(prefix) for prefix in allowlist)


def _select(answer, fields: list[str] | None):
    """The answer's fields named by dotted paths (``data.id``), or all of it."""
    if not fields:
        return answer
    picked = {}
    for path in fields:
        value = answer
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        picked[path] = value
    return picked


def _request(params: dict, idempotency_key: str, allowlist: tuple[str, ...]) -> urllib.request.Request:
    url = params["url"]
    if not allowed(url, allowlist):
        raise ConnectorError(Message("the endpoint %(url)s is not allowed", url=_host(url)))
    headers = {"Idempotency-Key": idempotency_key, "Accept": "application/json"}
    body = None
    if params.get("body") is not None:
        body = json.dumps(params["body"], ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    secret = params.get("secret")
    if secret:
        value = os.environ.get(secret) if secret.startswith(SECRET_PREFIX) else None
        if not value:
            raise ConnectorError(Message("the secret %(name)s is not set", name=secret))
        headers["Authorization"] = f"Bearer {value}"
    method = (params.get("method") or "POST").upper()
    return urllib.request.Request(url, data=body, method=method, headers=headers)


def _send(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    """The status and body; RetryLater when the endpoint may answer later."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - allow-listed
            return response.status, response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        if error.code in RETRYABLE:
            raise RetryLater(f"HTTP {error.code}") from None
        raise ConnectorError(Message("the endpoint answered HTTP %(status)s", status=error.code)) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise RetryLater(f"no answer ({type(error).__name__})") from None


def _perform(settings: HttpSettings, params: dict, idempotency_key: str, timeout: float) -> dict:
    status, raw = _send(_request(params, idempotency_key, settings.allowlist), timeout)
    if len(raw) > MAX_ANSWER_BYTES:
        raise ConnectorError(Message("the answer is over %(limit)s bytes", limit=MAX_ANSWER_BYTES))
    try:
        answer = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise ConnectorError(Message("the answer is not JSON")) from None
    return {"status": status, "data": _select(answer, params.get("fields"))}


def _check(settings: HttpSettings, literals: Mapping) -> list[Message]:
    problems = []
    url = literals.get("url")
    if "url" not in literals:
        problems.append(
            Message("the «url» must be written as text, so that it is checked against the allow-list")
        )
    elif isinstance(url, str) and not allowed(url, settings.allowlist):
        problems.append(
            Message("the endpoint %(url)s is not in the allow-list (TALENTFLOW_HTTP_ALLOWLIST)", url=url)
        )
    method = literals.get("method")
    if isinstance(method, str) and method.upper() not in METHODS:
        problems.append(Message("the method must be one of %(methods)s", methods=", ".join(METHODS)))
    secret = literals.get("secret")
    if isinstance(secret, str) and not secret.startswith(SECRET_PREFIX):
        problems.append(
            Message("a secret is the name of a %(prefix)s* environment variable", prefix=SECRET_PREFIX)
        )
    return problems


def http_connector(settings: HttpSettings) -> Connector:
    return Connector(
        "http_request",
        Message("Call another system (HTTP)"),
        (
            Parameter("url", "text", Message("Address")),
            Parameter("method", "text", Message("Method"), required=False),
            Parameter("body", "any", Message("Body (JSON)"), required=False),
            Parameter("fields", "list", Message("Fields kept from the answer"), required=False),
            Parameter("secret", "text", Message("Secret (environment variable)"), required=False),
        ),
        perform=partial(_perform, settings),
        check=partial(_check, settings),
        target=lambda params: _host(params.get("url") or ""),
    )


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"
