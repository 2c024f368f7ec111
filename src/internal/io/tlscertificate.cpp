/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/tlscertificate.h"

#include <gnutls/gnutls.h>

namespace sessionctx {
namespace {

bool
read_file (const char *what, const std::string & path, gchar ** contents,
    gsize * length, GError ** error)
{
  GError *err = nullptr;
  if (g_file_get_contents (path.c_str (), contents, length, &err))
    return true;
  /* GLib's message names the file already. */
  g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
      "Could not read the TLS %s: %s", what, err->message);
  g_error_free (err);
  return false;
}

/* GIO never compares the key with the certificate: a mismatch would show
 * only as every client's handshake failing. GnuTLS (glib-networking's
 * backend on Debian) checks it when the pair is loaded. */
bool
key_matches (const gchar * cert_pem, gsize cert_len, const gchar * key_pem,
    gsize key_len)
{
  gnutls_certificate_credentials_t credentials;
  if (gnutls_certificate_allocate_credentials (&credentials) < 0)
    return true;                /* cannot tell: the handshake will */
  gnutls_datum_t cert = {
    (unsigned char *) cert_pem, (unsigned int) cert_len
  };
  gnutls_datum_t key = {
    (unsigned char *) key_pem, (unsigned int) key_len
  };
  int r = gnutls_certificate_set_x509_key_mem (credentials, &cert, &key,
      GNUTLS_X509_FMT_PEM);
  gnutls_certificate_free_credentials (credentials);
  return r != GNUTLS_E_CERTIFICATE_KEY_MISMATCH;
}

}  // namespace

GTlsCertificate *
tls_certificate_load (const std::string & certificate_file,
    const std::string & key_file, GError ** error)
{
  gchar *cert_pem = nullptr, *key_pem = nullptr;
  gsize cert_len = 0, key_len = 0;
  if (!read_file ("certificate file", certificate_file, &cert_pem, &cert_len,
          error))
    return nullptr;
  if (!read_file ("key file", key_file, &key_pem, &key_len, error)) {
    g_free (cert_pem);
    return nullptr;
  }

  GTlsCertificate *result = nullptr;
  GError *err = nullptr;
  /* Parsed apart first, so that the error names the file at fault. */
  GTlsCertificate *chain = g_tls_certificate_new_from_pem (cert_pem,
      (gssize) cert_len, &err);
  if (!chain) {
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
        "TLS certificate file \"%s\": %s", certificate_file.c_str (),
        err->message);
  } else if (!(result = g_tls_certificate_new_from_files
          (certificate_file.c_str (), key_file.c_str (), &err))) {
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
        "TLS key file \"%s\": %s", key_file.c_str (), err->message);
  } else if (!key_matches (cert_pem, cert_len, key_pem, key_len)) {
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
        "TLS key file \"%s\" does not match the certificate in \"%s\"",
        key_file.c_str (), certificate_file.c_str ());
    g_clear_object (&result);
  }
  g_clear_error (&err);
  g_clear_object (&chain);
  g_free (cert_pem);
  g_free (key_pem);
  return result;
}

}  // namespace sessionctx
