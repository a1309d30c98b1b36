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
        """Why an address may not be fetched, or None when it may."""
        ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if any(ip in network for network in self.networks):
            return None
        for test, kind in ((ip.is_loopback, "a loopback"), (ip.is_link_local, "a link-local (metadata)"),
                           (ip.is_private, "a private"), (ip.is_multicast, "a multicast"),
                           (ip.is_unspecified, "an unspecified"), (ip.is_reserved, "a reserved")):
            if test:
                return f"{ip} is {kind} address"
        return None if ip.is_global else f"{ip} is not a public address"
