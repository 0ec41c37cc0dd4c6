/* qssl-certificate.c: QsslCertificate, an X.509 certificate (QSslCertificate)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "qssl.h"
#include "qssl-certificate-private.h"
#include "qssl-error-private.h"
#include "qssl-key-private.h"
#include "qssl-private.h"

/**
 * QsslCertificate:
 *
 * An X.509 certificate: who it was issued to and by, for which names, for how
 * long, with which key and extensions.
 *
 * Certificates are immutable and reference counted, like #GTlsCertificate
 * (convert with [method@Qssl.Certificate.to_tls_certificate] and
 * [ctor@Qssl.Certificate.new_from_tls_certificate]).
 *
 * Mirrors `QSslCertificate`.
 *
 * Since: 1.0
 */
struct _QsslCertificate
{
  GObject  parent_instance;

  X509    *x509;
};

G_DEFINE_FINAL_TYPE (QsslCertificate, qssl_certificate, G_TYPE_OBJECT)

/**
 * QsslCertificateExtension:
 *
 * One X.509v3 extension of a certificate, decoded the way Qt decodes it.
 *
 * Mirrors `QSslCertificateExtension`.
 *
 * Since: 1.0
 */
struct _QsslCertificateExtension
{
  GObject   parent_instance;

  char     *oid;
  char     *name;
  GVariant *value;
  gboolean  critical;
  gboolean  supported;
};

G_DEFINE_FINAL_TYPE (QsslCertificateExtension, qssl_certificate_extension, G_TYPE_OBJECT)

static void
qssl_certificate_finalize (GObject *object)
{
  QsslCertificate *self = QSSL_CERTIFICATE (object);

  g_clear_pointer (&self->x509, X509_free);

  G_OBJECT_CLASS (qssl_certificate_parent_class)->finalize (object);
}

static void
qssl_certificate_class_init (QsslCertificateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qssl_certificate_finalize;
}

static void
qssl_certificate_init (QsslCertificate *self)
{
}

QsslCertificate *
_qssl_certificate_new_take (X509 *x509)
{
  QsslCertificate *self;

  g_return_val_if_fail (x509 != NULL, NULL);

  self = g_object_new (QSSL_TYPE_CERTIFICATE, NULL);
  self->x509 = x509;
  return self;
}

QsslCertificate *
_qssl_certificate_new_ref (X509 *x509)
{
  g_return_val_if_fail (x509 != NULL, NULL);

  X509_up_ref (x509);
  return _qssl_certificate_new_take (x509);
}

X509 *
_qssl_certificate_get_x509 (QsslCertificate *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return self->x509;
}

static GPtrArray *
certificate_list_new (void)
{
  return g_ptr_array_new_with_free_func (g_object_unref);
}

GPtrArray *
_qssl_certificate_list_from_stack (STACK_OF (X509) *stack)
{
  GPtrArray *list = certificate_list_new ();

  for (int i = 0; stack != NULL && i < sk_X509_num (stack); i++)
    g_ptr_array_add (list, _qssl_certificate_new_ref (sk_X509_value (stack, i)));
  return list;
}

/* Loading */

static void
parse_into (GPtrArray          *list,
            const guint8       *data,
            gsize               length,
            QsslEncodingFormat  format,
            gboolean            first_only)
{
  if (length == 0 || length > G_MAXINT)
    return;

  if (format == QSSL_ENCODING_FORMAT_DER)
    {
      const unsigned char *p = data;
      const unsigned char *end = data + length;

      while (p < end)
        {
          X509 *x509 = d2i_X509 (NULL, &p, end - p);

          if (x509 == NULL)
            break;
          g_ptr_array_add (list, _qssl_certificate_new_take (x509));
          if (first_only)
            break;
        }
    }
  else
    {
      BIO *bio = BIO_new_mem_buf (data, (int) length);
      X509 *x509;

      /* A null password callback result keeps OpenSSL from ever prompting. */
      while ((x509 = PEM_read_bio_X509 (bio, NULL, NULL, (void *) "")) != NULL)
        {
          g_ptr_array_add (list, _qssl_certificate_new_take (x509));
          if (first_only)
            break;
        }
      BIO_free (bio);
    }
  _qssl_clear_openssl_errors ();
}

/**
 * qssl_certificate_new_from_data:
 * @data: PEM or DER data
 * @format: the encoding of @data
 * @error: return location for a #GError
 *
 * Reads the first certificate in @data.
 *
 * Mirrors `QSslCertificate::QSslCertificate(const QByteArray &, QSsl::EncodingFormat)`;
 * where Qt gives a null certificate, this fails with %G_TLS_ERROR_BAD_CERTIFICATE.
 *
 * Returns: (transfer full): the certificate, or %NULL with @error set
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_certificate_new_from_data (GBytes              *data,
                                QsslEncodingFormat   format,
                                GError             **error)
{
  g_autoptr(GPtrArray) list = certificate_list_new ();
  gsize length;
  const guint8 *bytes;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_get_data (data, &length);
  parse_into (list, bytes, length, format, TRUE);
  if (list->len == 0)
    {
      _qssl_init ();
      g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                           _("Could not parse the certificate data"));
      return NULL;
    }
  return g_object_ref (g_ptr_array_index (list, 0));
}

/**
 * qssl_certificate_list_from_data:
 * @data: PEM or DER data, possibly several certificates one after another
 * @format: the encoding of @data
 *
 * Reads every certificate in @data, stopping at the first thing that is not
 * one. Garbage gives an empty array.
 *
 * Mirrors `QSslCertificate::fromData()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the certificates
 *
 * Since: 1.0
 */
GPtrArray *
qssl_certificate_list_from_data (GBytes             *data,
                                 QsslEncodingFormat  format)
{
  GPtrArray *list = certificate_list_new ();
  const guint8 *bytes;
  gsize length;

  g_return_val_if_fail (data != NULL, list);

  bytes = g_bytes_get_data (data, &length);
  parse_into (list, bytes, length, format, FALSE);
  return list;
}

/**
 * qssl_certificate_list_from_stream:
 * @stream: a #GInputStream
 * @format: the encoding of the stream's contents
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads @stream to its end and returns every certificate in it.
 *
 * Mirrors `QSslCertificate::fromDevice()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the certificates
 *   (possibly none), or %NULL with @error set when reading failed
 *
 * Since: 1.0
 */
GPtrArray *
qssl_certificate_list_from_stream (GInputStream        *stream,
                                   QsslEncodingFormat   format,
                                   GCancellable        *cancellable,
                                   GError             **error)
{
  g_autoptr(GOutputStream) memory = NULL;
  g_autoptr(GBytes) data = NULL;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  memory = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (memory, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                              cancellable, error) < 0)
    return NULL;
  data = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  return qssl_certificate_list_from_data (data, format);
}

static void
add_file (GPtrArray          *list,
          const char         *path,
          QsslEncodingFormat  format)
{
  char *contents = NULL;
  gsize length = 0;

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
      g_file_get_contents (path, &contents, &length, NULL))
    {
      parse_into (list, (const guint8 *) contents, length, format, FALSE);
      g_free (contents);
    }
}

/* Shell wildcards in one path component, with [...] classes (which
 * GPatternSpec lacks). */
static gboolean
wildcard_match (const char *pattern,
                const char *name)
{
  while (*pattern != '\0')
    {
      if (*pattern == '*')
        {
          while (*pattern == '*')
            pattern++;
          if (*pattern == '\0')
            return TRUE;
          for (; *name != '\0'; name++)
            if (wildcard_match (pattern, name))
              return TRUE;
          return FALSE;
        }
      if (*name == '\0')
        return FALSE;
      if (*pattern == '?')
        {
          pattern++;
          name++;
        }
      else if (*pattern == '[')
        {
          const char *p = pattern + 1;
          gboolean negate = FALSE, matched = FALSE;

          if (*p == '!' || *p == '^')
            {
              negate = TRUE;
              p++;
            }
          /* An unterminated class matches nothing, as below; checked
           * first because the loop reads p[1] and p[2]. */
          if (*p == '\0')
            return FALSE;
          do
            {
              if (p[1] == '-' && p[2] != ']' && p[2] != '\0')
                {
                  if (*name >= p[0] && *name <= p[2])
                    matched = TRUE;
                  p += 3;
                }
              else
                {
                  if (*name == *p)
                    matched = TRUE;
                  p++;
                }
            }
          while (*p != ']' && *p != '\0');
          if (*p == '\0' || matched == negate)
            return FALSE;
          pattern = p + 1;
          name++;
        }
      else
        {
          if (*pattern != *name)
            return FALSE;
          pattern++;
          name++;
        }
    }
  return *name == '\0';
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
walk_wildcard (GPtrArray          *list,
               const char         *dir,
               char              **components,
               QsslEncodingFormat  format)
{
  g_autoptr(GDir) handle = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *entry;
  gboolean last = components[1] == NULL;

  if (strpbrk (components[0], "*?[") == NULL)
    {
      g_autofree char *path = g_build_filename (dir, components[0], NULL);

      if (last)
        add_file (list, path, format);
      else
        walk_wildcard (list, path, components + 1, format);
      return;
    }

  handle = g_dir_open (dir, 0, NULL);
  if (handle == NULL)
    return;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((entry = g_dir_read_name (handle)) != NULL)
    if (wildcard_match (components[0], entry))
      g_ptr_array_add (names, g_strdup (entry));
  /* Directory order is arbitrary; a sorted walk gives a stable list. */
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);

      if (last)
        add_file (list, path, format);
      else if (g_file_test (path, G_FILE_TEST_IS_DIR))
        walk_wildcard (list, path, components + 1, format);
    }
}

static void
walk_regex (GPtrArray          *list,
            const char         *dir,
            GRegex             *regex,
            QsslEncodingFormat  format,
            int                 depth)
{
  g_autoptr(GDir) handle = NULL;
  const char *entry;

  if (depth > 32)
    return;
  handle = g_dir_open (dir ? dir : ".", 0, NULL);
  if (handle == NULL)
    return;
  while ((entry = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = dir ? g_build_filename (dir, entry, NULL) : g_strdup (entry);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        walk_regex (list, path, regex, format, depth + 1);
      else if (g_regex_match (regex, path, 0, NULL))
        add_file (list, path, format);
    }
}

/**
 * qssl_certificate_list_from_path:
 * @path: a file name or a pattern
 * @format: the encoding of the files
 * @syntax: how to read @path
 * @error: return location for a #GError
 *
 * Reads the certificates of every file @path names.
 *
 * With %QSSL_PATTERN_SYNTAX_FIXED_STRING @path is one file (a directory gives
 * nothing); with %QSSL_PATTERN_SYNTAX_WILDCARD each path component may hold
 * `*`, `?` and `[...]` (every `*.pem` of a `certs` folder; `c*.pem` in every
 * folder starting with `c`); with
 * %QSSL_PATTERN_SYNTAX_REGULAR_EXPRESSION the whole path is a regular
 * expression, matched against full paths below its longest literal
 * directory prefix.
 *
 * Mirrors `QSslCertificate::fromPath()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the certificates
 *   (possibly none), or %NULL with @error set for an invalid regular expression
 *
 * Since: 1.0
 */
GPtrArray *
qssl_certificate_list_from_path (const char          *path,
                                 QsslEncodingFormat   format,
                                 QsslPatternSyntax    syntax,
                                 GError             **error)
{
  GPtrArray *list;

  g_return_val_if_fail (path != NULL, NULL);

  list = certificate_list_new ();
  if (syntax == QSSL_PATTERN_SYNTAX_FIXED_STRING)
    {
      add_file (list, path, format);
    }
  else if (syntax == QSSL_PATTERN_SYNTAX_WILDCARD)
    {
      g_auto(GStrv) components = NULL;
      const char *relative = path;
      const char *root = ".";

      if (g_path_is_absolute (path))
        {
          root = "/";
          relative = g_path_skip_root (path);
        }
      components = g_strsplit (relative, G_DIR_SEPARATOR_S, -1);
      if (components[0] != NULL)
        walk_wildcard (list, root, components, format);
    }
  else
    {
      g_autoptr(GRegex) regex = NULL;
      g_autofree char *anchored = g_strdup_printf ("^(?:%s)$", path);
      g_autofree char *root = NULL;
      const char *special = path;

      /* GLib hands the pattern to PCRE2 as UTF-8 without checking it, and
       * PCRE2 reads out of bounds on invalid UTF-8: refuse it here. */
      if (!g_utf8_validate (path, -1, NULL))
        {
          g_set_error_literal (error, G_REGEX_ERROR, G_REGEX_ERROR_COMPILE,
                               _("The pattern is not valid UTF-8"));
          g_ptr_array_unref (list);
          return NULL;
        }
      regex = g_regex_new (anchored, 0, 0, error);
      if (regex == NULL)
        {
          g_ptr_array_unref (list);
          return NULL;
        }
      /* Walk from the longest directory prefix free of regex syntax. */
      while (*special != '\0' && strchr ("\\^$.|?*+()[]{}", *special) == NULL)
        special++;
      root = g_strndup (path, special - path);
      if (strrchr (root, '/') != NULL)
        *(strrchr (root, '/') + 1) = '\0';
      else
        g_clear_pointer (&root, g_free);
      if (*special == '\0')
        add_file (list, path, format);
      else if (root != NULL)
        {
          if (strlen (root) > 1)
            root[strlen (root) - 1] = '\0';
          walk_regex (list, root, regex, format, 0);
        }
      else
        {
          /* A relative pattern: match "./name"-free paths below ".". */
          walk_regex (list, NULL, regex, format, 0);
        }
    }
  return list;
}

/* Accessors */

/**
 * qssl_certificate_get_version:
 * @self: a #QsslCertificate
 *
 * The X.509 version as text: "1", "2" or "3".
 *
 * Mirrors `QSslCertificate::version()`.
 *
 * Returns: (transfer full): the version
 *
 * Since: 1.0
 */
char *
qssl_certificate_get_version (QsslCertificate *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return g_strdup_printf ("%ld", X509_get_version (self->x509) + 1);
}

/**
 * qssl_certificate_get_serial_number:
 * @self: a #QsslCertificate
 *
 * The serial number as lowercase hex bytes separated by colons
 * ("01:2a:..."), as Qt prints it.
 *
 * Mirrors `QSslCertificate::serialNumber()`.
 *
 * Returns: (transfer full): the serial number
 *
 * Since: 1.0
 */
char *
qssl_certificate_get_serial_number (QsslCertificate *self)
{
  const ASN1_INTEGER *serial;
  BIGNUM *bn;
  char *text;
  int length;
  unsigned char *bytes;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  serial = X509_get0_serialNumber (self->x509);
  bn = ASN1_INTEGER_to_BN (serial, NULL);
  length = BN_num_bytes (bn);
  if (length == 0)
    length = 1;
  bytes = g_malloc0 (length);
  BN_bn2binpad (bn, bytes, length);
  BN_free (bn);

  /* "0a:1b:...": by hand, since a printf per byte was most of the cost
   * of the blacklist check of every client handshake. */
  text = g_malloc (3 * (gsize) length);
  for (int i = 0; i < length; i++)
    {
      static const char hex[] = "0123456789abcdef";

      text[3 * i] = hex[bytes[i] >> 4];
      text[3 * i + 1] = hex[bytes[i] & 0xf];
      text[3 * i + 2] = i + 1 < length ? ':' : '\0';
    }
  g_free (bytes);
  return text;
}

/**
 * qssl_certificate_digest:
 * @self: a #QsslCertificate
 * @algorithm: %G_CHECKSUM_MD5, %G_CHECKSUM_SHA1, %G_CHECKSUM_SHA256,
 *   %G_CHECKSUM_SHA384 or %G_CHECKSUM_SHA512
 *
 * The digest of the certificate's DER encoding (its fingerprint), as raw
 * bytes.
 *
 * Mirrors `QSslCertificate::digest()`.
 *
 * Returns: (transfer full): the digest
 *
 * Since: 1.0
 */
GBytes *
qssl_certificate_digest (QsslCertificate *self,
                         GChecksumType    algorithm)
{
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  guint8 buffer[64];
  gsize length = sizeof buffer;
  const guint8 *data;
  gsize size;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  der = qssl_certificate_to_der (self);
  data = g_bytes_get_data (der, &size);
  checksum = g_checksum_new (algorithm);
  g_return_val_if_fail (checksum != NULL, NULL);
  g_checksum_update (checksum, data, size);
  g_checksum_get_digest (checksum, buffer, &length);
  return g_bytes_new (buffer, length);
}

static int
nid_of_subject_info (QsslSubjectInfo info)
{
  switch (info)
    {
    case QSSL_SUBJECT_INFO_ORGANIZATION:
      return NID_organizationName;
    case QSSL_SUBJECT_INFO_COMMON_NAME:
      return NID_commonName;
    case QSSL_SUBJECT_INFO_LOCALITY_NAME:
      return NID_localityName;
    case QSSL_SUBJECT_INFO_ORGANIZATIONAL_UNIT_NAME:
      return NID_organizationalUnitName;
    case QSSL_SUBJECT_INFO_COUNTRY_NAME:
      return NID_countryName;
    case QSSL_SUBJECT_INFO_STATE_OR_PROVINCE_NAME:
      return NID_stateOrProvinceName;
    case QSSL_SUBJECT_INFO_DISTINGUISHED_NAME_QUALIFIER:
      return NID_dnQualifier;
    case QSSL_SUBJECT_INFO_SERIAL_NUMBER:
      return NID_serialNumber;
    case QSSL_SUBJECT_INFO_EMAIL_ADDRESS:
      return NID_pkcs9_emailAddress;
    default:
      return NID_undef;
    }
}

/* A name from a certificate as a C string. No legitimate name holds a NUL,
 * but a forged one can ("localhost\0.evil.test"): cutting it there would
 * report another name, so each NUL is written as the two characters "\0". */
static char *
name_to_string (const unsigned char *data,
                int                  length)
{
  GString *text = g_string_sized_new (length);

  for (int i = 0; i < length; i++)
    {
      if (data[i] == '\0')
        g_string_append (text, "\\0");
      else
        g_string_append_c (text, data[i]);
    }
  return g_string_free (text, FALSE);
}

static char **
name_values (const X509_NAME *name,
             const ASN1_OBJECT *object)
{
  GPtrArray *values = g_ptr_array_new ();
  int index = -1;

  if (object != NULL)
    while ((index = X509_NAME_get_index_by_OBJ (name, object, index)) >= 0)
      {
        X509_NAME_ENTRY *entry = X509_NAME_get_entry (name, index);
        unsigned char *utf8 = NULL;
        int length = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (entry));

        if (length >= 0)
          {
            g_ptr_array_add (values, name_to_string (utf8, length));
            OPENSSL_free (utf8);
          }
      }
  g_ptr_array_add (values, NULL);
  return (char **) g_ptr_array_free (values, FALSE);
}

static char **
info_by_nid (const X509_NAME *name,
             int              nid)
{
  ASN1_OBJECT *object = nid == NID_undef ? NULL : OBJ_nid2obj (nid);

  return name_values (name, object);
}

static char **
info_by_attribute (const X509_NAME *name,
                   const char      *attribute)
{
  ASN1_OBJECT *object = OBJ_txt2obj (attribute, 0);
  char **values = name_values (name, object);

  ASN1_OBJECT_free (object);
  return values;
}

static char **
attribute_names (const X509_NAME *name)
{
  GPtrArray *names = g_ptr_array_new ();

  for (int i = 0; i < X509_NAME_entry_count (name); i++)
    {
      ASN1_OBJECT *object = X509_NAME_ENTRY_get_object (X509_NAME_get_entry (name, i));
      int nid = OBJ_obj2nid (object);
      char buffer[128];
      const char *text;
      gboolean seen = FALSE;

      if (nid != NID_undef)
        text = OBJ_nid2sn (nid);
      else
        {
          OBJ_obj2txt (buffer, sizeof buffer, object, 1);
          text = buffer;
        }
      for (guint j = 0; j < names->len; j++)
        if (g_str_equal (g_ptr_array_index (names, j), text))
          seen = TRUE;
      if (!seen)
        g_ptr_array_add (names, g_strdup (text));
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/**
 * qssl_certificate_get_subject_info:
 * @self: a #QsslCertificate
 * @info: which attribute of the subject
 *
 * Every value of one attribute of the subject's distinguished name (there may
 * be several, e.g. two organizational units), in UTF-8.
 *
 * A NUL byte inside a value, which only a forged name contains, is reported
 * as the two characters `\0` (a backslash and a zero), so that
 * "localhost\0.evil.test" never reads as "localhost". The same holds for
 * every function that returns names of a certificate.
 *
 * Mirrors `QSslCertificate::subjectInfo(SubjectInfo)`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the values, possibly none
 *
 * Since: 1.0
 */
char **
qssl_certificate_get_subject_info (QsslCertificate *self,
                                   QsslSubjectInfo  info)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return info_by_nid (X509_get_subject_name (self->x509), nid_of_subject_info (info));
}

/**
 * qssl_certificate_get_issuer_info:
 * @self: a #QsslCertificate
 * @info: which attribute of the issuer
 *
 * Every value of one attribute of the issuer's distinguished name.
 *
 * Mirrors `QSslCertificate::issuerInfo(SubjectInfo)`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the values, possibly none
 *
 * Since: 1.0
 */
char **
qssl_certificate_get_issuer_info (QsslCertificate *self,
                                  QsslSubjectInfo  info)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return info_by_nid (X509_get_issuer_name (self->x509), nid_of_subject_info (info));
}

/**
 * qssl_certificate_get_subject_info_attribute:
 * @self: a #QsslCertificate
 * @attribute: a short name ("CN", "O", "emailAddress") or a dotted OID
 *
 * Every value of the named attribute of the subject.
 *
 * Mirrors `QSslCertificate::subjectInfo(const QByteArray &)`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the values, possibly none
 *
 * Since: 1.0
 */
char **
qssl_certificate_get_subject_info_attribute (QsslCertificate *self,
                                             const char      *attribute)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);
  g_return_val_if_fail (attribute != NULL, NULL);

  return info_by_attribute (X509_get_subject_name (self->x509), attribute);
}

/**
 * qssl_certificate_get_issuer_info_attribute:
 * @self: a #QsslCertificate
 * @attribute: a short name or a dotted OID
 *
 * Every value of the named attribute of the issuer.
 *
 * Mirrors `QSslCertificate::issuerInfo(const QByteArray &)`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the values, possibly none
 *
 * Since: 1.0
 */
char **
qssl_certificate_get_issuer_info_attribute (QsslCertificate *self,
                                            const char      *attribute)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);
  g_return_val_if_fail (attribute != NULL, NULL);

  return info_by_attribute (X509_get_issuer_name (self->x509), attribute);
}

/**
 * qssl_certificate_get_subject_info_attributes:
 * @self: a #QsslCertificate
 *
 * The attributes present in the subject, as short names (dotted OIDs for
 * attributes OpenSSL has no name for), in order, each once.
 *
 * Mirrors `QSslCertificate::subjectInfoAttributes()`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the attribute names
 *
 * Since: 1.0
 */
char **
qssl_certificate_get_subject_info_attributes (QsslCertificate *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return attribute_names (X509_get_subject_name (self->x509));
}

/**
 * qssl_certificate_get_issuer_info_attributes:
 * @self: a #QsslCertificate
 *
 * The attributes present in the issuer name.
 *
 * Mirrors `QSslCertificate::issuerInfoAttributes()`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the attribute names
 *
 * Since: 1.0
 */
char **
qssl_certificate_get_issuer_info_attributes (QsslCertificate *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return attribute_names (X509_get_issuer_name (self->x509));
}

static char *
display_name (const X509_NAME *name)
{
  const int nids[] = { NID_commonName, NID_organizationName, NID_organizationalUnitName };

  for (gsize i = 0; i < G_N_ELEMENTS (nids); i++)
    {
      g_auto(GStrv) values = info_by_nid (name, nids[i]);

      if (values[0] != NULL && values[0][0] != '\0')
        return g_strdup (values[0]);
    }
  return g_strdup ("");
}

/**
 * qssl_certificate_get_subject_display_name:
 * @self: a #QsslCertificate
 *
 * A name for the subject fit to show a person: the common name, else the
 * organization, else the organizational unit, else "".
 *
 * Mirrors `QSslCertificate::subjectDisplayName()`.
 *
 * Returns: (transfer full): the display name
 *
 * Since: 1.0
 */
char *
qssl_certificate_get_subject_display_name (QsslCertificate *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return display_name (X509_get_subject_name (self->x509));
}

/**
 * qssl_certificate_get_issuer_display_name:
 * @self: a #QsslCertificate
 *
 * A name for the issuer fit to show a person, chosen like
 * [method@Qssl.Certificate.get_subject_display_name].
 *
 * Mirrors `QSslCertificate::issuerDisplayName()`.
 *
 * Returns: (transfer full): the display name
 *
 * Since: 1.0
 */
char *
qssl_certificate_get_issuer_display_name (QsslCertificate *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return display_name (X509_get_issuer_name (self->x509));
}

static char *
ip_to_text (const ASN1_OCTET_STRING *ip)
{
  g_autoptr(GInetAddress) address = NULL;
  int length = ASN1_STRING_length (ip);

  if (length == 4)
    address = g_inet_address_new_from_bytes (ASN1_STRING_get0_data (ip), G_SOCKET_FAMILY_IPV4);
  else if (length == 16)
    address = g_inet_address_new_from_bytes (ASN1_STRING_get0_data (ip), G_SOCKET_FAMILY_IPV6);
  return address ? g_inet_address_to_string (address) : NULL;
}

/**
 * qssl_certificate_get_subject_alternative_names:
 * @self: a #QsslCertificate
 * @type: which kind of name
 *
 * The subject alternative names of one kind: DNS names, e-mail addresses, or
 * IP addresses (IPv6 in canonical text such as "::1").
 *
 * A NUL byte inside a name, which only a forged name contains, is reported as
 * the two characters `\0` (a backslash and a zero) rather than ending the
 * string there: "localhost\0.evil.test" never reads as "localhost".
 *
 * Mirrors `QSslCertificate::subjectAlternativeNames()`, one key at a time.
 *
 * Returns: (transfer full) (array zero-terminated=1): the names, possibly none
 *
 * Since: 1.0
 */
char **
qssl_certificate_get_subject_alternative_names (QsslCertificate              *self,
                                                QsslAlternativeNameEntryType  type)
{
  GENERAL_NAMES *names;
  GPtrArray *result;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  result = g_ptr_array_new ();
  names = X509_get_ext_d2i (self->x509, NID_subject_alt_name, NULL, NULL);
  for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num (names); i++)
    {
      const GENERAL_NAME *name = sk_GENERAL_NAME_value (names, i);

      if (name->type == GEN_DNS && type == QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_DNS_ENTRY)
        g_ptr_array_add (result, name_to_string (ASN1_STRING_get0_data (name->d.dNSName),
                                                 ASN1_STRING_length (name->d.dNSName)));
      else if (name->type == GEN_EMAIL && type == QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_EMAIL_ENTRY)
        g_ptr_array_add (result, name_to_string (ASN1_STRING_get0_data (name->d.rfc822Name),
                                                 ASN1_STRING_length (name->d.rfc822Name)));
      else if (name->type == GEN_IPADD && type == QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_IP_ADDRESS_ENTRY)
        {
          char *text = ip_to_text (name->d.iPAddress);

          if (text != NULL)
            g_ptr_array_add (result, text);
        }
    }
  GENERAL_NAMES_free (names);
  g_ptr_array_add (result, NULL);
  return (char **) g_ptr_array_free (result, FALSE);
}

static GDateTime *
date_time_from_asn1 (const ASN1_TIME *time)
{
  struct tm tm;

  if (time == NULL || !ASN1_TIME_to_tm (time, &tm))
    return NULL;
  return g_date_time_new_utc (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                              tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/**
 * qssl_certificate_get_effective_date:
 * @self: a #QsslCertificate
 *
 * The start of the validity period (notBefore), in UTC.
 *
 * Mirrors `QSslCertificate::effectiveDate()`.
 *
 * Returns: (transfer full) (nullable): the date, or %NULL if it cannot be read
 *
 * Since: 1.0
 */
GDateTime *
qssl_certificate_get_effective_date (QsslCertificate *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return date_time_from_asn1 (X509_get0_notBefore (self->x509));
}

/**
 * qssl_certificate_get_expiry_date:
 * @self: a #QsslCertificate
 *
 * The end of the validity period (notAfter), in UTC.
 *
 * Mirrors `QSslCertificate::expiryDate()`.
 *
 * Returns: (transfer full) (nullable): the date, or %NULL if it cannot be read
 *
 * Since: 1.0
 */
GDateTime *
qssl_certificate_get_expiry_date (QsslCertificate *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  return date_time_from_asn1 (X509_get0_notAfter (self->x509));
}

/**
 * qssl_certificate_is_self_signed:
 * @self: a #QsslCertificate
 *
 * Whether the certificate is its own issuer and its signature verifies with
 * its own key.
 *
 * Mirrors `QSslCertificate::isSelfSigned()`.
 *
 * Returns: %TRUE for a self-signed certificate
 *
 * Since: 1.0
 */
gboolean
qssl_certificate_is_self_signed (QsslCertificate *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), FALSE);

  return X509_self_signed (self->x509, 1) == 1;
}

/* The certificates Qt refuses whatever the trust store says: those issued
 * in the 2011 Comodo and DigiNotar compromises (serial, common name). */
static const struct { const char *serial; const char *common_name; } blacklist[] = {
  { "04:7e:cb:e9:fc:a5:5f:7b:d0:9e:ae:36:e1:0c:ae:1e", "mail.google.com" },
  { "f5:c8:6a:f3:61:62:f1:3a:64:f5:4f:6d:c9:58:7c:06", "www.google.com" },
  { "d7:55:8f:da:f5:f1:10:5b:b2:13:28:2b:70:77:29:a3", "login.yahoo.com" },
  { "39:2a:43:4f:0e:07:df:1f:8a:a3:05:de:34:e0:c2:29", "login.yahoo.com" },
  { "3e:75:ce:d4:6b:69:30:21:21:88:30:ae:86:a8:2a:71", "login.yahoo.com" },
  { "e9:02:8b:95:78:e4:15:dc:1a:71:0a:2b:88:15:44:47", "login.skype.com" },
  { "92:39:d5:34:8f:40:d1:69:5a:74:54:70:e1:f2:3f:43", "addons.mozilla.org" },
  { "b0:b7:13:3e:d0:96:f9:b5:6f:ae:91:c8:74:bd:3a:c0", "login.live.com" },
  { "d8:f3:5f:4e:b7:87:2b:2d:ab:06:92:e3:15:38:2f:b0", "global trustee" },
  { "05:e2:e6:a4:cd:09:ea:54:d6:65:b0:75:fe:22:a2:56", "*.google.com" },
  { "0c:76:da:9c:91:0c:4e:2c:9e:fe:15:d0:58:93:3c:4c", "DigiNotar Root CA" },
  { "f1:4a:13:f4:87:2b:56:dc:39:df:84:ca:7a:a1:06:49", "DigiNotar Services CA" },
  { "36:16:71:55:43:42:1b:9d:e6:cb:a3:64:41:df:24:38", "DigiNotar Services 1024 CA" },
  { "0a:82:bd:1e:14:4e:88:14:d7:5b:1a:55:27:be:bf:3e", "DigiNotar Root CA G2" },
  { "a4:b6:ce:e3:2e:d3:35:46:26:3c:b3:55:3a:a8:92:21", "CertiID Enterprise Certificate Authority" },
  { "5b:d5:60:9c:64:17:68:cf:21:0e:35:fd:fb:05:ad:41", "DigiNotar Qualified CA" },
  { "46:9c:2c:b0", "DigiNotar Services 1024 CA" },
  { "07:27:10:0d", "DigiNotar Cyber CA" },
  { "07:27:0f:f9", "DigiNotar Cyber CA" },
  { "07:27:10:03", "DigiNotar Cyber CA" },
  { "01:31:69:b0", "DigiNotar PKIoverheid CA Overheid en Bedrijven" },
  { "01:31:34:bf", "DigiNotar PKIoverheid CA Organisatie - G2" },
  { "d6:d0:29:77:f1:49:fd:1a:83:f2:b9:ea:94:8c:5c:b4", "DigiNotar Extended Validation CA" },
  { "1e:7d:7a:53:3d:45:30:41:96:40:0f:71:48:1f:45:04", "DigiNotar Public CA 2025" },
  { "1e:7d:7a:53:3d:45:30:41:96:40:0f:71:48:1f:45:04", "DigiNotar Public CA - G2" },
  { "ec:1f:d8:0a:de:2d:c0:e6:e4:6c:3d:51:43:14:6e:1a", "DigiNotar PKIoverheid CA Overheid" },
  { "3c:ef:c0:3c:e0:13:99:53:d1:8b:7c:34:d7:d3:84:5a", "Digisign Server ID (Enrich)" },
  { "00:dc:b8:58:f2:3f:e0:b1:01:b7:3a:03:49:c8:c1:27:b0", "Digisign Server ID - (Enrich)" },
  { "00:ae:9e:8a:e0:f0:20:78:b7:46:79:3d:d3:5e:7e:1f:f6", "Cybertrust Japan Public CA" },
  { "00:9a:7c:61:ee:99:7f:47:6d:a8:2e:35:0b:c5:f0:36:37", "DigiCert Sdn. Bhd." },
  { "74:a8:3c:bc:ea:6f:8c:54:51:b2:c3:3d:71:21:71:5d", "Trustwave Organization Issuing CA, Level 2" },
};

/**
 * qssl_certificate_is_blacklisted:
 * @self: a #QsslCertificate
 *
 * Whether the certificate is one of those issued fraudulently in the 2011
 * CA compromises, which are rejected whatever the trust store says.
 *
 * Mirrors `QSslCertificate::isBlacklisted()`.
 *
 * Returns: %TRUE for a blacklisted certificate
 *
 * Since: 1.0
 */
gboolean
qssl_certificate_is_blacklisted (QsslCertificate *self)
{
  g_autofree char *serial = NULL;
  g_auto(GStrv) common_names = NULL;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), FALSE);

  /* Every client handshake asks: the subject is only read for a serial
   * on the list. */
  serial = qssl_certificate_get_serial_number (self);
  for (gsize i = 0; i < G_N_ELEMENTS (blacklist); i++)
    {
      if (!g_str_equal (serial, blacklist[i].serial))
        continue;
      if (common_names == NULL)
        common_names = qssl_certificate_get_subject_info (self, QSSL_SUBJECT_INFO_COMMON_NAME);
      if (common_names[0] != NULL && g_str_equal (common_names[0], blacklist[i].common_name))
        return TRUE;
    }
  return FALSE;
}

/**
 * qssl_certificate_get_public_key:
 * @self: a #QsslCertificate
 *
 * The certificate's public key.
 *
 * Mirrors `QSslCertificate::publicKey()`.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL if OpenSSL cannot read it
 *
 * Since: 1.0
 */
QsslKey *
qssl_certificate_get_public_key (QsslCertificate *self)
{
  EVP_PKEY *pkey;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  pkey = X509_get_pubkey (self->x509);
  return pkey ? _qssl_key_new_take (pkey, QSSL_KEY_TYPE_PUBLIC_KEY) : NULL;
}

/* Extensions */

static void
qssl_certificate_extension_finalize (GObject *object)
{
  QsslCertificateExtension *self = QSSL_CERTIFICATE_EXTENSION (object);

  g_free (self->oid);
  g_free (self->name);
  g_clear_pointer (&self->value, g_variant_unref);

  G_OBJECT_CLASS (qssl_certificate_extension_parent_class)->finalize (object);
}

static void
qssl_certificate_extension_class_init (QsslCertificateExtensionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qssl_certificate_extension_finalize;
}

static void
qssl_certificate_extension_init (QsslCertificateExtension *self)
{
}

static char *
hex_string (const ASN1_OCTET_STRING *octets)
{
  GString *text = g_string_new (NULL);
  const unsigned char *data = ASN1_STRING_get0_data (octets);

  for (int i = 0; i < ASN1_STRING_length (octets); i++)
    g_string_append_printf (text, i == 0 ? "%02X" : ":%02X", data[i]);
  return g_string_free (text, FALSE);
}

static char *
extension_text (X509_EXTENSION *extension)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *text = NULL;
  char *data;
  long length;

  if (X509V3_EXT_print (bio, extension, 0, 0) == 1)
    {
      length = BIO_get_mem_data (bio, &data);
      /* OpenSSL prints string values byte for byte: a GVariant string must
       * be UTF-8, so replace what is not (as Qt's QString::fromUtf8 does). */
      text = g_utf8_make_valid (data, length);
    }
  BIO_free (bio);
  _qssl_clear_openssl_errors ();
  return text;
}

/* Decodes the value like Qt's backend: maps for the structured extensions
 * it understands, OpenSSL's text for the other known ones, raw DER (and
 * is_supported FALSE) for the rest. */
static GVariant *
extension_value (X509_EXTENSION *extension,
                 gboolean       *supported)
{
  int nid = OBJ_obj2nid (X509_EXTENSION_get_object (extension));
  GVariantDict dict;
  char *text;

  *supported = TRUE;
  switch (nid)
    {
    case NID_basic_constraints:
      {
        BASIC_CONSTRAINTS *bc = X509V3_EXT_d2i (extension);

        if (bc == NULL)
          break;
        g_variant_dict_init (&dict, NULL);
        g_variant_dict_insert (&dict, "ca", "b", bc->ca != 0);
        if (bc->pathlen != NULL)
          g_variant_dict_insert (&dict, "pathLenConstraint", "i", (int) ASN1_INTEGER_get (bc->pathlen));
        BASIC_CONSTRAINTS_free (bc);
        return g_variant_dict_end (&dict);
      }
    case NID_info_access:
      {
        AUTHORITY_INFO_ACCESS *aia = X509V3_EXT_d2i (extension);

        if (aia == NULL)
          break;
        g_variant_dict_init (&dict, NULL);
        for (int i = 0; i < sk_ACCESS_DESCRIPTION_num (aia); i++)
          {
            ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value (aia, i);
            const char *key;

            if (ad->location->type != GEN_URI)
              continue;
            key = OBJ_obj2nid (ad->method) == NID_ad_OCSP ? "OCSP"
                : OBJ_obj2nid (ad->method) == NID_ad_ca_issuers ? "caIssuers"
                : NULL;
            if (key != NULL)
              {
                /* An IA5String in theory; any bytes in practice. */
                g_autofree char *uri =
                  g_utf8_make_valid ((const char *) ASN1_STRING_get0_data (ad->location->d.uniformResourceIdentifier),
                                     ASN1_STRING_length (ad->location->d.uniformResourceIdentifier));
                g_variant_dict_insert (&dict, key, "s", uri);
              }
          }
        AUTHORITY_INFO_ACCESS_free (aia);
        return g_variant_dict_end (&dict);
      }
    case NID_subject_key_identifier:
      {
        ASN1_OCTET_STRING *skid = X509V3_EXT_d2i (extension);
        g_autofree char *hex = NULL;

        if (skid == NULL)
          break;
        hex = hex_string (skid);
        ASN1_OCTET_STRING_free (skid);
        return g_variant_new_string (hex);
      }
    case NID_authority_key_identifier:
      {
        AUTHORITY_KEYID *akid = X509V3_EXT_d2i (extension);

        if (akid == NULL)
          break;
        g_variant_dict_init (&dict, NULL);
        if (akid->keyid != NULL)
          {
            g_autofree char *hex = hex_string (akid->keyid);
            g_variant_dict_insert (&dict, "keyid", "s", hex);
          }
        if (akid->serial != NULL)
          {
            g_autofree char *hex = hex_string (akid->serial);
            g_variant_dict_insert (&dict, "serial", "s", hex);
          }
        AUTHORITY_KEYID_free (akid);
        return g_variant_dict_end (&dict);
      }
    default:
      break;
    }

  /* Known to OpenSSL: its printed form. */
  if (X509V3_EXT_get (extension) != NULL && (text = extension_text (extension)) != NULL)
    return g_variant_new_take_string (text);

  *supported = FALSE;
  {
    ASN1_OCTET_STRING *data = X509_EXTENSION_get_data (extension);

    return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, ASN1_STRING_get0_data (data),
                                      ASN1_STRING_length (data), 1);
  }
}

/**
 * qssl_certificate_get_extensions:
 * @self: a #QsslCertificate
 *
 * The certificate's X.509v3 extensions, in order. basicConstraints,
 * authorityInfoAccess and authorityKeyIdentifier are decoded into `a{sv}`
 * dictionaries (keys "ca", "pathLenConstraint"; "OCSP", "caIssuers"; "keyid",
 * "serial"), subjectKeyIdentifier into a hex string, other extensions OpenSSL
 * knows into its text form, and unknown ones into their raw DER bytes (`ay`)
 * with [method@Qssl.CertificateExtension.is_supported] %FALSE.
 *
 * Mirrors `QSslCertificate::extensions()`.
 *
 * Returns: (transfer container) (element-type QsslCertificateExtension): the extensions
 *
 * Since: 1.0
 */
GPtrArray *
qssl_certificate_get_extensions (QsslCertificate *self)
{
  GPtrArray *extensions;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  extensions = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; i < X509_get_ext_count (self->x509); i++)
    {
      X509_EXTENSION *extension = X509_get_ext (self->x509, i);
      ASN1_OBJECT *object = X509_EXTENSION_get_object (extension);
      QsslCertificateExtension *item = g_object_new (QSSL_TYPE_CERTIFICATE_EXTENSION, NULL);
      char oid[128];
      int nid = OBJ_obj2nid (object);

      OBJ_obj2txt (oid, sizeof oid, object, 1);
      item->oid = g_strdup (oid);
      item->name = g_strdup (nid != NID_undef ? OBJ_nid2sn (nid) : oid);
      item->critical = X509_EXTENSION_get_critical (extension) != 0;
      item->value = g_variant_ref_sink (extension_value (extension, &item->supported));
      g_ptr_array_add (extensions, item);
    }
  return extensions;
}

/**
 * qssl_certificate_extension_get_oid:
 * @self: a #QsslCertificateExtension
 *
 * The extension's object identifier in dotted form ("2.5.29.19").
 *
 * Mirrors `QSslCertificateExtension::oid()`.
 *
 * Returns: the OID
 *
 * Since: 1.0
 */
const char *
qssl_certificate_extension_get_oid (QsslCertificateExtension *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE_EXTENSION (self), NULL);

  return self->oid;
}

/**
 * qssl_certificate_extension_get_name:
 * @self: a #QsslCertificateExtension
 *
 * The extension's short name ("basicConstraints"), or its OID when OpenSSL
 * has no name for it.
 *
 * Mirrors `QSslCertificateExtension::name()`.
 *
 * Returns: the name
 *
 * Since: 1.0
 */
const char *
qssl_certificate_extension_get_name (QsslCertificateExtension *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE_EXTENSION (self), NULL);

  return self->name;
}

/**
 * qssl_certificate_extension_get_value:
 * @self: a #QsslCertificateExtension
 *
 * The decoded value; see [method@Qssl.Certificate.get_extensions] for the
 * shapes.
 *
 * Mirrors `QSslCertificateExtension::value()`.
 *
 * Returns: (transfer full): the value
 *
 * Since: 1.0
 */
GVariant *
qssl_certificate_extension_get_value (QsslCertificateExtension *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE_EXTENSION (self), NULL);

  return g_variant_ref (self->value);
}

/**
 * qssl_certificate_extension_is_critical:
 * @self: a #QsslCertificateExtension
 *
 * Whether the extension is marked critical.
 *
 * Mirrors `QSslCertificateExtension::isCritical()`.
 *
 * Returns: %TRUE if critical
 *
 * Since: 1.0
 */
gboolean
qssl_certificate_extension_is_critical (QsslCertificateExtension *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE_EXTENSION (self), FALSE);

  return self->critical;
}

/**
 * qssl_certificate_extension_is_supported:
 * @self: a #QsslCertificateExtension
 *
 * Whether the value could be decoded (%FALSE: the value is the raw DER).
 *
 * Mirrors `QSslCertificateExtension::isSupported()`.
 *
 * Returns: %TRUE if decoded
 *
 * Since: 1.0
 */
gboolean
qssl_certificate_extension_is_supported (QsslCertificateExtension *self)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE_EXTENSION (self), FALSE);

  return self->supported;
}

/* Encodings */

/**
 * qssl_certificate_to_pem:
 * @self: a #QsslCertificate
 *
 * The certificate in PEM.
 *
 * Mirrors `QSslCertificate::toPem()`.
 *
 * Returns: (transfer full): the PEM text
 *
 * Since: 1.0
 */
GBytes *
qssl_certificate_to_pem (QsslCertificate *self)
{
  BIO *bio;
  char *data;
  long length;
  GBytes *bytes;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  bio = BIO_new (BIO_s_mem ());
  PEM_write_bio_X509 (bio, self->x509);
  length = BIO_get_mem_data (bio, &data);
  bytes = g_bytes_new (data, length);
  BIO_free (bio);
  return bytes;
}

/**
 * qssl_certificate_to_der:
 * @self: a #QsslCertificate
 *
 * The certificate in DER.
 *
 * Mirrors `QSslCertificate::toDer()`.
 *
 * Returns: (transfer full): the DER bytes
 *
 * Since: 1.0
 */
GBytes *
qssl_certificate_to_der (QsslCertificate *self)
{
  unsigned char *der = NULL;
  int length;
  GBytes *bytes;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  length = i2d_X509 (self->x509, &der);
  if (length <= 0)
    return g_bytes_new (NULL, 0);
  bytes = g_bytes_new (der, length);
  OPENSSL_free (der);
  return bytes;
}

/**
 * qssl_certificate_to_text:
 * @self: a #QsslCertificate
 *
 * A human-readable dump of the certificate, as `openssl x509 -text` prints it.
 *
 * Mirrors `QSslCertificate::toText()`.
 *
 * Returns: (transfer full): the text
 *
 * Since: 1.0
 */
char *
qssl_certificate_to_text (QsslCertificate *self)
{
  BIO *bio;
  char *data;
  long length;
  char *text;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);

  bio = BIO_new (BIO_s_mem ());
  /* The layout of `openssl x509 -text`, with names in UTF-8. */
  X509_print_ex (bio, self->x509,
                 (XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT,
                 X509_FLAG_COMPAT);
  length = BIO_get_mem_data (bio, &data);
  text = g_strndup (data, length);
  BIO_free (bio);
  return text;
}

/**
 * qssl_certificate_equal:
 * @self: a #QsslCertificate
 * @other: another #QsslCertificate
 *
 * Whether both are the same certificate (same DER encoding).
 *
 * Mirrors `QSslCertificate::operator==()`.
 *
 * Returns: %TRUE when equal
 *
 * Since: 1.0
 */
gboolean
qssl_certificate_equal (QsslCertificate *self,
                        QsslCertificate *other)
{
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), FALSE);
  g_return_val_if_fail (QSSL_IS_CERTIFICATE (other), FALSE);

  return self == other || X509_cmp (self->x509, other->x509) == 0;
}

/**
 * qssl_certificate_hash:
 * @self: a #QsslCertificate
 *
 * A hash of the certificate: equal certificates hash equally, so a
 * certificate can key a #GHashTable with [method@Qssl.Certificate.equal].
 *
 * Mirrors `qHash(QSslCertificate)`.
 *
 * Returns: the hash value
 *
 * Since: 1.0
 */
guint
qssl_certificate_hash (QsslCertificate *self)
{
  g_autoptr(GBytes) der = NULL;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), 0);

  der = qssl_certificate_to_der (self);
  return g_bytes_hash (der);
}

/* Host names (RFC 6125, Qt's rules) */

/* Whether the certificate has any DNS or IP subject alternative name: with
 * one, the CN is not a name of the host. */
static gboolean
has_host_san (X509 *x509)
{
  GENERAL_NAMES *names = X509_get_ext_d2i (x509, NID_subject_alt_name, NULL, NULL);
  gboolean found = FALSE;

  for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num (names) && !found; i++)
    {
      int type = sk_GENERAL_NAME_value (names, i)->type;

      found = type == GEN_DNS || type == GEN_IPADD;
    }
  GENERAL_NAMES_free (names);
  return found;
}

/* OpenSSL compares the names with their full ASN.1 lengths, so a name with
 * an embedded NUL ("localhost\0.evil.test") never matches the part before
 * the NUL. */
gboolean
_qssl_certificate_matches_host (QsslCertificate *self,
                                const char      *host_name)
{
  g_autofree char *host = NULL;
  unsigned int flags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
  gsize length;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), FALSE);

  if (host_name == NULL)
    return FALSE;
  host = g_strdup (host_name);
  length = strlen (host);
  if (length > 0 && host[length - 1] == '.')
    host[--length] = '\0';
  /* "[::1]" as written in URLs */
  if (length >= 2 && host[0] == '[' && host[length - 1] == ']')
    {
      host[--length] = '\0';
      memmove (host, host + 1, length--);
    }
  /* A leading dot would make OpenSSL match every subdomain. */
  if (length == 0 || host[0] == '.')
    return FALSE;

  /* An IP address matches IP SANs only, never the CN, nor a wildcard. */
  if (g_hostname_is_ip_address (host))
    return X509_check_ip_asc (self->x509, host, 0) == 1;

  /* No wildcard for an A-label (RFC 6125 section 6.4.3). */
  if (g_ascii_strncasecmp (host, "xn--", 4) == 0)
    flags |= X509_CHECK_FLAG_NO_WILDCARDS;
  /* The SANs first: where one matches, as nearly always, the extension is
   * decoded once. The CN only when there is no DNS or IP SAN at all. */
  if (X509_check_host (self->x509, host, length, flags | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1)
    return TRUE;
  return !has_host_san (self->x509) && X509_check_host (self->x509, host, length, flags, NULL) == 1;
}

/* Verification */

typedef struct
{
  GPtrArray *errors;
} VerifyState;

/* ex_data slot of X509_STORE_CTX for VerifyState, plus one (0 = not yet
 * allocated, as g_once_init_enter wants). */
static gsize verify_state_slot = 0;

static gboolean
error_list_contains (GPtrArray *errors,
                     QsslError *error)
{
  for (guint i = 0; i < errors->len; i++)
    if (qssl_error_equal (g_ptr_array_index (errors, i), error))
      return TRUE;
  return FALSE;
}

/* Records every problem and lets verification go on, so the caller sees all
 * of them at once, as Qt does. */
static int
collect_verify_error (int             ok,
                      X509_STORE_CTX *ctx)
{
  VerifyState *state;
  g_autoptr(QsslCertificate) certificate = NULL;
  QsslError *error;
  X509 *current;

  if (ok)
    return 1;
  state = X509_STORE_CTX_get_ex_data (ctx, (int) verify_state_slot - 1);
  current = X509_STORE_CTX_get_current_cert (ctx);
  if (current != NULL)
    certificate = _qssl_certificate_new_ref (current);
  error = qssl_error_new (_qssl_error_code_from_x509_verify_error (X509_STORE_CTX_get_error (ctx)),
                          certificate);
  if (error_list_contains (state->errors, error))
    qssl_error_free (error);
  else
    g_ptr_array_add (state->errors, error);
  return 1;
}

/* The mechanism of qssl_certificate_verify() (in qssl-configuration.c,
 * which owns the default CA store): @store is borrowed. */
GPtrArray *
_qssl_certificate_verify_with_store (GPtrArray  *chain,
                                     const char *host_name,
                                     X509_STORE *store)
{
  VerifyState state = { _qssl_error_list_new () };
  STACK_OF (X509) *untrusted;
  X509_STORE_CTX *ctx;
  QsslCertificate *leaf;

  g_return_val_if_fail (chain != NULL, state.errors);

  if (chain->len == 0)
    return state.errors;
  leaf = g_ptr_array_index (chain, 0);

  if (g_once_init_enter (&verify_state_slot))
    g_once_init_leave (&verify_state_slot,
                       (gsize) X509_STORE_CTX_get_ex_new_index (0, NULL, NULL, NULL, NULL) + 1);

  untrusted = sk_X509_new_null ();
  for (guint i = 1; i < chain->len; i++)
    sk_X509_push (untrusted, _qssl_certificate_get_x509 (g_ptr_array_index (chain, i)));

  ctx = X509_STORE_CTX_new ();
  X509_STORE_CTX_init (ctx, store, _qssl_certificate_get_x509 (leaf), untrusted);
  X509_STORE_CTX_set_ex_data (ctx, (int) verify_state_slot - 1, &state);
  X509_STORE_CTX_set_verify_cb (ctx, collect_verify_error);
  X509_STORE_CTX_set_purpose (ctx, X509_PURPOSE_SSL_SERVER);
  X509_verify_cert (ctx);
  X509_STORE_CTX_free (ctx);
  sk_X509_free (untrusted);
  _qssl_clear_openssl_errors ();

  if (host_name != NULL && !_qssl_certificate_matches_host (leaf, host_name))
    g_ptr_array_add (state.errors, qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, leaf));

  return state.errors;
}

/**
 * qssl_certificate_import_pkcs12:
 * @data: a PKCS#12 (.p12, .pfx) file's contents
 * @passphrase: (nullable): its passphrase
 * @key: (out) (optional) (transfer full) (nullable): the private key
 * @certificate: (out) (optional) (transfer full) (nullable): the certificate
 * @ca_certificates: (out) (optional) (transfer container) (element-type QsslCertificate):
 *   the other certificates of the bundle
 * @error: return location for a #GError
 *
 * Reads a PKCS#12 bundle. A wrong passphrase fails with
 * %G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD, data that is not PKCS#12 with
 * %G_TLS_ERROR_BAD_CERTIFICATE.
 *
 * Mirrors `QSslCertificate::importPkcs12()`.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
qssl_certificate_import_pkcs12 (GBytes            *data,
                                const char        *passphrase,
                                QsslKey          **key,
                                QsslCertificate  **certificate,
                                GPtrArray        **ca_certificates,
                                GError           **error)
{
  const unsigned char *bytes;
  gsize length;
  PKCS12 *p12;
  EVP_PKEY *pkey = NULL;
  X509 *x509 = NULL;
  STACK_OF (X509) *cas = NULL;
  gboolean parsed;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  _qssl_init ();
  bytes = g_bytes_get_data (data, &length);
  p12 = length > 0 ? d2i_PKCS12 (NULL, &bytes, length) : NULL;
  if (p12 == NULL)
    {
      _qssl_clear_openssl_errors ();
      g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                           _("The data is not a PKCS#12 bundle"));
      return FALSE;
    }

  /* An empty passphrase is encoded two ways in the wild: try both. */
  if (passphrase == NULL || *passphrase == '\0')
    {
      if (PKCS12_verify_mac (p12, NULL, 0))
        passphrase = NULL;
      else
        passphrase = "";
    }
  if (!PKCS12_verify_mac (p12, passphrase, passphrase ? -1 : 0))
    {
      PKCS12_free (p12);
      _qssl_clear_openssl_errors ();
      g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD,
                           _("The passphrase of the PKCS#12 bundle is wrong"));
      return FALSE;
    }
  parsed = PKCS12_parse (p12, passphrase, &pkey, &x509, &cas);
  PKCS12_free (p12);
  if (!parsed)
    {
      _qssl_set_error_from_openssl (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                                    _("Could not read the PKCS#12 bundle"));
      return FALSE;
    }

  if (key != NULL)
    *key = pkey ? _qssl_key_new_take (g_steal_pointer (&pkey), QSSL_KEY_TYPE_PRIVATE_KEY) : NULL;
  if (certificate != NULL)
    *certificate = x509 ? _qssl_certificate_new_take (g_steal_pointer (&x509)) : NULL;
  if (ca_certificates != NULL)
    *ca_certificates = _qssl_certificate_list_from_stack (cas);
  EVP_PKEY_free (pkey);
  X509_free (x509);
  sk_X509_pop_free (cas, X509_free);
  return TRUE;
}

/* GIO interop */

/**
 * qssl_certificate_to_tls_certificate:
 * @self: a #QsslCertificate
 * @private_key: (nullable): the matching private key, to make a certificate
 *   GIO can present as its own
 * @error: return location for a #GError
 *
 * The same certificate as a #GTlsCertificate of GIO's TLS backend.
 *
 * libqssl addition (GIO interoperability).
 *
 * Returns: (transfer full): the GIO certificate, or %NULL with @error set
 *
 * Since: 1.0
 */
GTlsCertificate *
qssl_certificate_to_tls_certificate (QsslCertificate  *self,
                                     QsslKey          *private_key,
                                     GError          **error)
{
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(GBytes) key_pem = NULL;
  g_autoptr(GString) text = NULL;
  GTlsCertificate *certificate;

  g_return_val_if_fail (QSSL_IS_CERTIFICATE (self), NULL);
  g_return_val_if_fail (private_key == NULL || QSSL_IS_KEY (private_key), NULL);

  pem = qssl_certificate_to_pem (self);
  if (private_key != NULL)
    {
      key_pem = qssl_key_to_pem (private_key, NULL, error);
      if (key_pem == NULL)
        return NULL;
    }
  /* Sized once, so that no reallocation leaves a copy of the key behind;
   * wiped below, as it holds the key in clear. */
  text = g_string_sized_new (g_bytes_get_size (pem) + (key_pem ? g_bytes_get_size (key_pem) : 0) + 1);
  g_string_append_len (text, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
  if (key_pem != NULL)
    g_string_append_len (text, g_bytes_get_data (key_pem, NULL), g_bytes_get_size (key_pem));
  certificate = g_tls_certificate_new_from_pem (text->str, text->len, error);
  _qssl_wipe (text->str, text->allocated_len);
  return certificate;
}

/**
 * qssl_certificate_new_from_tls_certificate:
 * @tls_certificate: a #GTlsCertificate
 * @error: return location for a #GError
 *
 * The same certificate as a #QsslCertificate.
 *
 * libqssl addition (GIO interoperability).
 *
 * Returns: (transfer full): the certificate, or %NULL with @error set
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_certificate_new_from_tls_certificate (GTlsCertificate  *tls_certificate,
                                           GError          **error)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (tls_certificate), NULL);

  g_object_get (tls_certificate, "certificate", &der, NULL);
  if (der == NULL)
    {
      _qssl_init ();
      g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                           _("The GIO certificate has no DER data"));
      return NULL;
    }
  bytes = g_bytes_new (der->data, der->len);
  return qssl_certificate_new_from_data (bytes, QSSL_ENCODING_FORMAT_DER, error);
}

/**
 * qssl_certificate_from_file:
 * @path: the name of a file
 * @format: the encoding of the file
 * @error: return location for a #GError
 *
 * Reads every certificate in the file @path, in order. A file that holds no
 * certificate gives an empty array, as in Qt; one that cannot be read gives
 * %NULL and a %G_FILE_ERROR (Qt gives an empty list there too).
 *
 * Mirrors `QSslCertificate::fromFile()` (Qt 6.10).
 *
 * Returns: (transfer container) (element-type QsslCertificate): the
 *   certificates, or %NULL with @error set
 *
 * Since: 1.0
 */
GPtrArray *
qssl_certificate_from_file (const char          *path,
                            QsslEncodingFormat   format,
                            GError             **error)
{
  g_autoptr(GBytes) data = NULL;
  char *contents;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  data = g_bytes_new_take (contents, length);
  return qssl_certificate_list_from_data (data, format);
}
