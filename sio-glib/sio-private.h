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

/* Packet tracing under G_MESSAGES_DEBUG=sio-glib; cheap when off. */
#define SIO_TRACE(...) g_debug (__VA_ARGS__)

G_END_DECLS
