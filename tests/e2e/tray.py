#!/usr/bin/python3
"""What a desktop gives the app's tray and notifications, for the end-to-end suite on a bare Xvfb
session with a private D-Bus, and the real paths to use them.

  tray.py services            a StatusNotifierWatcher (where tray icons register) and a
                              notification server; prints one JSON line per registration or
                              notification; runs until stopped
  tray.py item SERVICE PATH   the tray item's properties and its menu, as JSON
  tray.py click SERVICE PATH LABEL
                              clicks the menu item of that label (com.canonical.dbusmenu.Event),
                              as a panel does
  tray.py close XID           asks the X window to close (WM_DELETE_WINDOW), as a window manager
                              does for the window's close button
  tray.py schedule DB JSON CREATED
                              saves a RingCentral Auto Sync schedule in a CC Sync database (with the
                              app stopped), set at CREATED, so it can be due at once; the schedule
                              belongs to a business unit's link, so a CXone connection and a
                              RingCentral connection (no secrets: its runs fail) and their link
                              are made first when missing
"""

import ctypes
import ctypes.util
import json
import sqlite3
import sys
import time

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

WATCHER_XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""

NOTIFICATIONS_XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
"""


def say(event):
    print(json.dumps(event), flush=True)


def services():
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    items = []
    notifications = [0]

    def watcher_call(conn, sender, path, iface, method, params, invocation):
        if method == "RegisterStatusNotifierItem":
            (arg,) = params.unpack()
            # An item registers by its object path (the sender is its bus name) or by a bus name.
            service, item_path = (sender, arg) if arg.startswith("/") else (arg, "/StatusNotifierItem")
            items.append(f"{service}{item_path}")
            say({"event": "item", "service": service, "path": item_path})
            conn.emit_signal(None, path, iface, "StatusNotifierItemRegistered", GLib.Variant("(s)", (items[-1],)))
        invocation.return_value(None)

    def watcher_property(conn, sender, path, iface, name):
        return {
            "RegisteredStatusNotifierItems": GLib.Variant("as", items),
            "IsStatusNotifierHostRegistered": GLib.Variant("b", True),
            "ProtocolVersion": GLib.Variant("i", 0),
        }[name]

    def notifications_call(conn, sender, path, iface, method, params, invocation):
        if method == "Notify":
            app, _replaces, _icon, summary, body, _actions, _hints, _timeout = params.unpack()
            notifications[0] += 1
            say({"event": "notification", "app": app, "summary": summary, "body": body})
            invocation.return_value(GLib.Variant("(u)", (notifications[0],)))
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["body"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("e2e", "ccsync", "1", "1.2")))
        else:
            invocation.return_value(None)

    watcher = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML).interfaces[0]
    notifier = Gio.DBusNodeInfo.new_for_xml(NOTIFICATIONS_XML).interfaces[0]
    bus.register_object("/StatusNotifierWatcher", watcher, watcher_call, watcher_property, None)
    bus.register_object("/org/freedesktop/Notifications", notifier, notifications_call, None, None)
    for name in ("org.kde.StatusNotifierWatcher", "org.freedesktop.Notifications"):
        reply = bus.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
            GLib.Variant("(su)", (name, 4)), GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, -1, None,
        ).unpack()[0]
        if reply != 1:
            raise SystemExit(f"{name} is already owned on this bus ({reply})")
    say({"event": "ready"})
    GLib.MainLoop().run()


def call(service, path, iface, method, args, reply):
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    return bus.call_sync(
        service, path, iface, method, args, GLib.VariantType(reply) if reply else None,
        Gio.DBusCallFlags.NONE, 10000, None,
    ).unpack()


def menu_items(service, menu_path):
    _revision, layout = call(
        service, menu_path, "com.canonical.dbusmenu", "GetLayout",
        GLib.Variant("(iias)", (0, -1, [])), "(u(ia{sv}av))",
    )
    found = []

    def walk(node):
        item_id, props, children = node
        if item_id != 0:
            found.append({
                "id": item_id,
                "label": props.get("label", "").replace("_", ""),
                "type": props.get("type", "standard"),
                "enabled": props.get("enabled", True),
                "visible": props.get("visible", True),
            })
        for child in children:
            walk(child)

    walk(layout)
    return found


def item(service, path):
    props = call(
        service, path, "org.freedesktop.DBus.Properties", "GetAll",
        GLib.Variant("(s)", ("org.kde.StatusNotifierItem",)), "(a{sv})",
    )[0]
    wanted = {k: props.get(k) for k in ("Id", "Title", "Status", "Category", "Menu")}
    wanted["items"] = menu_items(service, props["Menu"])
    return wanted


def click(service, path, label):
    menu = call(
        service, path, "org.freedesktop.DBus.Properties", "Get",
        GLib.Variant("(ss)", ("org.kde.StatusNotifierItem", "Menu")), "(v)",
    )[0]
    matches = [i for i in menu_items(service, menu) if i["label"] == label]
    if not matches:
        raise SystemExit(f"no menu item labelled {label!r}")
    call(
        service, menu, "com.canonical.dbusmenu", "Event",
        GLib.Variant("(isvu)", (matches[0]["id"], "clicked", GLib.Variant("i", 0), int(time.time()))), None,
    )


class XClientMessageEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", XClientMessageEvent), ("pad", ctypes.c_long * 24)]


def close(xid):
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    if not display:
        raise SystemExit("no X display")
    event = XEvent()
    event.xclient.type = 33  # ClientMessage
    event.xclient.window = xid
    event.xclient.message_type = x11.XInternAtom(display, b"WM_PROTOCOLS", 0)
    event.xclient.format = 32
    event.xclient.data[0] = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
    event.xclient.data[1] = 0  # CurrentTime
    if not x11.XSendEvent(display, xid, 0, 0, ctypes.byref(event)):
        raise SystemExit("XSendEvent failed")
    x11.XFlush(display)
    x11.XCloseDisplay(display)


SCHEDULED_CXONE = ("e2e-scheduled-cxone", "Scheduled CXone", "cxone",
                   {"kind": "cxone", "auth_url": "https://127.0.0.1:9", "client_id": "e2e",
                    "access_key_id": "e2e", "campaigns_from_skills": False})
SCHEDULED_RINGCENTRAL = ("e2e-scheduled-rc", "Scheduled RingCentral", "ringcentral",
                         {"kind": "ringcentral", "server_url": "https://127.0.0.1:9", "client_id": "e2e"})


def schedule(db, schedule_json, created):
    with sqlite3.connect(db) as conn:
        for cid, name, kind, settings in (SCHEDULED_CXONE, SCHEDULED_RINGCENTRAL):
            conn.execute(
                "INSERT OR IGNORE INTO connections (id, name, kind, settings, is_demo, created_at, updated_at) "
                "VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)",
                (cid, name, kind, json.dumps(settings), created),
            )
        conn.execute(
            "INSERT OR IGNORE INTO mapping_links (cxone_connection_id, platform, external_connection_id, created_at) "
            "VALUES (?1, 'ringcentral', ?2, ?3)",
            (SCHEDULED_CXONE[0], SCHEDULED_RINGCENTRAL[0], created),
        )
        (link_id,) = conn.execute(
            "SELECT id FROM mapping_links WHERE cxone_connection_id = ?1 AND platform = 'ringcentral'",
            (SCHEDULED_CXONE[0],),
        ).fetchone()
        conn.execute(
            "INSERT INTO auto_sync_schedules (link_id, schedule, created_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (link_id) DO UPDATE SET schedule = excluded.schedule, "
            "created_at = excluded.created_at, last_run = NULL",
            (link_id, schedule_json, created),
        )


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "services":
        services()
    elif command == "item":
        print(json.dumps(item(*args)))
    elif command == "click":
        click(*args)
    elif command == "close":
        close(int(args[0], 0))
    elif command == "schedule":
        schedule(*args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
