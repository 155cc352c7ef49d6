#!/usr/bin/env python3
"""A real desktop drag source for the end-to-end tests: a small GTK window that offers the files
given on the command line as `text/uri-list`, as a file manager does. The test drives the mouse
with xdotool from this window onto CC Sync's window, so the drop arrives through XDND exactly as
one from the desktop would (a drop the page merely claims is refused by the app).

    python3 drag_source.py X Y FILE...

Prints `ready` once the window is shown at (X, Y), and exits after the drag ends (or after 60 s).
"""

import sys
from pathlib import Path

import gi

gi.require_version("Gdk", "3.0")
gi.require_version("Gtk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

SIZE = 120


def main() -> None:
    x, y = int(sys.argv[1]), int(sys.argv[2])
    uris = [Path(p).resolve().as_uri() for p in sys.argv[3:]]

    window = Gtk.Window(title="CC Sync e2e drag source")
    window.set_default_size(SIZE, SIZE)
    window.set_keep_above(True)
    window.move(x, y)
    box = Gtk.EventBox()
    box.add(Gtk.Label(label="drag me"))
    window.add(box)

    box.drag_source_set(
        Gdk.ModifierType.BUTTON1_MASK,
        [Gtk.TargetEntry.new("text/uri-list", 0, 0)],
        Gdk.DragAction.COPY,
    )
    box.connect("drag-data-get", lambda _w, _ctx, data, _info, _time: data.set_uris(uris))
    box.connect("drag-end", lambda *_: GLib.timeout_add(200, Gtk.main_quit))
    window.connect("destroy", Gtk.main_quit)
    window.show_all()

    def announce() -> bool:
        print("ready", flush=True)
        return False

    GLib.timeout_add(300, announce)
    GLib.timeout_add_seconds(60, Gtk.main_quit)
    Gtk.main()


if __name__ == "__main__":
    main()
