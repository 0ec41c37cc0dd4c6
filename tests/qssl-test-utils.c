/* qssl-test-utils.c: helpers shared by the GTest programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "qssl-test-utils.h"

char *
qssl_test_pki_path (const char *name)
{
  const char *dir = g_getenv ("QSSL_TEST_PKI");

  if (dir == NULL)
    g_error ("QSSL_TEST_PKI is not set: run the tests with 'meson test'");
  return g_build_filename (dir, name, NULL);
}

GBytes *
qssl_test_pki_bytes (const char *name)
{
  g_autofree char *path = qssl_test_pki_path (name);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

QsslCertificate *
qssl_test_pki_certificate (const char *name)
{
  g_autoptr(GBytes) bytes = qssl_test_pki_bytes (name);
  g_autoptr(GError) error = NULL;
  QsslCertificate *certificate;

  certificate = qssl_certificate_new_from_data (bytes, QSSL_ENCODING_FORMAT_PEM, &error);
  g_assert_no_error (error);
  g_assert_nonnull (certificate);
  return certificate;
}

QsslKey *
qssl_test_pki_key (const char *name)
{
  g_autoptr(GBytes) bytes = qssl_test_pki_bytes (name);
  g_autoptr(GError) error = NULL;
  QsslKey *key;

  key = qssl_key_new_from_data (bytes, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  return key;
}

QsslConfiguration *
qssl_test_client_configuration (void)
{
  QsslConfiguration *configuration = qssl_configuration_get_default ();
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(GPtrArray) cas = g_ptr_array_new ();

  g_ptr_array_add (cas, root);
  qssl_configuration_set_ca_certificates (configuration, cas);
  return configuration;
}

QsslConfiguration *
qssl_test_server_configuration (const char *cert_name)
{
  QsslConfiguration *configuration = qssl_configuration_get_default ();
  g_autofree char *pem = g_strconcat (cert_name, ".pem", NULL);
  g_autofree char *key_name = g_strconcat (cert_name, ".key", NULL);
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate (pem);
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(QsslKey) key = qssl_test_pki_key (key_name);
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();

  g_ptr_array_add (chain, leaf);
  g_ptr_array_add (chain, intermediate);
  qssl_configuration_set_local_certificate_chain (configuration, chain);
  qssl_configuration_set_private_key (configuration, key);
  qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_QUERY_PEER);
  return configuration;
}

static gboolean
on_deadline (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the thread-default context until @done says so or the deadline. */
static gboolean
wait_until (gboolean (*done) (gpointer),
            gpointer   data,
            guint      timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean expired = FALSE;
  GSource *deadline = g_timeout_source_new (timeout_ms);

  g_source_set_callback (deadline, on_deadline, &expired, NULL);
  g_source_attach (deadline, context);
  while (!done (data) && !expired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  return done (data);
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
pointer_is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

gboolean
qssl_test_wait_for_flag (gboolean *flag,
                         guint     timeout_ms)
{
  return wait_until (flag_is_set, flag, timeout_ms);
}

/* A ready-read handler that writes back everything received. */
void
qssl_test_echo (QsslSocket *socket,
                gpointer    user_data)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  qssl_socket_write_bytes (socket, data);
}

gboolean
qssl_test_wait_for_pointer (gpointer *pointer,
                            guint     timeout_ms)
{
  return wait_until (pointer_is_set, pointer, timeout_ms);
}

char *
qssl_test_run_command (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  char *output = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &output, NULL, &status, &error))
    {
      g_test_fail_printf ("could not run %s: %s", argv[0], error->message);
      return NULL;
    }
  if (!g_spawn_check_wait_status (status, &error))
    {
      g_test_fail_printf ("%s failed: %s", argv[0], error->message);
      g_free (output);
      return NULL;
    }
  return output;
}

guint
qssl_test_count_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

static gpointer
cancel_in_thread (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return NULL;
}

void
qssl_test_cancel_from_thread (GCancellable *cancellable)
{
  g_thread_join (g_thread_new ("canceller", cancel_in_thread, cancellable));
}
