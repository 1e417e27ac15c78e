"""Throttles shared by every web process, keyed on the real client's address.

The counters live in the default cache, which is the database (or Redis when
`MARKAZ_REDIS_URL` is set), never a process's own memory: with two gunicorn workers a
per-process counter let a client try twice as often, and one worker never saw the other's.
Behind a reverse proxy, REMOTE_ADDR is the proxy's address (one counter for everyone): the
client's address is read from X-Forwarded-For, but only as far as the proxies listed in
`MARKAZ_TRUSTED_PROXIES` vouch for it, so a client cannot pick its own address by sending the
header itself.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for network in getattr(settings, "MARKAZ_TRUSTED_PROXIES", ()):
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request) -> str:
    """The address of the client: REMOTE_ADDR, or, when that is a trusted proxy, the last
    address in X-Forwarded-For that is not one (walking from the right: each trusted proxy
    appends the address it received the request from). Also django-axes' address."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not _trusted(remote):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # a malformed header: count the proxy, never a made-up key
    return remote


def throttle_exceeded(scope: str, request, *, limit: int) -> bool:
    """Whether the client has already used its `limit` attempts in this scope."""
    return (cache.get(_key(scope, request)) or 0) >= limit


def throttle_count(scope: str, request, *, window_s: int) -> None:
    """Count one attempt (a failed look-up) for the client in this scope, for `window_s`."""
    key = _key(scope, request)
    if not cache.add(key, 1, window_s):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, window_s)


def _key(scope: str, request) -> str:
    return f"throttle:{scope}:{client_ip(request)}"
