"""``NEWSBOT_FETCH_ALLOW`` parsed: the hosts and networks that may be fetched although not public."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class AllowList:
    """Hosts and networks that may be fetched although they are not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """From ``"127.0.0.1, intranet.example, 10.0.0.0/8"`` (commas or spaces).

        Raises:
            ValueError: an entry is neither a host name nor an address or network.
        """
        hosts, networks = set(), []
        for entry in text.replace(",", " ").split():
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if not all(part.isalnum() or part.replace("-", "").isalnum() for part in entry.split(".")):
                    raise ValueError(f"{entry!r} is neither a host name nor an address or network") from None
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        """True when the host name itself is allowed."""
        return host.lower().rstrip(".") in self.hosts

    def why_refused(self, address: str) -> str | None:
        """Why an address may not be fetched ("a private address"), or None when it may.

        Only global unicast addresses may, unless allowed: IPv6 site-local (``fec0::/10``, which
        Python counts as global) is refused, and an IPv4 address carried inside an IPv6 one
        (mapped, 6to4, Teredo, NAT64) is judged as that IPv4 address. The reason never repeats
        the address, so a refusal does not tell what an internal name resolves to.
        """
        ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in network for network in self.networks):
            return None
        if isinstance(ip, ipaddress.IPv6Address):
            if ip.is_site_local:
                return "a site-local address"
            if (inner := _embedded_ipv4(ip)) is not None:
                return self.why_refused(str(inner))
        for test, kind in ((ip.is_loopback, "a loopback"), (ip.is_link_local, "a link-local (metadata)"),
                           (ip.is_private, "a private"), (ip.is_multicast, "a multicast"),
                           (ip.is_unspecified, "an unspecified"), (ip.is_reserved, "a reserved")):
            if test:
                return f"{kind} address"
        return None if ip.is_global else "not a public address"


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None
