"""Device events of the Windows event normalizer: USB storage arrivals and removals.

Device instance ids give vendor, product, revision and serial; the handlers cover Security
6416, Partition/Diagnostic 1006, DriverFrameworks-UserMode 2003/2100/2102/10000,
Kernel-PnP 400/410/420 and UserPnp 20001/20003 (see :mod:`events.windows`).
"""

from __future__ import annotations

import re

from evidencekit.events.windows_map import Ctx, Handler, who

_USBSTOR = re.compile(r"USBSTOR[\\#]([^\\#]+)[\\#]([^\\#{}]+)", re.IGNORECASE)
_USB = re.compile(r"USB[\\#]VID_([0-9A-F]{4})&PID_([0-9A-F]{4})[^\\#]*[\\#]([^\\#{}]+)", re.I)
_DEVICE_ID_FIELDS = ("DeviceInstanceId", "DeviceInstanceID", "DeviceId", "InstanceId", "instance")
_REMOVAL_MINORS = frozenset({"1", "2", "23"})  # IRP_MN_QUERY_REMOVE, _REMOVE, _SURPRISE_REMOVAL


def parse_device_id(text: str) -> dict[str, str]:
    """Vendor, product, revision and serial from a device instance id.

    Handles ``USBSTOR\\Disk&Ven_X&Prod_Y&Rev_Z\\SERIAL&0``, the ``#``-separated forms
    inside ``SWD\\WPDBUSENUM\\_??_USBSTOR#...`` and ``STORAGE\\Volume\\_??_USBSTOR#...``,
    and ``USB\\VID_xxxx&PID_yyyy\\SERIAL``. A serial whose second character is ``&`` was
    made up by Windows (the device reports none): it is returned as ``serial_generated``.
    """
    out: dict[str, str] = {}
    m = _USBSTOR.search(text)
    if m:
        out["bus"] = "USBSTOR"
        for part in m.group(1).split("&"):
            key, _, value = part.partition("_")
            if key.lower() in ("ven", "prod", "rev") and value:
                out[{"ven": "vendor", "prod": "product", "rev": "revision"}[key.lower()]] = value
        _serial(out, m.group(2))
        return out
    m = _USB.search(text)
    if m:
        out.update(bus="USB", vid=m.group(1).upper(), pid=m.group(2).upper())
        _serial(out, m.group(3))
    return out


def _serial(out: dict[str, str], raw: str) -> None:
    if len(raw) > 1 and raw[1] == "&":
        out["serial_generated"] = raw
        return
    serial = raw[:-2] if re.search(r"&\d$", raw) else raw
    if serial:
        out["serial"] = serial


def _device_6416(ctx: Ctx) -> str:
    who(ctx, "Subject")
    _device(ctx, ctx.d("DeviceId") or "", ctx.d("DeviceDescription"))
    ctx.attrs["device_class"] = ctx.d("ClassName") or ""
    return "device_connect"


def _device(ctx: Ctx, device_id: str, label: str | None) -> None:
    parsed = parse_device_id(device_id) if device_id else {}
    removable = parsed.get("bus") == "USBSTOR"
    ctx.put(
        "device",
        drive_type="removable" if removable else None,
        usb_serial=parsed.get("serial"),
        vendor=parsed.get("vendor") or parsed.get("vid"),
        product=parsed.get("product") or parsed.get("pid"),
        label=label,
    )
    if device_id:
        ctx.attrs["device_instance_id"] = device_id
    for key in ("revision", "serial_generated", "bus"):
        if key in parsed:
            ctx.attrs["device_" + key] = parsed[key]


def _device_id(ctx: Ctx) -> str:
    for name in _DEVICE_ID_FIELDS:
        if value := ctx.d(name):
            return value
    return ""


def _pnp(ctx: Ctx) -> str:
    """DriverFrameworks-UserMode 2003 (host arrival), 10000 (install begin), Kernel-PnP
    400/410 (configured/started) -> connect; Kernel-PnP 420 (deleted) -> disconnect;
    DriverFrameworks 2100/2102 (PnP request begin/end) -> disconnect for removal requests
    (IRP_MJ_PNP minor 1, 2 or 23), connect otherwise."""
    _device(ctx, _device_id(ctx), None)
    ctx.put("actor", host=ctx.rec.computer)
    if ctx.rec.event_id in (2100, 2102):
        request = ctx.rec.data.get("Request")
        sub = request.get("_attributes") if isinstance(request, dict) else None
        major, minor = (str(sub.get("major")), str(sub.get("minor"))) if sub else ("", "")
        if major or minor:
            ctx.attrs["pnp_request"] = {"major": major, "minor": minor}
        return (
            "device_disconnect" if major == "27" and minor in _REMOVAL_MINORS else "device_connect"
        )
    return "device_disconnect" if ctx.rec.event_id == 420 else "device_connect"


def _userpnp(ctx: Ctx) -> str:
    """UserPnp 20001 driver installed / 20003 service added: a device arrival when the
    device is a USB one, otherwise a driver installation."""
    device_id = _device_id(ctx)
    _device(ctx, device_id, ctx.d("DriverDescription"))
    ctx.put("actor", host=ctx.rec.computer)
    usb = re.search(r"USB|WPDBUSENUM", device_id, re.IGNORECASE) is not None
    return "device_connect" if usb else "install"


def _partition_1006(ctx: Ctx) -> str:
    """Partition/Diagnostic 1006: disconnect when capacity and partition count are zero."""
    ctx.put(
        "device",
        drive_type="removable" if ctx.d("BusType") == "7" else None,
        usb_serial=ctx.d("SerialNumber"),
        vendor=ctx.d("Manufacturer"),
        product=ctx.d("Model"),
    )
    parent = ctx.d("ParentId")
    if parent:
        _device(ctx, parent, None)
    ctx.put("actor", host=ctx.rec.computer)
    gone = ctx.d("Capacity") in ("0", None) and ctx.d("PartitionCount") in ("0", None)
    return "device_disconnect" if gone else "device_connect"


DEVICE_HANDLERS: dict[tuple[str, int], Handler] = {
    ("security", 6416): _device_6416,
    ("partition", 1006): _partition_1006,
    **{("driverframeworks", e): _pnp for e in (2003, 2100, 2102, 10000)},
    **{("kernel-pnp", e): _pnp for e in (400, 410, 420)},
    **{("userpnp", e): _userpnp for e in (20001, 20003)},
}
