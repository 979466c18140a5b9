"""What the Linux kernel pushes to the Monitor, read on one thread with ``poll(2)``.

- Route netlink link and address groups: interface up/down and address changes are reported
  the moment the kernel sends them (unprivileged). The tables are dumped once after subscribing,
  so a change that raced the start is neither lost nor reported twice; when the socket overflows
  (``ENOBUFS``) the tables are dumped again and the differences reported.
- Kobject uevents (unprivileged): a ``power_supply``, ``block``, ``hwmon``, ``thermal`` or ``drm``
  uevent makes the Monitor read the families it concerns (batteries and power management, volumes,
  temperatures and fans, GPUs) at once instead of at the next tick.
- ``/proc/self/mountinfo`` signals ``POLLPRI`` when the mount table changes: mounts and unmounts
  are read at once.
- With root, the process-events connector reports every fork and exit, with the exit status, even
  of processes that live less than one tick.

A source that cannot be opened is left out (logged at debug level) and the Monitor polls instead;
:attr:`LinuxPush.sources` names those that opened.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Protocol

from darwin_metrics.errors import ParseError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.linux.parsers.netlink import Message, iter_messages
from darwin_metrics.linux.rtnl import dump_links_and_addresses
from darwin_metrics.monitor.events import (
    AddressAdded,
    AddressRemoved,
    Event,
    InterfaceDown,
    InterfaceUp,
    ProcessExited,
    ProcessStarted,
)
from darwin_metrics.monitor.linux_messages import (
    RTM_NEWADDR,
    RTM_NEWLINK,
    RTMGRP_IPV4_IFADDR,
    RTMGRP_IPV6_IFADDR,
    RTMGRP_LINK,
    AddressChange,
    LinkChange,
    parse_proc_events,
    parse_route_message,
    parse_uevent,
    proc_listen_request,
)
from darwin_metrics.records.process import Process

log = get_logger(__name__)

NETLINK_ROUTE = 0
NETLINK_KOBJECT_UEVENT = 15
NETLINK_CONNECTOR = 11
_RECV = 1 << 16
_RCVBUF = 1 << 21

#: uevent subsystem → the families the Monitor reads again when it fires.
UEVENT_FAMILIES: dict[str, frozenset[str]] = {
    "power_supply": frozenset({"batteries", "power_management"}),
    "block": frozenset({"volumes"}),
    "hwmon": frozenset({"temperatures", "fans"}),
    "thermal": frozenset({"temperatures"}),
    "drm": frozenset({"gpus"}),
}


class PushSink(Protocol):
    """What the push thread needs from the Monitor."""

    def push_events(self, events: list[Event]) -> None: ...

    def push_refresh(self, families: frozenset[str]) -> None: ...

    def last_process(self, pid: int) -> Process | None: ...


AddressKey = tuple[int, str, str, int]


class LinuxPush:
    """Opens the push sources; :meth:`start` runs the reader thread, :meth:`stop` ends it and
    closes every descriptor."""

    def __init__(self, sink: PushSink, *, processes: bool) -> None:
        self._sink = sink
        self._route: socket.socket | None = None
        self._uevent: socket.socket | None = None
        self._connector: socket.socket | None = None
        self._mountinfo: int | None = None
        self._wake_r, self._wake_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        self._thread: threading.Thread | None = None
        self._links: dict[int, LinkChange] = {}
        self._addresses: dict[AddressKey, AddressChange] = {}
        self._started: dict[int, float] = {}
        self._open_route()
        self._uevent = _open_netlink(NETLINK_KOBJECT_UEVENT, 1, "uevents")
        self._open_mountinfo()
        if processes and os.geteuid() == 0:
            self._open_connector()

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources the kernel pushes: ``links``, ``addresses``, ``uevents``, ``mounts``,
        ``processes``."""
        names: list[str] = []
        if self._route is not None:
            names += ["links", "addresses"]
        if self._uevent is not None:
            names.append("uevents")
        if self._mountinfo is not None:
            names.append("mounts")
        if self._connector is not None:
            names.append("processes")
        return tuple(names)

    # -- opening -------------------------------------------------------------------------------
    def _open_route(self) -> None:
        groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
        self._route = _open_netlink(NETLINK_ROUTE, groups, "route netlink")
        if self._route is None:
            return
        try:
            self._resync(report=False)
        except (OSError, ParseError) as exc:
            log.debug("route netlink dump failed, polling interfaces: %s", exc)
            self._route.close()
            self._route = None

    def _open_mountinfo(self) -> None:
        try:
            self._mountinfo = os.open("/proc/self/mountinfo", os.O_RDONLY | os.O_CLOEXEC)
            os.read(self._mountinfo, _RECV)
        except OSError as exc:
            log.debug("mountinfo not pollable: %s", exc)
            if self._mountinfo is not None:
                os.close(self._mountinfo)
            self._mountinfo = None

    def _open_connector(self) -> None:
        sock = _open_netlink(NETLINK_CONNECTOR, 1, "proc connector", dgram=True)
        if sock is None:
            return
        try:
            sock.send(proc_listen_request(sock.getsockname()[0]))
        except OSError as exc:
            log.debug("proc connector refused: %s", exc)
            sock.close()
            return
        self._connector = sock

    # -- running -------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="darwin-metrics-push", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread and close every descriptor (idempotent)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            try:
                os.write(self._wake_w, b"x")
            except OSError:
                pass
            if thread is not threading.current_thread():
                thread.join()
        if self._connector is not None:
            try:
                self._connector.send(proc_listen_request(self._connector.getsockname()[0], False))
            except OSError:
                pass
        for sock in (self._route, self._uevent, self._connector):
            if sock is not None:
                sock.close()
        self._route = self._uevent = self._connector = None
        for fd in (self._mountinfo, self._wake_r, self._wake_w):
            if fd is not None and fd >= 0:
                os.close(fd)
        self._mountinfo = None
        self._wake_r = self._wake_w = -1

    def _run(self) -> None:
        poller = select.poll()
        handlers: dict[int, Callable[[], None]] = {}
        poller.register(self._wake_r, select.POLLIN)
        for sock, handler in (
            (self._route, self._on_route),
            (self._uevent, self._on_uevent),
            (self._connector, self._on_connector),
        ):
            if sock is not None:
                poller.register(sock.fileno(), select.POLLIN)
                handlers[sock.fileno()] = handler
        if self._mountinfo is not None:
            poller.register(self._mountinfo, select.POLLPRI | select.POLLERR)
            handlers[self._mountinfo] = self._on_mounts
        while True:
            for fd, _mask in poller.poll():
                if fd == self._wake_r:
                    return
                try:
                    handlers[fd]()
                except (OSError, ParseError) as exc:
                    log.debug("push source failed once: %s", exc)
                except Exception:
                    log.logger().exception("push handler failed")

    # -- route netlink -------------------------------------------------------------------------
    def _on_route(self) -> None:
        assert self._route is not None
        try:
            data = self._route.recv(_RECV, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno == errno.ENOBUFS:
                self._resync(report=True)
                return
            raise
        wall = time.time()
        events: list[Event] = []
        for message in iter_messages(data, "rtnetlink monitor"):
            events += self._route_message(message, wall)
        if events:
            self._sink.push_events(events)

    def _route_message(self, message: Message, wall: float) -> list[Event]:
        change = parse_route_message(message)
        if isinstance(change, LinkChange):
            return self._link(change, wall)
        if isinstance(change, AddressChange):
            return self._address(change, wall)
        return []

    def _link(self, change: LinkChange, wall: float) -> list[Event]:
        old = self._links.get(change.ifindex)
        events: list[Event] = []
        if change.removed:
            if old is None:
                return []
            del self._links[change.ifindex]
            for key in [k for k in self._addresses if k[0] == change.ifindex]:
                events += self._address(self._addresses[key]._replace(removed=True), wall)
            if old.up:
                events.append(
                    InterfaceDown(
                        observed_at=wall,
                        pushed=True,
                        name=old.name,
                        index=change.ifindex,
                        removed=True,
                    )
                )
            return events
        self._links[change.ifindex] = change
        was_up = old is not None and old.up
        if change.up and not was_up:
            events.append(
                InterfaceUp(
                    observed_at=wall,
                    pushed=True,
                    name=change.name,
                    index=change.ifindex,
                    running=change.running,
                )
            )
        elif was_up and not change.up:
            events.append(
                InterfaceDown(observed_at=wall, pushed=True, name=change.name, index=change.ifindex)
            )
        return events

    def _address(self, change: AddressChange, wall: float) -> list[Event]:
        key = _key(change)
        link = self._links.get(change.ifindex)
        name = link.name if link is not None else str(change.ifindex)
        if change.removed:
            if self._addresses.pop(key, None) is None:
                return []
            return [
                AddressRemoved(
                    observed_at=wall,
                    pushed=True,
                    interface=name,
                    index=change.ifindex,
                    family=change.family,
                    address=change.address,
                    prefix_length=change.prefix_length,
                )
            ]
        if key in self._addresses:
            return []
        self._addresses[key] = change
        return [
            AddressAdded(
                observed_at=wall,
                pushed=True,
                interface=name,
                index=change.ifindex,
                family=change.family,
                address=change.address,
                prefix_length=change.prefix_length,
            )
        ]

    def _resync(self, *, report: bool) -> None:
        """Dump the tables and (with ``report``) report how they differ from what is known."""
        links, addresses = dump_links_and_addresses()
        wall = time.time()
        new_links: dict[int, LinkChange] = {}
        new_addresses: dict[AddressKey, AddressChange] = {}
        for payload in links:
            change = parse_route_message(Message(RTM_NEWLINK, 0, 0, 0, payload))
            if isinstance(change, LinkChange):
                new_links[change.ifindex] = change
        for payload in addresses:
            change = parse_route_message(Message(RTM_NEWADDR, 0, 0, 0, payload))
            if isinstance(change, AddressChange):
                new_addresses[_key(change)] = change
        if not report:
            self._links, self._addresses = new_links, new_addresses
            return
        events: list[Event] = []
        for index in list(self._links):
            if index not in new_links:
                events += self._link(self._links[index]._replace(removed=True), wall)
        for known in list(self._addresses):
            if known not in new_addresses:
                events += self._address(self._addresses[known]._replace(removed=True), wall)
        for link in new_links.values():
            events += self._link(link, wall)
        for address in new_addresses.values():
            events += self._address(address, wall)
        if events:
            self._sink.push_events(events)

    # -- uevents and mounts --------------------------------------------------------------------
    def _on_uevent(self) -> None:
        assert self._uevent is not None
        families: set[str] = set()
        while True:
            try:
                data = self._uevent.recv(_RECV, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            fields = parse_uevent(data)
            if fields is not None:
                families |= UEVENT_FAMILIES.get(fields.get("SUBSYSTEM", ""), frozenset())
        if families:
            self._sink.push_refresh(frozenset(families))

    def _on_mounts(self) -> None:
        assert self._mountinfo is not None
        os.lseek(self._mountinfo, 0, os.SEEK_SET)
        while os.read(self._mountinfo, _RECV):
            pass
        self._sink.push_refresh(frozenset({"mounts"}))

    # -- process connector ---------------------------------------------------------------------
    def _on_connector(self) -> None:
        """Every datagram waiting (one per process event), as one batch of events."""
        assert self._connector is not None
        changes = []
        while True:
            try:
                data = self._connector.recv(_RECV, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno != errno.ENOBUFS:
                    raise
                log.warning("process connector overflowed: some process events were lost")
                continue
            changes += parse_proc_events(data)
        now_wall, now_mono = time.time(), time.monotonic()
        events: list[Event] = []
        for change in changes:
            at = now_wall - (now_mono - change.monotonic)
            if change.kind == "started":
                self._started[change.pid] = at
                events.append(
                    ProcessStarted(
                        observed_at=now_wall,
                        pushed=True,
                        pid=change.pid,
                        create_time=at,
                        ppid=change.ppid,
                        name=_comm(change.pid),
                    )
                )
                continue
            last = self._sink.last_process(change.pid)
            create_time = self._started.pop(change.pid, None)
            if create_time is None and last is not None:
                create_time = last.create_time
            events.append(
                ProcessExited(
                    observed_at=now_wall,
                    pushed=True,
                    pid=change.pid,
                    create_time=create_time,
                    name=last.name if last is not None else None,
                    exit_code=change.exit_code,
                    exit_signal=change.exit_signal,
                    process=last,
                )
            )
        if events:
            self._sink.push_events(events)


def _key(change: AddressChange) -> AddressKey:
    return (change.ifindex, change.family, change.address, change.prefix_length)


def _comm(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm", "rb") as f:
            return f.read().rstrip(b"\n").decode("utf-8", "surrogateescape")
    except OSError:
        return None


def _open_netlink(
    protocol: int, groups: int, what: str, dgram: bool = False
) -> socket.socket | None:
    kind = socket.SOCK_DGRAM if dgram else socket.SOCK_RAW
    try:
        sock = socket.socket(socket.AF_NETLINK, kind | socket.SOCK_CLOEXEC, protocol)
    except OSError as exc:
        log.debug("%s unavailable: %s", what, exc)
        return None
    try:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
        except OSError:
            pass
        sock.bind((0, groups))
    except OSError as exc:
        log.debug("%s unavailable: %s", what, exc)
        sock.close()
        return None
    return sock
