/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define SIO_GLIB_INSIDE
# include "sio-version-macros.h"
# include "sio-version.h"
# include "sio-enums.h"
# include "sio-enum-types.h"
# include "sio-error.h"
# include "sio-event.h"
# include "sio-socket.h"
# include "sio-client.h"
#undef SIO_GLIB_INSIDE
