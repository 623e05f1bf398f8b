// SPDX-License-Identifier: LGPL-2.1-or-later
// Where the reference documentation of other namespaces lives, so that
// links such as [struct@GLib.MainContext] leave this manual correctly.
baseURLs = [
  [ 'GLib', 'https://docs.gtk.org/glib/' ],
  [ 'GObject', 'https://docs.gtk.org/gobject/' ],
  [ 'Gio', 'https://docs.gtk.org/gio/' ],
  [ 'Json', 'https://gnome.pages.gitlab.gnome.org/json-glib/' ],
  [ 'Soup', 'https://libsoup.org/libsoup-3.0/' ],
]
