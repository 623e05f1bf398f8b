/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SIO_GLIB_INSIDE) && !defined(SIO_COMPILATION)
# error "Only <sio-glib/sio-glib.h> can be included directly."
#endif

#include <glib.h>

#ifndef _SIO_EXTERN
# define _SIO_EXTERN __attribute__((visibility ("default"))) extern
#endif

/**
 * SIO_AVAILABLE_IN_ALL:
 *
 * Marks a symbol as exported by every version of sio-glib.
 *
 * Since: 1.0
 */
#define SIO_AVAILABLE_IN_ALL _SIO_EXTERN

/**
 * SIO_AVAILABLE_IN_1_0:
 *
 * Marks a symbol as available since sio-glib 1.0.
 *
 * Since: 1.0
 */
#define SIO_AVAILABLE_IN_1_0 _SIO_EXTERN
