/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sio-test-server.c: start the real Socket.IO servers of tests/servers/ from
 * GTest programs.  See sio-test-server.h.
 */

#include "sio-test-server.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#define START_TIMEOUT_MS      20000  /* whole start, PORT line included */
#define PORT_RETRY_WINDOW_MS   8000  /* restarting on a port still busy */
#define PORT_RETRY_DELAY_MS     150
#define TERM_GRACE_MS          2000
#define REAP_TIMEOUT_MS        5000

struct _SioTestServer
{
  SioTestServerKind kind;
  char **extra_args;
  guint port;              /* 0 until the first start, then kept */

  GSubprocess *process;
  GOutputStream *stdin_pipe; /* kept open: EOF tells the server to exit */
  GInputStream *stdout_pipe;
};

const char *
sio_test_server_kind_name (SioTestServerKind kind)
{
  switch (kind)
    {
    case SIO_TEST_SERVER_NODE4:
      return "node4";
    case SIO_TEST_SERVER_NODE2:
      return "node2";
    case SIO_TEST_SERVER_PYTHON:
      return "python";
    default:
      return "unknown";
    }
}

/* ---- locating the scripts ------------------------------------------------ */

static char *
find_servers_dir (void)
{
  const char *root = g_getenv ("SIO_SOURCE_ROOT");
  const char *srcdir;

  if (root != NULL && *root != '\0')
    return g_build_filename (root, "tests", "servers", NULL);

  srcdir = g_getenv ("G_TEST_SRCDIR");
  if (srcdir != NULL && *srcdir != '\0')
    return g_build_filename (srcdir, "..", "tests", "servers", NULL);

  if (g_test_initialized ())
    return g_build_filename (g_test_get_dir (G_TEST_DIST), "..", "tests",
                             "servers", NULL);

  return g_build_filename ("tests", "servers", NULL);
}

static char *
find_script (SioTestServerKind kind)
{
  g_autofree char *dir = find_servers_dir ();
  const char *name;
  char *path;

  name = kind == SIO_TEST_SERVER_PYTHON ? "python-server.py" : "node-server.js";
  path = g_build_filename (dir, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_error ("sio-test-server: %s not found (set SIO_SOURCE_ROOT to the "
             "source tree)", path);

  if (kind != SIO_TEST_SERVER_PYTHON)
    {
      const char *package = kind == SIO_TEST_SERVER_NODE2 ? "socket.io-v2" : "socket.io";
      g_autofree char *manifest = g_build_filename (dir, "..", "..", "node_modules",
                                                    package, "package.json", NULL);

      if (!g_file_test (manifest, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *root = g_build_filename (dir, "..", "..", NULL);

          g_error ("sio-test-server: the Node.js test servers need the npm "
                   "packages: run `npm ci` in %s (%s is missing)",
                   root, manifest);
        }
    }

  return path;
}

static GPtrArray *
build_argv (SioTestServer *server,
            guint          port)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  char *script = find_script (server->kind);

  if (server->kind == SIO_TEST_SERVER_PYTHON)
    {
      g_ptr_array_add (argv, g_strdup ("/usr/bin/python3"));
      g_ptr_array_add (argv, script);
    }
  else
    {
      char *node = g_find_program_in_path ("node");

      if (node == NULL)
        g_error ("sio-test-server: `node` is not in PATH; the %s server "
                 "needs Node.js", sio_test_server_kind_name (server->kind));
      g_ptr_array_add (argv, node);
      g_ptr_array_add (argv, script);
      g_ptr_array_add (argv, g_strdup ("--version"));
      g_ptr_array_add (argv, g_strdup (server->kind == SIO_TEST_SERVER_NODE2 ? "2" : "4"));
    }

  g_ptr_array_add (argv, g_strdup ("--port"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", port));

  for (guint i = 0; server->extra_args != NULL && server->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (server->extra_args[i]));

  g_ptr_array_add (argv, NULL);
  return argv;
}

/* ---- bounded waits on a private main context ----------------------------- */

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
pollable_ready_cb (GObject  *stream,
                   gpointer  user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Reads the "PORT <n>" line without ever blocking past @deadline
 * (monotonic time).  Other lines before it are echoed to stderr. */
static gboolean
read_port_line (GInputStream  *stream,
                gint64         deadline,
                guint         *port_out,
                GError       **error)
{
  GPollableInputStream *pollable;
  g_autoptr (GMainContext) context = NULL;
  g_autoptr (GString) buffer = g_string_new (NULL);

  if (!G_IS_POLLABLE_INPUT_STREAM (stream) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (stream)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "the server's stdout cannot be polled");
      return FALSE;
    }
  pollable = G_POLLABLE_INPUT_STREAM (stream);
  context = g_main_context_new ();

  for (;;)
    {
      char chunk[256];
      g_autoptr (GError) local_error = NULL;
      gssize n;
      const char *newline;

      /* Complete lines first. */
      while ((newline = memchr (buffer->str, '\n', buffer->len)) != NULL)
        {
          g_autofree char *line = g_strndup (buffer->str, newline - buffer->str);
          guint64 port = 0;

          g_string_erase (buffer, 0, newline - buffer->str + 1);
          g_strchomp (line);
          if (g_str_has_prefix (line, "PORT ") &&
              g_ascii_string_to_unsigned (line + 5, 10, 1, 65535, &port, NULL))
            {
              *port_out = (guint) port;
              return TRUE;
            }
          g_printerr ("sio-test-server: unexpected server output: %s\n", line);
        }

      n = g_pollable_input_stream_read_nonblocking (pollable, chunk, sizeof chunk,
                                                    NULL, &local_error);
      if (n > 0)
        {
          g_string_append_len (buffer, chunk, n);
          continue;
        }
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               "the server closed its stdout (exited?) before "
                               "printing its PORT line");
          return FALSE;
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "reading the server's stdout: ");
          return FALSE;
        }

      {
        gint64 remaining = deadline - g_get_monotonic_time ();
        gboolean readable = FALSE, timed_out = FALSE;
        GSource *ready, *timeout;

        if (remaining <= 0)
          {
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                 "timed out waiting for the server's PORT line");
            return FALSE;
          }

        ready = g_pollable_input_stream_create_source (pollable, NULL);
        g_source_set_callback (ready, G_SOURCE_FUNC (pollable_ready_cb), &readable, NULL);
        g_source_attach (ready, context);
        timeout = g_timeout_source_new ((guint) (remaining / 1000) + 1);
        g_source_set_callback (timeout, set_flag_cb, &timed_out, NULL);
        g_source_attach (timeout, context);

        while (!readable && !timed_out)
          g_main_context_iteration (context, TRUE);

        g_source_destroy (ready);
        g_source_unref (ready);
        g_source_destroy (timeout);
        g_source_unref (timeout);
      }
    }
}

typedef struct
{
  gboolean done;
  gboolean exited;
} WaitData;

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WaitData *data = user_data;

  data->exited = g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  data->done = TRUE;
}

/* TRUE when @process has terminated (and is reaped) within @timeout_ms. */
static gboolean
wait_process (GSubprocess *process,
              guint        timeout_ms)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  WaitData data = { FALSE, FALSE };
  gboolean timed_out = FALSE;
  GSource *timeout;

  g_main_context_push_thread_default (context);

  g_subprocess_wait_async (process, cancellable, wait_done_cb, &data);
  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, set_flag_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!data.done && !timed_out)
    g_main_context_iteration (context, TRUE);

  if (!data.done)
    {
      g_cancellable_cancel (cancellable);
      while (!data.done)
        g_main_context_iteration (context, TRUE);
    }

  g_source_destroy (timeout);
  g_source_unref (timeout);

  /* Let the finished GTask drop its references on this context. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  return data.exited;
}

static void
sleep_ms (guint ms)
{
  g_usleep ((gulong) ms * 1000);
}

/* ---- process life -------------------------------------------------------- */

#ifdef __linux__
static pid_t harness_pid;

static void
child_setup (gpointer user_data)
{
  /* Async-signal-safe only.  SIGKILL also ends a frozen (SIGSTOPped) server
   * whose test program crashed; the stdin pipe covers the other cases. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != harness_pid)
    _exit (127);
}
#endif

static void
drop_process (SioTestServer *server)
{
  if (server->stdin_pipe != NULL)
    g_output_stream_close (server->stdin_pipe, NULL, NULL);
  g_clear_object (&server->stdin_pipe);
  g_clear_object (&server->stdout_pipe);
  g_clear_object (&server->process);
}

static void
kill_and_reap (SioTestServer *server)
{
  if (server->process == NULL)
    return;

  g_subprocess_send_signal (server->process, SIGKILL);
  if (!wait_process (server->process, REAP_TIMEOUT_MS))
    g_warning ("sio-test-server: %s server (pid %s) did not die after SIGKILL",
               sio_test_server_kind_name (server->kind),
               g_subprocess_get_identifier (server->process));
  drop_process (server);
}

/* One attempt.  On failure the process is gone and *exited_early tells
 * whether it exited by itself before printing its port (a busy port). */
static gboolean
spawn_once (SioTestServer  *server,
            guint           port,
            gint64          deadline,
            gboolean       *exited_early,
            GError        **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = build_argv (server, port);
  g_autoptr (GError) local_error = NULL;
  guint actual_port = 0;

  *exited_early = FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
#ifdef __linux__
  harness_pid = getpid ();
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
#endif

  server->process = g_subprocess_launcher_spawnv (launcher,
                                                  (const char * const *) argv->pdata,
                                                  &local_error);
  if (server->process == NULL)
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **) argv->pdata);

      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot run `%s`: ", cmd);
      return FALSE;
    }
  server->stdin_pipe = g_object_ref (g_subprocess_get_stdin_pipe (server->process));
  server->stdout_pipe = g_object_ref (g_subprocess_get_stdout_pipe (server->process));

  if (!read_port_line (server->stdout_pipe, deadline, &actual_port, &local_error))
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **) argv->pdata);

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED) &&
          wait_process (server->process, 2000))
        {
          *exited_early = TRUE;
          if (g_subprocess_get_if_exited (server->process))
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "`%s` exited with status %d before it was ready "
                         "(its stderr is above)", cmd,
                         g_subprocess_get_exit_status (server->process));
          else
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "`%s` was killed by signal %d before it was ready "
                         "(its stderr is above)", cmd,
                         g_subprocess_get_term_sig (server->process));
        }
      else
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "`%s` (its stderr is above): ", cmd);
        }
      kill_and_reap (server);
      return FALSE;
    }

  if (port != 0 && actual_port != port)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "server listens on port %u instead of %u", actual_port, port);
      kill_and_reap (server);
      return FALSE;
    }

  server->port = actual_port;
  return TRUE;
}

static void
start_process (SioTestServer *server,
               guint          port)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) START_TIMEOUT_MS * 1000;
  gint64 retry_until = start + (gint64) PORT_RETRY_WINDOW_MS * 1000;
  guint attempts = 0;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      gboolean exited_early = FALSE;

      attempts++;
      if (spawn_once (server, port, deadline, &exited_early, &error))
        break;

      /* A fixed port may still be held (TIME_WAIT, a dying process):
       * try again for a while. */
      if (port != 0 && exited_early && g_get_monotonic_time () < retry_until)
        {
          g_printerr ("sio-test-server: %s server could not start on port %u, "
                      "retrying\n", sio_test_server_kind_name (server->kind), port);
          sleep_ms (PORT_RETRY_DELAY_MS);
          continue;
        }

      g_error ("sio-test-server: cannot start the %s server (%u attempt%s): %s",
               sio_test_server_kind_name (server->kind), attempts,
               attempts == 1 ? "" : "s", error->message);
    }

  if (g_test_initialized ())
    g_test_message ("sio-test-server: %s server pid %s listening on 127.0.0.1:%u",
                    sio_test_server_kind_name (server->kind),
                    g_subprocess_get_identifier (server->process), server->port);
}

/* ---- public API ---------------------------------------------------------- */

SioTestServer *
sio_test_server_start_on_port (SioTestServerKind   kind,
                               guint               port,
                               const char * const *extra_args)
{
  SioTestServer *server;

  g_return_val_if_fail (kind == SIO_TEST_SERVER_NODE4 ||
                        kind == SIO_TEST_SERVER_NODE2 ||
                        kind == SIO_TEST_SERVER_PYTHON, NULL);
  g_return_val_if_fail (port <= 65535, NULL);

  server = g_new0 (SioTestServer, 1);
  server->kind = kind;
  server->extra_args = g_strdupv ((char **) extra_args);

  start_process (server, port);
  return server;
}

SioTestServer *
sio_test_server_start (SioTestServerKind   kind,
                       const char * const *extra_args)
{
  return sio_test_server_start_on_port (kind, 0, extra_args);
}

guint
sio_test_server_get_port (SioTestServer *server)
{
  g_return_val_if_fail (server != NULL, 0);

  return server->port;
}

char *
sio_test_server_get_url (SioTestServer *server,
                         const char    *nsp)
{
  g_return_val_if_fail (server != NULL, NULL);

  return g_strdup_printf ("http://127.0.0.1:%u%s", server->port,
                          nsp != NULL ? nsp : "");
}

guint
sio_test_server_get_engine_io (SioTestServer *server)
{
  g_return_val_if_fail (server != NULL, 4);

  return server->kind == SIO_TEST_SERVER_NODE2 ? 3 : 4;
}

SioTestServerKind
sio_test_server_get_kind (SioTestServer *server)
{
  g_return_val_if_fail (server != NULL, SIO_TEST_SERVER_NODE4);

  return server->kind;
}

guint
sio_test_server_get_pid (SioTestServer *server)
{
  const char *id;
  guint64 pid = 0;

  g_return_val_if_fail (server != NULL, 0);

  id = server->process != NULL ? g_subprocess_get_identifier (server->process) : NULL;
  if (id == NULL || !g_ascii_string_to_unsigned (id, 10, 1, G_MAXUINT, &pid, NULL))
    return 0;
  return (guint) pid;
}

gboolean
sio_test_server_is_running (SioTestServer *server)
{
  g_return_val_if_fail (server != NULL, FALSE);

  return server->process != NULL &&
         g_subprocess_get_identifier (server->process) != NULL;
}

void
sio_test_server_freeze (SioTestServer *server)
{
  g_return_if_fail (server != NULL);
  g_return_if_fail (server->process != NULL);

  g_subprocess_send_signal (server->process, SIGSTOP);
}

void
sio_test_server_thaw (SioTestServer *server)
{
  g_return_if_fail (server != NULL);
  g_return_if_fail (server->process != NULL);

  g_subprocess_send_signal (server->process, SIGCONT);
}

void
sio_test_server_kill (SioTestServer *server)
{
  g_return_if_fail (server != NULL);

  kill_and_reap (server);
}

void
sio_test_server_restart (SioTestServer *server)
{
  g_return_if_fail (server != NULL);
  g_return_if_fail (server->port != 0);

  kill_and_reap (server);
  start_process (server, server->port);
}

void
sio_test_server_free (SioTestServer *server)
{
  if (server == NULL)
    return;

  if (server->process != NULL)
    {
      g_subprocess_send_signal (server->process, SIGTERM);
      /* A frozen server handles SIGTERM only once resumed. */
      g_subprocess_send_signal (server->process, SIGCONT);
      if (server->stdin_pipe != NULL)
        g_output_stream_close (server->stdin_pipe, NULL, NULL);

      if (!wait_process (server->process, TERM_GRACE_MS))
        {
          g_printerr ("sio-test-server: %s server (pid %s) ignored SIGTERM, "
                      "killing it\n", sio_test_server_kind_name (server->kind),
                      g_subprocess_get_identifier (server->process));
          kill_and_reap (server);
        }
      drop_process (server);
    }

  g_strfreev (server->extra_args);
  g_free (server);
}
