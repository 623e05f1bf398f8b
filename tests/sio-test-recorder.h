/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sio-test-recorder.h: what the end-to-end tests record of a client's
 * signals, and bounded waits on the main context (no sleeps: spin until a
 * condition holds or a timeout fails the test).
 */
#pragma once

#include <sio-glib/sio-glib.h>

#include "sio-test-server.h"

G_BEGIN_DECLS

/* How long any wait may take before the test fails. */
#define SIO_TEST_TIMEOUT_MS 10000

typedef struct
{
  /* "name args-json", in arrival order */
  GPtrArray           *events;
  /* the SioEvent objects, same order */
  GPtrArray           *event_objects;
  guint                connected;
  guint                disconnected;
  SioDisconnectReason  last_reason;
  guint                connect_errors;
  /* the last connect-error and its data */
  GError              *connect_error;
  JsonNode            *connect_error_data;
  guint                reconnect_attempts;
  guint                reconnected;
  guint                reconnect_failed;
} SioTestRecorder;

/* A client of @server's namespace @nsp (NULL: "/") speaking its Engine.IO
 * version, reconnecting after 100 ms, at most 500 ms apart. */
SioClient   *sio_test_client_new             (SioTestServer    *server,
                                              const char       *nsp);

/* The end of an end-to-end test: closes @client (if not NULL) and checks
 * that it is finalized, clears @r and stops @server. */
void         sio_test_teardown               (SioClient        *client,
                                              SioTestRecorder  *r,
                                              SioTestServer    *server);

void         sio_test_recorder_init          (SioTestRecorder  *r);
void         sio_test_recorder_clear         (SioTestRecorder  *r);
/* event, connected, disconnected, connect-error */
void         sio_test_recorder_watch_socket  (SioTestRecorder  *r,
                                              SioSocket        *socket);
/* the socket signals, and reconnect-attempt, reconnected, reconnect-failed */
void         sio_test_recorder_watch_client  (SioTestRecorder  *r,
                                              SioClient        *client);
/* the args JSON of the nth (0-based) event called @name; fails the test on timeout */
const char  *sio_test_recorder_wait_event_nth (SioTestRecorder *r,
                                              const char       *name,
                                              guint             nth);
const char  *sio_test_recorder_wait_event    (SioTestRecorder  *r,
                                              const char       *name);
/* the first recorded SioEvent called @name, or NULL */
SioEvent    *sio_test_recorder_find_event    (SioTestRecorder  *r,
                                              const char       *name);

/* Spins the thread-default context until @cond holds; FALSE on timeout. */
gboolean     sio_test_wait_for               (gboolean        (*cond) (gpointer),
                                              gpointer          data,
                                              guint             timeout_ms);
/* Spins the context for @ms milliseconds. */
void         sio_test_spin                   (guint             ms);
/* Waits until *counter >= target; fails the test on timeout. */
void         sio_test_wait_count             (guint            *counter,
                                              guint             target,
                                              const char       *what);
/* Waits until *ptr is set; fails the test on timeout. */
void         sio_test_wait_pointer           (gpointer         *ptr,
                                              const char       *what);

G_END_DECLS
