/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sio-version.h"

/**
 * sio_get_major_version:
 *
 * The major version of the sio-glib library loaded at run time.
 *
 * Returns: the major version
 *
 * Since: 1.0
 */
guint
sio_get_major_version (void)
{
  return SIO_MAJOR_VERSION;
}

/**
 * sio_get_minor_version:
 *
 * The minor version of the sio-glib library loaded at run time.
 *
 * Returns: the minor version
 *
 * Since: 1.0
 */
guint
sio_get_minor_version (void)
{
  return SIO_MINOR_VERSION;
}

/**
 * sio_get_micro_version:
 *
 * The micro version of the sio-glib library loaded at run time.
 *
 * Returns: the micro version
 *
 * Since: 1.0
 */
guint
sio_get_micro_version (void)
{
  return SIO_MICRO_VERSION;
}

/**
 * sio_check_version:
 * @major: required major version
 * @minor: required minor version
 * @micro: required micro version
 *
 * Checks at run time that the loaded library is at least the given version.
 *
 * Returns: %TRUE if the library is recent enough
 *
 * Since: 1.0
 */
gboolean
sio_check_version (guint major,
                   guint minor,
                   guint micro)
{
  guint64 have = ((guint64) SIO_MAJOR_VERSION << 40) | ((guint64) SIO_MINOR_VERSION << 20) | SIO_MICRO_VERSION;
  guint64 want = ((guint64) major << 40) | ((guint64) minor << 20) | micro;

  return have >= want;
}
