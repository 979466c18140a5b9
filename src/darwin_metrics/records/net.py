"""Network interface records. Counters in bytes and packets since the interface was created."""

from __future__ import annotations

from typing import Literal

import msgspec

InterfaceKind = Literal[
    "loopback",
    "ethernet",
    "wifi",
    "bridge",
    "virtual",
    "tunnel",
    "bond",
    "vlan",
    "cellular",
    "other",
]
AddressFamily = Literal["ipv4", "ipv6", "link"]


class Address(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One address of an interface. ``prefix_length`` is in bits; ``link`` is the hardware address."""

    family: AddressFamily
    address: str
    netmask: str | None = None
    prefix_length: int | None = None
    broadcast: str | None = None
    peer: str | None = None


class InterfaceCounters(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Traffic counters: bytes, packets, and error/drop event counts, received (rx) and sent (tx)."""

    rx_bytes: int
    rx_packets: int
    rx_errors: int
    rx_drops: int
    rx_fifo: int | None = None
    rx_frame: int | None = None
    rx_compressed: int | None = None
    rx_multicast: int | None = None
    tx_bytes: int
    tx_packets: int
    tx_errors: int
    tx_drops: int
    tx_fifo: int | None = None
    tx_collisions: int | None = None
    tx_carrier: int | None = None
    tx_compressed: int | None = None


class Interface(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A network interface: identity, link state, addresses and counters.

    ``speed_bits_per_second`` is the negotiated link speed in bits per second (``None`` when unknown, down, or
    virtual); ``mtu`` in bytes; ``mac`` as ``aa:bb:cc:dd:ee:ff``. ``is_up`` / ``is_running`` are
    ``None`` only when the interface's flags cannot be read.
    """

    name: str
    index: int | None
    kind: InterfaceKind
    is_up: bool | None
    is_running: bool | None
    has_carrier: bool | None = None
    operstate: str | None = None
    mtu: int | None = None
    speed_bits_per_second: int | None = None
    duplex: Literal["full", "half"] | None = None
    mac: str | None = None
    addresses: tuple[Address, ...] = ()
    counters: InterfaceCounters | None = None
    #: The raw ``IFF_*`` flag word (``IFF_UP`` 0x1, ``IFF_RUNNING`` 0x40 …), where known.
    flags: int | None = None
