/* qssl-throwaway.c: a CA and a localhost certificate made in memory, for
 * `qssl demo`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "qssl-tool.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

static gboolean
add_extension (X509       *certificate,
               X509       *issuer,
               int         nid,
               const char *value)
{
  X509V3_CTX context;
  X509_EXTENSION *extension;
  gboolean ok;

  X509V3_set_ctx_nodb (&context);
  X509V3_set_ctx (&context, issuer, certificate, NULL, NULL, 0);
  extension = X509V3_EXT_conf_nid (NULL, &context, nid, value);
  if (extension == NULL)
    return FALSE;
  ok = X509_add_ext (certificate, extension, -1) == 1;
  X509_EXTENSION_free (extension);
  return ok;
}

/* An EC P-256 certificate for @common_name, valid from an hour ago for a
 * day, signed by @issuer_key (itself when @issuer is NULL). */
static X509 *
make_certificate (EVP_PKEY   *key,
                  const char *common_name,
                  X509       *issuer,
                  EVP_PKEY   *issuer_key,
                  gboolean    is_ca)
{
  g_autoptr(X509) certificate = X509_new ();
  X509_NAME *name = X509_get_subject_name (certificate);
  guint8 serial[16];
  BIGNUM *serial_number;

  for (gsize i = 0; i < sizeof serial; i++)
    serial[i] = g_random_int_range (0, 256);
  serial[0] &= 0x7f; /* positive */
  X509_set_version (certificate, 2);
  serial_number = BN_bin2bn (serial, sizeof serial, NULL);
  BN_to_ASN1_INTEGER (serial_number, X509_get_serialNumber (certificate));
  BN_free (serial_number);
  X509_gmtime_adj (X509_getm_notBefore (certificate), -3600);
  X509_gmtime_adj (X509_getm_notAfter (certificate), 24 * 3600);
  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8, (const guint8 *) "qssl demo", -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const guint8 *) common_name, -1, -1, 0);
  X509_set_issuer_name (certificate, issuer ? X509_get_subject_name (issuer) : name);
  X509_set_pubkey (certificate, key);
  if (!add_extension (certificate, issuer ? issuer : certificate, NID_basic_constraints,
                      is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") ||
      !add_extension (certificate, issuer ? issuer : certificate, NID_key_usage,
                      is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") ||
      !add_extension (certificate, issuer ? issuer : certificate, NID_subject_key_identifier, "hash"))
    return NULL;
  if (!is_ca &&
      (!add_extension (certificate, issuer, NID_ext_key_usage, "serverAuth") ||
       !add_extension (certificate, issuer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
       !add_extension (certificate, issuer, NID_authority_key_identifier, "keyid")))
    return NULL;
  if (X509_sign (certificate, issuer_key, EVP_sha256 ()) == 0)
    return NULL;
  return g_steal_pointer (&certificate);
}

static QsslCertificate *
to_qssl (X509 *certificate)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  g_autoptr(GBytes) pem = NULL;
  char *data;
  long length;

  PEM_write_bio_X509 (bio, certificate);
  length = BIO_get_mem_data (bio, &data);
  pem = g_bytes_new (data, length);
  return qssl_certificate_new_from_data (pem, QSSL_ENCODING_FORMAT_PEM, NULL);
}

gboolean
make_throwaway_pki (QsslCertificate **ca,
                    QsslCertificate **leaf,
                    QsslKey         **leaf_key,
                    GError          **error)
{
  g_autoptr(EVP_PKEY) ca_key = EVP_EC_gen ("P-256");
  g_autoptr(EVP_PKEY) server_key = EVP_EC_gen ("P-256");
  g_autoptr(X509) ca_certificate = NULL;
  g_autoptr(X509) server_certificate = NULL;
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  g_autoptr(GBytes) key_pem = NULL;
  char *data;
  long length;

  if (ca_key != NULL && server_key != NULL)
    ca_certificate = make_certificate (ca_key, "qssl demo CA", NULL, ca_key, TRUE);
  if (ca_certificate != NULL)
    server_certificate = make_certificate (server_key, "localhost", ca_certificate, ca_key, FALSE);
  if (server_certificate == NULL || !PEM_write_bio_PrivateKey (bio, server_key, NULL, NULL, 0, NULL, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not make the demo certificates"));
      return FALSE;
    }
  length = BIO_get_mem_data (bio, &data);
  key_pem = g_bytes_new (data, length);
  *ca = to_qssl (ca_certificate);
  *leaf = to_qssl (server_certificate);
  *leaf_key = qssl_key_new_from_data (key_pem, QSSL_KEY_ALGORITHM_EC, QSSL_ENCODING_FORMAT_PEM,
                                      QSSL_KEY_TYPE_PRIVATE_KEY, NULL, error);
  if (*ca == NULL || *leaf == NULL || *leaf_key == NULL)
    {
      g_clear_object (ca);
      g_clear_object (leaf);
      g_clear_object (leaf_key);
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not make the demo certificates"));
      return FALSE;
    }
  return TRUE;
}
