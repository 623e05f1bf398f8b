/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the JSON codec: whatever the parser accepts, the
 * writer writes, and that output must read back and write the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sio-json-private.h"
#include "sio-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GError *error = NULL;
  JsonNode *node, *again;
  char *first, *second;

  node = _sio_json_parse ((const char *) data, size, &error);
  if (node == NULL)
    {
      if (error == NULL || !g_error_matches (error, SIO_ERROR, SIO_ERROR_PROTOCOL))
        abort ();
      g_error_free (error);
      return 0;
    }

  first = _sio_json_to_string (node);
  if (!g_utf8_validate (first, -1, NULL))
    abort ();

  again = _sio_json_parse (first, strlen (first), &error);
  if (again == NULL)
    abort ();

  second = _sio_json_to_string (again);
  if (strcmp (first, second) != 0)
    abort ();

  g_free (second);
  g_free (first);
  json_node_unref (again);
  json_node_unref (node);
  return 0;
}
