"""Signed webhook delivery (HMAC-SHA256), used by ``sharing.tasks.deliver_webhook``.

Request: ``POST <url>`` with the JSON body and headers
``X-Portal-Event``, ``X-Portal-Delivery`` (id, stable across retries), ``X-Portal-Timestamp`` (Unix seconds) and
``X-Portal-Signature: sha256=<hex>`` where the hex is HMAC-SHA256(secret, "<timestamp>." + body). Receivers verify the
signature with ``verify_signature`` (constant-time) and reject stale timestamps.

Targets (ADR 0203): only http/https to public addresses. Loopback, private, link-local (cloud metadata), shared,
multicast, reserved and unspecified addresses are refused when subscribing and again before every delivery (the host is
re-resolved), and redirects are never followed. Exceptions: loopback when ``PORTAL_DEBUG``/``PORTAL_TESTING`` (local
receivers), and networks listed in ``settings.SHARING_WEBHOOK_ALLOWED_NETWORKS`` (e.g. the e-government extranet).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

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


def resolve(host: str) -> list[str]:
    """The addresses ``host`` resolves to (an IP literal resolves to itself); empty when it does not resolve."""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError, OSError):
        return []


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "SHARING_WEBHOOK_ALLOWED_NETWORKS", [])]


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def target_refusal(url: str) -> str:
    """Why ``url`` may not receive webhooks (a Chinese message), or ``""`` when it may."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "回调地址须为有效的 http/https 地址。"
    addresses = resolve(parts.hostname)
    if not addresses:
        return f"回调地址的主机名“{parts.hostname}”无法解析。"
    local_ok = bool(getattr(settings, "DEBUG", False) or getattr(settings, "TESTING", False))
    allowed = _allowed_networks()
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if _is_public(ip) or any(ip in net for net in allowed) or (ip.is_loopback and local_ok):
            continue
        return f"回调地址指向内网、回环或链路本地等非公网地址（{ip}），不允许作为回调地址。"
    return ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead to an internal address: report the 3xx as a failed delivery instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str = ""


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Outcome:
    """One HTTP POST; any 2xx is success, everything else (including network errors) is a failure to retry."""
    refusal = target_refusal(url)
    if refusal:
        return Outcome(False, None, refusal)
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - scheme checked above
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "qz-portal-webhook/1", **headers})
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return Outcome(200 <= response.status < 300, response.status)
    except urllib.error.HTTPError as exc:
        return Outcome(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return Outcome(False, None, str(getattr(exc, "reason", exc))[:300])
