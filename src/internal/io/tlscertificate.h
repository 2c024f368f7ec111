/* The server's TLS certificate: loaded from the PEM files named by
 * tls-certificate-file and tls-key-file, checked that the key belongs to
 * the certificate, with errors that name the file at fault.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include <string>

namespace sessionctx {

/* The certificate (with its chain, when @certificate_file holds one) and
 * @key_file's private key, or NULL with @error set (domain G_TLS_ERROR)
 * when a file is missing, unreadable, holds no PEM certificate or key, or
 * the key does not match the certificate. */
GTlsCertificate *tls_certificate_load (const std::string & certificate_file,
    const std::string & key_file, GError ** error);

}  // namespace sessionctx
