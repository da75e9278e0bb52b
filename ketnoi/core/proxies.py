"""The client's address behind a reverse proxy, trusted only from the proxies the operator names.

nginx (deploy/nginx/ketnoi.conf) appends the address it saw to X-Forwarded-For. Anyone can send that header, so it
is read only when the request came from an address in TRUSTED_PROXIES, and then from the right: each hop that is
itself a trusted proxy is skipped, and the first address that is not is the client. A forged value the client put
at the left of the header is never reached. With TRUSTED_PROXIES empty (the default) the header is ignored and
REMOTE_ADDR is the TCP peer, as Django sees it. gunicorn's --forwarded-allow-ips does not change REMOTE_ADDR.
"""

import ipaddress
from functools import cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str, trusted: tuple[str, ...]) -> str:
    """The client's address from the TCP peer and the X-Forwarded-For it sent, trusting only `trusted` proxies."""
    networks = _networks(trusted)
    if not networks or not forwarded_for or not _trusted(remote_addr, networks):
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote_addr  # a malformed hop: nothing to the left of it can be believed
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else remote_addr  # every hop is a proxy of ours: the leftmost is the nearest to a client


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: REMOTE_ADDR becomes the client's address, so every rate limit, the login lockout and the
    logs key on the citizen, not on nginx. The peer's own address is kept in META["KETNOI_PROXY_ADDR"]."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trusted = tuple(getattr(settings, "TRUSTED_PROXIES", ()))
        peer = request.META.get("REMOTE_ADDR", "")
        client = client_address(peer, request.META.get("HTTP_X_FORWARDED_FOR", ""), trusted)
        if client != peer:
            request.META["KETNOI_PROXY_ADDR"] = peer
            request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
