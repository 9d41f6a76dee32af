"""Signed webhook delivery (HMAC-SHA256), used by ``sharing.tasks.deliver_webhook``.

Request: ``POST <url>`` with the JSON body and headers
``X-Portal-Event``, ``X-Portal-Delivery`` (id, stable across retries), ``X-Portal-Timestamp`` (Unix seconds) and
``X-Portal-Signature: sha256=<hex>`` where the hex is HMAC-SHA256(secret, "<timestamp>." + body). Receivers verify the
signature with ``verify_signature`` (constant-time) and reject stale timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-Portal-Signature"
TIMESTAMP_HEADER = "X-Portal-Timestamp"
EVENT_HEADER = "X-Portal-Event"
DELIVERY_HEADER = "X-Portal-Delivery"
TIMEOUT_SECONDS = 10


def encode_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str = ""


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Outcome:
    """One HTTP POST; any 2xx is success, everything else (including network errors) is a failure to retry."""
    if not url.startswith(("http://", "https://")):
        return Outcome(False, None, "仅支持 http/https 回调地址")
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - scheme checked above
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "qz-portal-webhook/1", **headers})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return Outcome(200 <= response.status < 300, response.status)
    except urllib.error.HTTPError as exc:
        return Outcome(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return Outcome(False, None, str(getattr(exc, "reason", exc))[:300])
