/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by every layer of the library. Never installed. */
#pragma once

#include "config.h"

#include <glib.h>
#include <glib/gi18n-lib.h>

#include "sio-error.h"

G_BEGIN_DECLS

/* Binds the gettext domain, once. Called before building a translated
 * message (the _() macro of this library goes through it). */
void _sio_i18n_init (void);

#undef _
#define _(s) (_sio_i18n_init (), g_dgettext (GETTEXT_PACKAGE, (s)))

/* Whether G_MESSAGES_DEBUG asks for this log domain; read once. */
gboolean _sio_trace_enabled (void);

/* Packet tracing under G_MESSAGES_DEBUG=sio-glib, as structured log
 * entries (GLIB_DOMAIN, MESSAGE, CODE_FILE, CODE_LINE, CODE_FUNC: journald
 * keeps them as fields). When off it costs one load and a branch: the
 * arguments are not even evaluated. */
#define SIO_TRACE(...) \
  G_STMT_START { \
    if (G_UNLIKELY (_sio_trace_enabled ())) \
      g_log_structured_standard (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, __FILE__, \
                                 G_STRINGIFY (__LINE__), G_STRFUNC, __VA_ARGS__); \
  } G_STMT_END

G_END_DECLS
