/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Translations: the library binds its gettext domain itself and its GError
 * messages come back in the user's language.
 *
 * This is the one test that compares message text: that is its point. Each
 * language runs in a subprocess, because gettext caches what it looked up
 * and the language must be chosen before the first lookup.
 *
 * The catalogs are the ones built in <builddir>/po, found through
 * SIO_GLIB_LOCALEDIR (set by tests/meson.build). No locale other than
 * C.UTF-8 is needed: with a non-"C" locale, gettext honours LANGUAGE. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <sio-glib/sio-glib.h>

/* In the parent: whether the test can run at all. */
static gboolean
can_run (const char *language)
{
  const char *dir = g_getenv ("SIO_GLIB_LOCALEDIR");
  g_autofree char *saved = g_strdup (setlocale (LC_ALL, NULL));
  gboolean have_locale;

  if (dir == NULL)
    {
      g_test_skip ("SIO_GLIB_LOCALEDIR is not set (run the test with meson test)");
      return FALSE;
    }

  if (language != NULL)
    {
      g_autofree char *mo = g_build_filename (dir, language, "LC_MESSAGES",
                                              GETTEXT_PACKAGE ".mo", NULL);

      if (!g_file_test (mo, G_FILE_TEST_IS_REGULAR))
        {
          g_test_fail_printf ("%s was not built", mo);
          return FALSE;
        }
    }

  have_locale = setlocale (LC_ALL, "C.UTF-8") != NULL;
  setlocale (LC_ALL, saved);
  if (!have_locale)
    {
      g_test_skip ("the C.UTF-8 locale is not available");
      return FALSE;
    }
  return TRUE;
}

/* In the child, before any message is translated. LANGUAGE is ignored in
 * the "C" locale, so the child switches to C.UTF-8, which Debian and Fedora
 * ship with the C library itself (no locales package needed). */
static void
use_language (const char *language)
{
  if (language != NULL)
    g_setenv ("LANGUAGE", language, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  g_assert_nonnull (setlocale (LC_ALL, "C.UTF-8"));
}

/* The message of a reserved event name, and of arguments that are not a JSON
 * array, which embeds a message of the JSON reader. */
static void
collect_messages (char **reserved,
                  char **not_array)
{
  g_autoptr(SioClient) client = sio_client_new ("http://127.0.0.1:1");
  g_autoptr(GError) error = NULL;

  g_assert_false (sio_socket_emit_json (SIO_SOCKET (client), "connect", "[]", &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT);
  *reserved = g_strdup (error->message);
  g_clear_error (&error);

  g_assert_false (sio_socket_emit_json (SIO_SOCKET (client), "chat", "[1,", &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT);
  *not_array = g_strdup (error->message);

  g_test_message ("%s", *reserved);
  g_test_message ("%s", *not_array);
}

static void
check_language (const char *language,
                const char *reserved_expected,
                const char *not_array_prefix)
{
  g_autofree char *reserved = NULL;
  g_autofree char *not_array = NULL;

  use_language (language);
  collect_messages (&reserved, &not_array);
  g_assert_cmpstr (reserved, ==, reserved_expected);
  if (!g_str_has_prefix (not_array, not_array_prefix))
    g_test_fail_printf ("“%s” does not start with “%s”", not_array, not_array_prefix);
}

static void
child_untranslated (void)
{
  g_autofree char *reserved = NULL;
  g_autofree char *not_array = NULL;

  use_language (NULL);
  collect_messages (&reserved, &not_array);
  g_assert_nonnull (strstr (reserved, "connect"));
  g_assert_true (g_str_is_ascii (not_array));
  g_assert_true (g_utf8_validate (reserved, -1, NULL));
}

static void
child_german (void)
{
  check_language ("de",
                  "„connect“ ist ein reservierter Ereignisname und kann nicht gesendet werden",
                  "Die Argumente des Ereignisses müssen ein JSON-Array sein: Ungültiges JSON bei Byte ");
}

static void
child_chinese (void)
{
  check_language ("zh_CN",
                  "“connect”是保留的事件名称，不能发送",
                  "事件参数必须是 JSON 数组：第 ");
}

/* A language without a catalog falls back to the original text. */
static void
child_fallback (void)
{
  g_autofree char *reserved = NULL;
  g_autofree char *not_array = NULL;

  use_language ("xx");

  collect_messages (&reserved, &not_array);
  g_assert_true (g_str_is_ascii (not_array));
}

typedef struct
{
  const char *path;
  const char *language;   /* whose catalog must exist, or NULL */
  void      (*child) (void);
} Case;

static const Case cases[] = {
  { "/sio/i18n/untranslated", NULL, child_untranslated },
  { "/sio/i18n/de", "de", child_german },
  { "/sio/i18n/zh_CN", "zh_CN", child_chinese },
  { "/sio/i18n/fallback", NULL, child_fallback },
};

static void
run_case (gconstpointer data)
{
  const Case *c = data;

  if (g_test_subprocess ())
    {
      c->child ();
      return;
    }

  if (!can_run (c->language))
    return;
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], run_case);

  return g_test_run ();
}
