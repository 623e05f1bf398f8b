/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sio-test-server.h: start the real Socket.IO servers of tests/servers/ from
 * GTest programs.
 *
 * Every server listens on 127.0.0.1 only.  The harness keeps a pipe on the
 * server's stdin for the server's whole life, so a server dies with the test
 * program even if the program crashes (on Linux the child is also asked to
 * receive SIGKILL when its parent dies, which covers frozen servers; that
 * signal follows the thread that started the server, so start servers from
 * the main thread).  The server's stderr is inherited: its messages appear
 * in the test log, right before any g_error() of this harness.
 *
 * See tests/servers/node-server.js for the events every server answers.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SIO_TEST_SERVER_NODE4,   /* socket.io 4.8.x: Socket.IO v5 / Engine.IO v4 */
  SIO_TEST_SERVER_NODE2,   /* socket.io 2.5.1: Socket.IO v4 / Engine.IO v3 */
  SIO_TEST_SERVER_PYTHON,  /* python-socketio 5.7 (aiohttp): Engine.IO v4 */
} SioTestServerKind;

typedef struct _SioTestServer SioTestServer;

/* extra_args: NULL-terminated (or NULL), appended to the command line,
 * e.g. { "--ping-interval", "300", "--ping-timeout", "200", NULL }.
 * Fails the test with g_error() if the server is not ready within 20 s. */
SioTestServer *sio_test_server_start         (SioTestServerKind   kind,
                                              const char * const *extra_args);
/* port 0 = a free port chosen by the server */
SioTestServer *sio_test_server_start_on_port (SioTestServerKind   kind,
                                              guint               port,
                                              const char * const *extra_args);

guint          sio_test_server_get_port      (SioTestServer      *server);
/* "http://127.0.0.1:PORT" followed by nsp (nsp may be NULL); free with g_free() */
char          *sio_test_server_get_url       (SioTestServer      *server,
                                              const char         *nsp);
/* 3 for SIO_TEST_SERVER_NODE2, 4 otherwise */
guint          sio_test_server_get_engine_io (SioTestServer      *server);
SioTestServerKind sio_test_server_get_kind   (SioTestServer      *server);
/* the running server's process id, 0 when none runs */
guint          sio_test_server_get_pid       (SioTestServer      *server);
/* TRUE while a server process is running (also while frozen) */
gboolean       sio_test_server_is_running    (SioTestServer      *server);

/* SIGSTOP: the server keeps its sockets open but stops answering */
void           sio_test_server_freeze        (SioTestServer      *server);
/* SIGCONT */
void           sio_test_server_thaw          (SioTestServer      *server);
/* SIGKILL and reap; the port is kept for sio_test_server_restart() */
void           sio_test_server_kill          (SioTestServer      *server);
/* start again on the same port and with the same arguments (kills the
 * running process first, if any); retries for a few seconds while the
 * port is still busy */
void           sio_test_server_restart       (SioTestServer      *server);
/* SIGTERM, SIGKILL after 2 s, reap, free; NULL-safe */
void           sio_test_server_free          (SioTestServer      *server);

const char    *sio_test_server_kind_name     (SioTestServerKind   kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SioTestServer, sio_test_server_free)

G_END_DECLS
