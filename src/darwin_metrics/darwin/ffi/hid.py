"""The HID temperature sensors of Apple Silicon (``IOHIDEventSystemClient``, private, no root).

A client matching ``PrimaryUsagePage`` 0xff00 / ``PrimaryUsage`` 5 (Apple vendor page, temperature
sensors) lists the services; each has a ``Product`` name and answers a temperature event (type
15) whose float field ``15 << 16`` is °C. Every client, matching dictionary, service list, name and
event is a Create/Copy result and is released.
"""

from __future__ import annotations

from typing import Any

from darwin_metrics.darwin.ffi import cf, loader

TEMPERATURE_USAGE_PAGE = 0xFF00
TEMPERATURE_USAGE = 5
EVENT_TYPE_TEMPERATURE = 15
TEMPERATURE_FIELD = EVENT_TYPE_TEMPERATURE << 16


def _fn(name: str) -> Any:
    return loader.function(loader.IOKIT, name)


def temperature_sensors() -> list[tuple[str | None, float | None]]:
    """``(product name, °C)`` of every HID temperature sensor (°C None when it gave no event)."""
    client = _fn("IOHIDEventSystemClientCreate")(None)
    if not client:
        return []
    found: list[tuple[str | None, float | None]] = []
    with cf.owned(client):
        matching = cf.create_int_dictionary(
            {"PrimaryUsagePage": TEMPERATURE_USAGE_PAGE, "PrimaryUsage": TEMPERATURE_USAGE}
        )
        with cf.owned(matching):
            _fn("IOHIDEventSystemClientSetMatching")(client, matching)
        services = _fn("IOHIDEventSystemClientCopyServices")(client)
        if not services:
            return []
        with cf.owned(services):
            key = cf.create_string("Product")
            with cf.owned(key):
                for service in cf.array_items(int(services)):
                    name_ref = _fn("IOHIDServiceClientCopyProperty")(service, key)
                    with cf.owned(name_ref):
                        value = cf.to_python(name_ref) if name_ref else None
                    event = _fn("IOHIDServiceClientCopyEvent")(
                        service, EVENT_TYPE_TEMPERATURE, 0, 0
                    )
                    celsius = None
                    if event:
                        with cf.owned(event):
                            celsius = float(
                                _fn("IOHIDEventGetFloatValue")(event, TEMPERATURE_FIELD)
                            )
                    found.append((value if isinstance(value, str) else None, celsius))
    return found
