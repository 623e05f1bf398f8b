/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sio-private.h"

#include <locale.h>

#include "sio-error.h"

/**
 * sio_error_quark:
 *
 * The quark of the [error@Sio.Error] domain.
 *
 * Returns: the error domain quark
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (sio-error-quark, sio_error)

void
_sio_i18n_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      const char *dir = g_getenv ("SIO_GLIB_LOCALEDIR");

      bindtextdomain (GETTEXT_PACKAGE, dir != NULL ? dir : LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialized, 1);
    }
}

gboolean
_sio_trace_enabled (void)
{
  static int enabled = -1;

  if (G_UNLIKELY (enabled < 0))
    enabled = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
  return enabled;
}
