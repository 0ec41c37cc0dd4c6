/* qssl-enums.h: public enumerations; numeric values equal Qt's
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <glib.h>

#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

/**
 * QsslPeerVerifyMode:
 * @QSSL_PEER_VERIFY_MODE_NONE: do not ask for a certificate; the connection is
 *   encrypted but the peer is not authenticated
 * @QSSL_PEER_VERIFY_MODE_QUERY_PEER: ask for a certificate but do not require
 *   it to be valid (the server default)
 * @QSSL_PEER_VERIFY_MODE_VERIFY_PEER: require a valid certificate; the
 *   handshake fails otherwise
 * @QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER: VERIFY_PEER for clients,
 *   QUERY_PEER for servers (the default)
 *
 * How the peer's certificate is checked. Mirrors `QSslSocket::PeerVerifyMode`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_PEER_VERIFY_MODE_NONE = 0,
  QSSL_PEER_VERIFY_MODE_QUERY_PEER = 1,
  QSSL_PEER_VERIFY_MODE_VERIFY_PEER = 2,
  QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER = 3,
} QsslPeerVerifyMode;

/**
 * QsslMode:
 * @QSSL_MODE_UNENCRYPTED: plain TCP (before STARTTLS, or never encrypted)
 * @QSSL_MODE_SSL_CLIENT: the socket is the TLS client
 * @QSSL_MODE_SSL_SERVER: the socket is the TLS server
 *
 * The encryption mode of a socket. Mirrors `QSslSocket::SslMode`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_MODE_UNENCRYPTED = 0,
  QSSL_MODE_SSL_CLIENT = 1,
  QSSL_MODE_SSL_SERVER = 2,
} QsslMode;

/**
 * QsslProtocol:
 * @QSSL_PROTOCOL_TLS_V1_0: TLS 1.0 only (refused by OpenSSL 3 at its default
 *   security level)
 * @QSSL_PROTOCOL_TLS_V1_1: TLS 1.1 only (likewise refused)
 * @QSSL_PROTOCOL_TLS_V1_2: TLS 1.2 only
 * @QSSL_PROTOCOL_ANY_PROTOCOL: any version the library supports
 * @QSSL_PROTOCOL_SECURE_PROTOCOLS: TLS 1.2 or later (the default)
 * @QSSL_PROTOCOL_TLS_V1_0_OR_LATER: TLS 1.0 or later
 * @QSSL_PROTOCOL_TLS_V1_1_OR_LATER: TLS 1.1 or later
 * @QSSL_PROTOCOL_TLS_V1_2_OR_LATER: TLS 1.2 or later
 * @QSSL_PROTOCOL_DTLS_V1_0: DTLS 1.0 (not usable on a TCP socket)
 * @QSSL_PROTOCOL_DTLS_V1_0_OR_LATER: DTLS 1.0 or later (not usable on TCP)
 * @QSSL_PROTOCOL_DTLS_V1_2: DTLS 1.2 (not usable on TCP)
 * @QSSL_PROTOCOL_DTLS_V1_2_OR_LATER: DTLS 1.2 or later (not usable on TCP)
 * @QSSL_PROTOCOL_TLS_V1_3: TLS 1.3 only
 * @QSSL_PROTOCOL_TLS_V1_3_OR_LATER: TLS 1.3 or later
 * @QSSL_PROTOCOL_UNKNOWN_PROTOCOL: unknown, or no session yet
 *
 * TLS protocol versions. Mirrors `QSsl::SslProtocol` with Qt 6's values.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_PROTOCOL_TLS_V1_0 = 0,
  QSSL_PROTOCOL_TLS_V1_1 = 1,
  QSSL_PROTOCOL_TLS_V1_2 = 2,
  QSSL_PROTOCOL_ANY_PROTOCOL = 3,
  QSSL_PROTOCOL_SECURE_PROTOCOLS = 4,
  QSSL_PROTOCOL_TLS_V1_0_OR_LATER = 5,
  QSSL_PROTOCOL_TLS_V1_1_OR_LATER = 6,
  QSSL_PROTOCOL_TLS_V1_2_OR_LATER = 7,
  QSSL_PROTOCOL_DTLS_V1_0 = 8,
  QSSL_PROTOCOL_DTLS_V1_0_OR_LATER = 9,
  QSSL_PROTOCOL_DTLS_V1_2 = 10,
  QSSL_PROTOCOL_DTLS_V1_2_OR_LATER = 11,
  QSSL_PROTOCOL_TLS_V1_3 = 12,
  QSSL_PROTOCOL_TLS_V1_3_OR_LATER = 13,
  QSSL_PROTOCOL_UNKNOWN_PROTOCOL = -1,
} QsslProtocol;

/**
 * QsslErrorCode:
 * @QSSL_ERROR_CODE_NO_ERROR: no error
 * @QSSL_ERROR_CODE_UNABLE_TO_GET_ISSUER_CERTIFICATE: the issuer certificate could not be found
 * @QSSL_ERROR_CODE_UNABLE_TO_DECRYPT_CERTIFICATE_SIGNATURE: the certificate signature could not be decrypted
 * @QSSL_ERROR_CODE_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: the public key in the certificate could not be read
 * @QSSL_ERROR_CODE_CERTIFICATE_SIGNATURE_FAILED: the signature of the certificate is invalid
 * @QSSL_ERROR_CODE_CERTIFICATE_NOT_YET_VALID: the certificate is not yet valid
 * @QSSL_ERROR_CODE_CERTIFICATE_EXPIRED: the certificate has expired
 * @QSSL_ERROR_CODE_INVALID_NOT_BEFORE_FIELD: the notBefore field is invalid
 * @QSSL_ERROR_CODE_INVALID_NOT_AFTER_FIELD: the notAfter field is invalid
 * @QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE: the certificate is self-signed and untrusted
 * @QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE_IN_CHAIN: the chain's root is self-signed and untrusted
 * @QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE: the issuer of a locally looked up certificate could not be found
 * @QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE: no certificates could be verified
 * @QSSL_ERROR_CODE_CERTIFICATE_REVOKED: the certificate has been revoked
 * @QSSL_ERROR_CODE_INVALID_CA_CERTIFICATE: one of the CA certificates is invalid
 * @QSSL_ERROR_CODE_PATH_LENGTH_EXCEEDED: the basicConstraints path length was exceeded
 * @QSSL_ERROR_CODE_INVALID_PURPOSE: the certificate is unsuitable for this purpose
 * @QSSL_ERROR_CODE_CERTIFICATE_UNTRUSTED: the root CA is not trusted for this purpose
 * @QSSL_ERROR_CODE_CERTIFICATE_REJECTED: the root CA is marked to reject this purpose
 * @QSSL_ERROR_CODE_SUBJECT_ISSUER_MISMATCH: candidate issuer subject does not match
 * @QSSL_ERROR_CODE_AUTHORITY_ISSUER_SERIAL_NUMBER_MISMATCH: candidate issuer serial does not match the AKI
 * @QSSL_ERROR_CODE_NO_PEER_CERTIFICATE: the peer did not present any certificate
 * @QSSL_ERROR_CODE_HOST_NAME_MISMATCH: the host name matches none of the certificate's names
 * @QSSL_ERROR_CODE_NO_SSL_SUPPORT: no TLS support
 * @QSSL_ERROR_CODE_CERTIFICATE_BLACKLISTED: the peer certificate is blacklisted
 * @QSSL_ERROR_CODE_CERTIFICATE_STATUS_UNKNOWN: the certificate's status is unknown
 * @QSSL_ERROR_CODE_OCSP_NO_RESPONSE_FOUND: no OCSP status response was stapled
 * @QSSL_ERROR_CODE_OCSP_MALFORMED_REQUEST: the OCSP request had invalid syntax
 * @QSSL_ERROR_CODE_OCSP_MALFORMED_RESPONSE: the OCSP response is malformed
 * @QSSL_ERROR_CODE_OCSP_INTERNAL_ERROR: the OCSP responder had an internal error
 * @QSSL_ERROR_CODE_OCSP_TRY_LATER: the OCSP responder could not answer now
 * @QSSL_ERROR_CODE_OCSP_SIG_REQUIRED: the OCSP responder requires a signed request
 * @QSSL_ERROR_CODE_OCSP_UNAUTHORIZED: not authorized to ask this OCSP responder
 * @QSSL_ERROR_CODE_OCSP_RESPONSE_CANNOT_BE_TRUSTED: the OCSP response could not be verified
 * @QSSL_ERROR_CODE_OCSP_RESPONSE_CERT_ID_UNKNOWN: the OCSP response is for another certificate
 * @QSSL_ERROR_CODE_OCSP_RESPONSE_EXPIRED: the OCSP response has expired
 * @QSSL_ERROR_CODE_OCSP_STATUS_UNKNOWN: the OCSP responder does not know the certificate
 * @QSSL_ERROR_CODE_UNSPECIFIED_ERROR: any other error
 *
 * Certificate and handshake verification errors. Mirrors `QSslError::SslError`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_ERROR_CODE_NO_ERROR = 0,
  QSSL_ERROR_CODE_UNABLE_TO_GET_ISSUER_CERTIFICATE = 1,
  QSSL_ERROR_CODE_UNABLE_TO_DECRYPT_CERTIFICATE_SIGNATURE = 2,
  QSSL_ERROR_CODE_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY = 3,
  QSSL_ERROR_CODE_CERTIFICATE_SIGNATURE_FAILED = 4,
  QSSL_ERROR_CODE_CERTIFICATE_NOT_YET_VALID = 5,
  QSSL_ERROR_CODE_CERTIFICATE_EXPIRED = 6,
  QSSL_ERROR_CODE_INVALID_NOT_BEFORE_FIELD = 7,
  QSSL_ERROR_CODE_INVALID_NOT_AFTER_FIELD = 8,
  QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE = 9,
  QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE_IN_CHAIN = 10,
  QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE = 11,
  QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE = 12,
  QSSL_ERROR_CODE_CERTIFICATE_REVOKED = 13,
  QSSL_ERROR_CODE_INVALID_CA_CERTIFICATE = 14,
  QSSL_ERROR_CODE_PATH_LENGTH_EXCEEDED = 15,
  QSSL_ERROR_CODE_INVALID_PURPOSE = 16,
  QSSL_ERROR_CODE_CERTIFICATE_UNTRUSTED = 17,
  QSSL_ERROR_CODE_CERTIFICATE_REJECTED = 18,
  QSSL_ERROR_CODE_SUBJECT_ISSUER_MISMATCH = 19,
  QSSL_ERROR_CODE_AUTHORITY_ISSUER_SERIAL_NUMBER_MISMATCH = 20,
  QSSL_ERROR_CODE_NO_PEER_CERTIFICATE = 21,
  QSSL_ERROR_CODE_HOST_NAME_MISMATCH = 22,
  QSSL_ERROR_CODE_NO_SSL_SUPPORT = 23,
  QSSL_ERROR_CODE_CERTIFICATE_BLACKLISTED = 24,
  QSSL_ERROR_CODE_CERTIFICATE_STATUS_UNKNOWN = 25,
  QSSL_ERROR_CODE_OCSP_NO_RESPONSE_FOUND = 26,
  QSSL_ERROR_CODE_OCSP_MALFORMED_REQUEST = 27,
  QSSL_ERROR_CODE_OCSP_MALFORMED_RESPONSE = 28,
  QSSL_ERROR_CODE_OCSP_INTERNAL_ERROR = 29,
  QSSL_ERROR_CODE_OCSP_TRY_LATER = 30,
  QSSL_ERROR_CODE_OCSP_SIG_REQUIRED = 31,
  QSSL_ERROR_CODE_OCSP_UNAUTHORIZED = 32,
  QSSL_ERROR_CODE_OCSP_RESPONSE_CANNOT_BE_TRUSTED = 33,
  QSSL_ERROR_CODE_OCSP_RESPONSE_CERT_ID_UNKNOWN = 34,
  QSSL_ERROR_CODE_OCSP_RESPONSE_EXPIRED = 35,
  QSSL_ERROR_CODE_OCSP_STATUS_UNKNOWN = 36,
  QSSL_ERROR_CODE_UNSPECIFIED_ERROR = -1,
} QsslErrorCode;

/**
 * QsslSocketState:
 * @QSSL_SOCKET_STATE_UNCONNECTED: not connected
 * @QSSL_SOCKET_STATE_HOST_LOOKUP: resolving the host name
 * @QSSL_SOCKET_STATE_CONNECTING: the TCP connection is being established
 * @QSSL_SOCKET_STATE_CONNECTED: the TCP connection is established (the TLS
 *   handshake may still be running; see the socket's `encrypted` signal)
 * @QSSL_SOCKET_STATE_BOUND: bound to an address and port
 * @QSSL_SOCKET_STATE_LISTENING: listening (servers only)
 * @QSSL_SOCKET_STATE_CLOSING: about to close; pending data is being sent
 *
 * Mirrors `QAbstractSocket::SocketState`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_SOCKET_STATE_UNCONNECTED = 0,
  QSSL_SOCKET_STATE_HOST_LOOKUP = 1,
  QSSL_SOCKET_STATE_CONNECTING = 2,
  QSSL_SOCKET_STATE_CONNECTED = 3,
  QSSL_SOCKET_STATE_BOUND = 4,
  QSSL_SOCKET_STATE_LISTENING = 5,
  QSSL_SOCKET_STATE_CLOSING = 6,
} QsslSocketState;

/**
 * QSSL_SOCKET_ERROR:
 *
 * The #GError domain of socket errors; codes are #QsslSocketError values.
 *
 * Since: 1.0
 */
#define QSSL_SOCKET_ERROR (qssl_socket_error_quark ())

/**
 * QsslSocketError:
 * @QSSL_SOCKET_ERROR_CONNECTION_REFUSED: the peer refused the connection or timed out
 * @QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED: the peer closed the connection
 * @QSSL_SOCKET_ERROR_HOST_NOT_FOUND: the host name could not be resolved
 * @QSSL_SOCKET_ERROR_SOCKET_ACCESS: the operation lacked the required privileges
 * @QSSL_SOCKET_ERROR_SOCKET_RESOURCE: out of resources (for example, file descriptors)
 * @QSSL_SOCKET_ERROR_SOCKET_TIMEOUT: the operation timed out
 * @QSSL_SOCKET_ERROR_DATAGRAM_TOO_LARGE: datagram larger than the limit
 * @QSSL_SOCKET_ERROR_NETWORK: a network error (for example, the cable was unplugged)
 * @QSSL_SOCKET_ERROR_ADDRESS_IN_USE: the address is already in use
 * @QSSL_SOCKET_ERROR_SOCKET_ADDRESS_NOT_AVAILABLE: the address does not belong to this host
 * @QSSL_SOCKET_ERROR_UNSUPPORTED_SOCKET_OPERATION: the operation is not supported here
 * @QSSL_SOCKET_ERROR_UNFINISHED_SOCKET_OPERATION: the last operation has not finished yet
 * @QSSL_SOCKET_ERROR_PROXY_AUTHENTICATION_REQUIRED: the proxy requires authentication
 * @QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED: the TLS handshake failed
 * @QSSL_SOCKET_ERROR_PROXY_CONNECTION_REFUSED: the proxy refused the connection
 * @QSSL_SOCKET_ERROR_PROXY_CONNECTION_CLOSED: the proxy closed the connection
 * @QSSL_SOCKET_ERROR_PROXY_CONNECTION_TIMEOUT: the proxy timed out
 * @QSSL_SOCKET_ERROR_PROXY_NOT_FOUND: the proxy could not be found
 * @QSSL_SOCKET_ERROR_PROXY_PROTOCOL: the proxy spoke an unexpected protocol
 * @QSSL_SOCKET_ERROR_OPERATION: the operation is not allowed in the current state
 * @QSSL_SOCKET_ERROR_SSL_INTERNAL: the TLS library reported an internal error
 * @QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA: invalid data (certificate, key, cipher, protocol) was given
 * @QSSL_SOCKET_ERROR_TEMPORARY: a temporary error; try again
 * @QSSL_SOCKET_ERROR_UNKNOWN_SOCKET: an unknown error
 *
 * Socket errors, used both as the `error-occurred` argument and as the codes
 * of the %QSSL_SOCKET_ERROR #GError domain. Mirrors
 * `QAbstractSocket::SocketError`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_SOCKET_ERROR_CONNECTION_REFUSED = 0,
  QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED = 1,
  QSSL_SOCKET_ERROR_HOST_NOT_FOUND = 2,
  QSSL_SOCKET_ERROR_SOCKET_ACCESS = 3,
  QSSL_SOCKET_ERROR_SOCKET_RESOURCE = 4,
  QSSL_SOCKET_ERROR_SOCKET_TIMEOUT = 5,
  QSSL_SOCKET_ERROR_DATAGRAM_TOO_LARGE = 6,
  QSSL_SOCKET_ERROR_NETWORK = 7,
  QSSL_SOCKET_ERROR_ADDRESS_IN_USE = 8,
  QSSL_SOCKET_ERROR_SOCKET_ADDRESS_NOT_AVAILABLE = 9,
  QSSL_SOCKET_ERROR_UNSUPPORTED_SOCKET_OPERATION = 10,
  QSSL_SOCKET_ERROR_UNFINISHED_SOCKET_OPERATION = 11,
  QSSL_SOCKET_ERROR_PROXY_AUTHENTICATION_REQUIRED = 12,
  QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED = 13,
  QSSL_SOCKET_ERROR_PROXY_CONNECTION_REFUSED = 14,
  QSSL_SOCKET_ERROR_PROXY_CONNECTION_CLOSED = 15,
  QSSL_SOCKET_ERROR_PROXY_CONNECTION_TIMEOUT = 16,
  QSSL_SOCKET_ERROR_PROXY_NOT_FOUND = 17,
  QSSL_SOCKET_ERROR_PROXY_PROTOCOL = 18,
  QSSL_SOCKET_ERROR_OPERATION = 19,
  QSSL_SOCKET_ERROR_SSL_INTERNAL = 20,
  QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA = 21,
  QSSL_SOCKET_ERROR_TEMPORARY = 22,
  QSSL_SOCKET_ERROR_UNKNOWN_SOCKET = -1,
} QsslSocketError;

QSSL_AVAILABLE_IN_1_0
GQuark qssl_socket_error_quark (void);

/**
 * QsslNetworkLayerProtocol:
 * @QSSL_NETWORK_LAYER_PROTOCOL_IPV4: IPv4 only
 * @QSSL_NETWORK_LAYER_PROTOCOL_IPV6: IPv6 only
 * @QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP: IPv4 or IPv6 (the default)
 * @QSSL_NETWORK_LAYER_PROTOCOL_UNKNOWN: other or unknown
 *
 * Mirrors `QAbstractSocket::NetworkLayerProtocol`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_NETWORK_LAYER_PROTOCOL_IPV4 = 0,
  QSSL_NETWORK_LAYER_PROTOCOL_IPV6 = 1,
  QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP = 2,
  QSSL_NETWORK_LAYER_PROTOCOL_UNKNOWN = -1,
} QsslNetworkLayerProtocol;

/**
 * QsslSocketOption:
 * @QSSL_SOCKET_OPTION_LOW_DELAY: disable Nagle's algorithm (TCP_NODELAY);
 *   on by default on the sockets a client connects and a #QsslServer
 *   accepts (Qt leaves it off)
 * @QSSL_SOCKET_OPTION_KEEP_ALIVE: enable TCP keep-alive (SO_KEEPALIVE)
 *
 * Socket options for `qssl_socket_set_socket_option()`. Mirrors the
 * TCP members of `QAbstractSocket::SocketOption`, with the same values.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_SOCKET_OPTION_LOW_DELAY = 0,
  QSSL_SOCKET_OPTION_KEEP_ALIVE = 1,
} QsslSocketOption;

/**
 * QsslEncodingFormat:
 * @QSSL_ENCODING_FORMAT_PEM: PEM (base64 text between BEGIN/END lines)
 * @QSSL_ENCODING_FORMAT_DER: DER (binary ASN.1)
 *
 * Mirrors `QSsl::EncodingFormat`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_ENCODING_FORMAT_PEM = 0,
  QSSL_ENCODING_FORMAT_DER = 1,
} QsslEncodingFormat;

/**
 * QsslKeyType:
 * @QSSL_KEY_TYPE_PRIVATE_KEY: a private key
 * @QSSL_KEY_TYPE_PUBLIC_KEY: a public key
 *
 * Mirrors `QSsl::KeyType`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_KEY_TYPE_PRIVATE_KEY = 0,
  QSSL_KEY_TYPE_PUBLIC_KEY = 1,
} QsslKeyType;

/**
 * QsslKeyAlgorithm:
 * @QSSL_KEY_ALGORITHM_OPAQUE: any other algorithm, handled as an opaque key
 * @QSSL_KEY_ALGORITHM_RSA: RSA
 * @QSSL_KEY_ALGORITHM_DSA: DSA
 * @QSSL_KEY_ALGORITHM_EC: elliptic curve
 * @QSSL_KEY_ALGORITHM_DH: Diffie-Hellman
 *
 * Mirrors `QSsl::KeyAlgorithm`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_KEY_ALGORITHM_OPAQUE = 0,
  QSSL_KEY_ALGORITHM_RSA = 1,
  QSSL_KEY_ALGORITHM_DSA = 2,
  QSSL_KEY_ALGORITHM_EC = 3,
  QSSL_KEY_ALGORITHM_DH = 4,
} QsslKeyAlgorithm;

/**
 * QsslAlternativeNameEntryType:
 * @QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_EMAIL_ENTRY: an e-mail address (rfc822Name)
 * @QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_DNS_ENTRY: a DNS name
 * @QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_IP_ADDRESS_ENTRY: an IP address
 *
 * Mirrors `QSsl::AlternativeNameEntryType`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_EMAIL_ENTRY = 0,
  QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_DNS_ENTRY = 1,
  QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_IP_ADDRESS_ENTRY = 2,
} QsslAlternativeNameEntryType;

/**
 * QsslSubjectInfo:
 * @QSSL_SUBJECT_INFO_ORGANIZATION: "O"
 * @QSSL_SUBJECT_INFO_COMMON_NAME: "CN"
 * @QSSL_SUBJECT_INFO_LOCALITY_NAME: "L"
 * @QSSL_SUBJECT_INFO_ORGANIZATIONAL_UNIT_NAME: "OU"
 * @QSSL_SUBJECT_INFO_COUNTRY_NAME: "C"
 * @QSSL_SUBJECT_INFO_STATE_OR_PROVINCE_NAME: "ST"
 * @QSSL_SUBJECT_INFO_DISTINGUISHED_NAME_QUALIFIER: "dnQualifier"
 * @QSSL_SUBJECT_INFO_SERIAL_NUMBER: "serialNumber"
 * @QSSL_SUBJECT_INFO_EMAIL_ADDRESS: "emailAddress"
 *
 * Distinguished-name attributes. Mirrors `QSslCertificate::SubjectInfo`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_SUBJECT_INFO_ORGANIZATION = 0,
  QSSL_SUBJECT_INFO_COMMON_NAME = 1,
  QSSL_SUBJECT_INFO_LOCALITY_NAME = 2,
  QSSL_SUBJECT_INFO_ORGANIZATIONAL_UNIT_NAME = 3,
  QSSL_SUBJECT_INFO_COUNTRY_NAME = 4,
  QSSL_SUBJECT_INFO_STATE_OR_PROVINCE_NAME = 5,
  QSSL_SUBJECT_INFO_DISTINGUISHED_NAME_QUALIFIER = 6,
  QSSL_SUBJECT_INFO_SERIAL_NUMBER = 7,
  QSSL_SUBJECT_INFO_EMAIL_ADDRESS = 8,
} QsslSubjectInfo;

/**
 * QsslPatternSyntax:
 * @QSSL_PATTERN_SYNTAX_REGULAR_EXPRESSION: the whole path is a Perl-compatible
 *   regular expression
 * @QSSL_PATTERN_SYNTAX_WILDCARD: shell wildcards (`*`, `?`, `[...]`) in any
 *   path component
 * @QSSL_PATTERN_SYNTAX_FIXED_STRING: the path names exactly one file
 *
 * How [func@Qssl.Certificate.list_from_path] reads its path. Mirrors
 * `QSslCertificate::PatternSyntax`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_PATTERN_SYNTAX_REGULAR_EXPRESSION = 0,
  QSSL_PATTERN_SYNTAX_WILDCARD = 1,
  QSSL_PATTERN_SYNTAX_FIXED_STRING = 2,
} QsslPatternSyntax;

/**
 * QsslSslOptions:
 * @QSSL_SSL_OPTIONS_NONE: no option set
 * @QSSL_SSL_OPTIONS_DISABLE_EMPTY_FRAGMENTS: do not send empty fragments
 *   (a CBC countermeasure for TLS 1.0)
 * @QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS: a server sends no session
 *   ticket of any kind (TLS 1.2 sessions are still resumed by session ID;
 *   TLS 1.3 sessions are not resumed)
 * @QSSL_SSL_OPTIONS_DISABLE_COMPRESSION: no TLS compression (always the case
 *   with OpenSSL 3)
 * @QSSL_SSL_OPTIONS_DISABLE_SERVER_NAME_INDICATION: send no SNI extension
 * @QSSL_SSL_OPTIONS_DISABLE_LEGACY_RENEGOTIATION: refuse legacy renegotiation
 * @QSSL_SSL_OPTIONS_DISABLE_SESSION_SHARING: do not share the session with
 *   other sockets of the same configuration
 * @QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE: do not keep the session
 *   ticket in the configuration
 * @QSSL_SSL_OPTIONS_DISABLE_SERVER_CIPHER_PREFERENCE: a server follows the
 *   client's cipher order instead of its own
 *
 * Mirrors `QSsl::SslOptions`.
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  QSSL_SSL_OPTIONS_NONE = 0,
  QSSL_SSL_OPTIONS_DISABLE_EMPTY_FRAGMENTS = 0x01,
  QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS = 0x02,
  QSSL_SSL_OPTIONS_DISABLE_COMPRESSION = 0x04,
  QSSL_SSL_OPTIONS_DISABLE_SERVER_NAME_INDICATION = 0x08,
  QSSL_SSL_OPTIONS_DISABLE_LEGACY_RENEGOTIATION = 0x10,
  QSSL_SSL_OPTIONS_DISABLE_SESSION_SHARING = 0x20,
  QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE = 0x40,
  QSSL_SSL_OPTIONS_DISABLE_SERVER_CIPHER_PREFERENCE = 0x80,
} QsslSslOptions;

/**
 * QsslAlertLevel:
 * @QSSL_ALERT_LEVEL_WARNING: a warning alert
 * @QSSL_ALERT_LEVEL_FATAL: a fatal alert; the connection is closed
 * @QSSL_ALERT_LEVEL_UNKNOWN: a level the library did not recognise
 *
 * Mirrors `QSsl::AlertLevel`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_ALERT_LEVEL_WARNING = 0,
  QSSL_ALERT_LEVEL_FATAL = 1,
  QSSL_ALERT_LEVEL_UNKNOWN = 2,
} QsslAlertLevel;

/**
 * QsslAlertType:
 * @QSSL_ALERT_TYPE_CLOSE_NOTIFY: close_notify (0)
 * @QSSL_ALERT_TYPE_UNEXPECTED_MESSAGE: unexpected_message (10)
 * @QSSL_ALERT_TYPE_BAD_RECORD_MAC: bad_record_mac (20)
 * @QSSL_ALERT_TYPE_RECORD_OVERFLOW: record_overflow (22)
 * @QSSL_ALERT_TYPE_DECOMPRESSION_FAILURE: decompression_failure (30)
 * @QSSL_ALERT_TYPE_HANDSHAKE_FAILURE: handshake_failure (40)
 * @QSSL_ALERT_TYPE_NO_CERTIFICATE: no_certificate (41)
 * @QSSL_ALERT_TYPE_BAD_CERTIFICATE: bad_certificate (42)
 * @QSSL_ALERT_TYPE_UNSUPPORTED_CERTIFICATE: unsupported_certificate (43)
 * @QSSL_ALERT_TYPE_CERTIFICATE_REVOKED: certificate_revoked (44)
 * @QSSL_ALERT_TYPE_CERTIFICATE_EXPIRED: certificate_expired (45)
 * @QSSL_ALERT_TYPE_CERTIFICATE_UNKNOWN: certificate_unknown (46)
 * @QSSL_ALERT_TYPE_ILLEGAL_PARAMETER: illegal_parameter (47)
 * @QSSL_ALERT_TYPE_UNKNOWN_CA: unknown_ca (48)
 * @QSSL_ALERT_TYPE_ACCESS_DENIED: access_denied (49)
 * @QSSL_ALERT_TYPE_DECODE_ERROR: decode_error (50)
 * @QSSL_ALERT_TYPE_DECRYPT_ERROR: decrypt_error (51)
 * @QSSL_ALERT_TYPE_EXPORT_RESTRICTION: export_restriction (60)
 * @QSSL_ALERT_TYPE_PROTOCOL_VERSION: protocol_version (70)
 * @QSSL_ALERT_TYPE_INSUFFICIENT_SECURITY: insufficient_security (71)
 * @QSSL_ALERT_TYPE_INTERNAL_ERROR: internal_error (80)
 * @QSSL_ALERT_TYPE_INAPPROPRIATE_FALLBACK: inappropriate_fallback (86)
 * @QSSL_ALERT_TYPE_USER_CANCELLED: user_canceled (90)
 * @QSSL_ALERT_TYPE_NO_RENEGOTIATION: no_renegotiation (100)
 * @QSSL_ALERT_TYPE_MISSING_EXTENSION: missing_extension (109)
 * @QSSL_ALERT_TYPE_UNSUPPORTED_EXTENSION: unsupported_extension (110)
 * @QSSL_ALERT_TYPE_CERTIFICATE_UNOBTAINABLE: certificate_unobtainable (111)
 * @QSSL_ALERT_TYPE_UNRECOGNIZED_NAME: unrecognized_name (112)
 * @QSSL_ALERT_TYPE_BAD_CERTIFICATE_STATUS_RESPONSE: bad_certificate_status_response (113)
 * @QSSL_ALERT_TYPE_BAD_CERTIFICATE_HASH_VALUE: bad_certificate_hash_value (114)
 * @QSSL_ALERT_TYPE_UNKNOWN_PSK_IDENTITY: unknown_psk_identity (115)
 * @QSSL_ALERT_TYPE_CERTIFICATE_REQUIRED: certificate_required (116)
 * @QSSL_ALERT_TYPE_NO_APPLICATION_PROTOCOL: no_application_protocol (120)
 * @QSSL_ALERT_TYPE_UNKNOWN_ALERT_MESSAGE: an alert number not listed here
 *
 * TLS alert descriptions, with their wire numbers. Mirrors `QSsl::AlertType`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_ALERT_TYPE_CLOSE_NOTIFY = 0,
  QSSL_ALERT_TYPE_UNEXPECTED_MESSAGE = 10,
  QSSL_ALERT_TYPE_BAD_RECORD_MAC = 20,
  QSSL_ALERT_TYPE_RECORD_OVERFLOW = 22,
  QSSL_ALERT_TYPE_DECOMPRESSION_FAILURE = 30,
  QSSL_ALERT_TYPE_HANDSHAKE_FAILURE = 40,
  QSSL_ALERT_TYPE_NO_CERTIFICATE = 41,
  QSSL_ALERT_TYPE_BAD_CERTIFICATE = 42,
  QSSL_ALERT_TYPE_UNSUPPORTED_CERTIFICATE = 43,
  QSSL_ALERT_TYPE_CERTIFICATE_REVOKED = 44,
  QSSL_ALERT_TYPE_CERTIFICATE_EXPIRED = 45,
  QSSL_ALERT_TYPE_CERTIFICATE_UNKNOWN = 46,
  QSSL_ALERT_TYPE_ILLEGAL_PARAMETER = 47,
  QSSL_ALERT_TYPE_UNKNOWN_CA = 48,
  QSSL_ALERT_TYPE_ACCESS_DENIED = 49,
  QSSL_ALERT_TYPE_DECODE_ERROR = 50,
  QSSL_ALERT_TYPE_DECRYPT_ERROR = 51,
  QSSL_ALERT_TYPE_EXPORT_RESTRICTION = 60,
  QSSL_ALERT_TYPE_PROTOCOL_VERSION = 70,
  QSSL_ALERT_TYPE_INSUFFICIENT_SECURITY = 71,
  QSSL_ALERT_TYPE_INTERNAL_ERROR = 80,
  QSSL_ALERT_TYPE_INAPPROPRIATE_FALLBACK = 86,
  QSSL_ALERT_TYPE_USER_CANCELLED = 90,
  QSSL_ALERT_TYPE_NO_RENEGOTIATION = 100,
  QSSL_ALERT_TYPE_MISSING_EXTENSION = 109,
  QSSL_ALERT_TYPE_UNSUPPORTED_EXTENSION = 110,
  QSSL_ALERT_TYPE_CERTIFICATE_UNOBTAINABLE = 111,
  QSSL_ALERT_TYPE_UNRECOGNIZED_NAME = 112,
  QSSL_ALERT_TYPE_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
  QSSL_ALERT_TYPE_BAD_CERTIFICATE_HASH_VALUE = 114,
  QSSL_ALERT_TYPE_UNKNOWN_PSK_IDENTITY = 115,
  QSSL_ALERT_TYPE_CERTIFICATE_REQUIRED = 116,
  QSSL_ALERT_TYPE_NO_APPLICATION_PROTOCOL = 120,
  QSSL_ALERT_TYPE_UNKNOWN_ALERT_MESSAGE = 255,
} QsslAlertType;

/**
 * QsslPauseModes:
 * @QSSL_PAUSE_MODES_NEVER: never pause
 * @QSSL_PAUSE_MODES_ON_SSL_ERRORS: pause after the socket's `ssl-errors` signal
 *   until `qssl_socket_resume()` or `qssl_socket_abort()`
 *
 * Mirrors `QAbstractSocket::PauseModes`.
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  QSSL_PAUSE_MODES_NEVER = 0,
  QSSL_PAUSE_MODES_ON_SSL_ERRORS = 1,
} QsslPauseModes;

/**
 * QsslNextProtocolNegotiationStatus:
 * @QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE: no negotiation happened
 * @QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NEGOTIATED: a protocol was agreed
 * @QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_UNSUPPORTED: the lists had nothing
 *   in common
 *
 * Mirrors `QSslConfiguration::NextProtocolNegotiationStatus`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE = 0,
  QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NEGOTIATED = 1,
  QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_UNSUPPORTED = 2,
} QsslNextProtocolNegotiationStatus;

/**
 * QsslOcspCertificateStatus:
 * @QSSL_OCSP_CERTIFICATE_STATUS_GOOD: the certificate is not revoked
 * @QSSL_OCSP_CERTIFICATE_STATUS_REVOKED: the certificate is revoked
 * @QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN: the responder does not know it
 *
 * Mirrors `QOcspCertificateStatus`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_OCSP_CERTIFICATE_STATUS_GOOD = 0,
  QSSL_OCSP_CERTIFICATE_STATUS_REVOKED = 1,
  QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN = 2,
} QsslOcspCertificateStatus;

/**
 * QsslOcspRevocationReason:
 * @QSSL_OCSP_REVOCATION_REASON_NONE: not revoked, or no reason given
 * @QSSL_OCSP_REVOCATION_REASON_UNSPECIFIED: unspecified
 * @QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE: key compromise
 * @QSSL_OCSP_REVOCATION_REASON_CA_COMPROMISE: CA compromise
 * @QSSL_OCSP_REVOCATION_REASON_AFFILIATION_CHANGED: affiliation changed
 * @QSSL_OCSP_REVOCATION_REASON_SUPERSEDED: superseded
 * @QSSL_OCSP_REVOCATION_REASON_CESSATION_OF_OPERATION: cessation of operation
 * @QSSL_OCSP_REVOCATION_REASON_CERTIFICATE_HOLD: on hold
 * @QSSL_OCSP_REVOCATION_REASON_REMOVE_FROM_CRL: removed from the CRL
 *
 * Mirrors `QOcspRevocationReason`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_OCSP_REVOCATION_REASON_NONE = -1,
  QSSL_OCSP_REVOCATION_REASON_UNSPECIFIED = 0,
  QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE = 1,
  QSSL_OCSP_REVOCATION_REASON_CA_COMPROMISE = 2,
  QSSL_OCSP_REVOCATION_REASON_AFFILIATION_CHANGED = 3,
  QSSL_OCSP_REVOCATION_REASON_SUPERSEDED = 4,
  QSSL_OCSP_REVOCATION_REASON_CESSATION_OF_OPERATION = 5,
  QSSL_OCSP_REVOCATION_REASON_CERTIFICATE_HOLD = 6,
  QSSL_OCSP_REVOCATION_REASON_REMOVE_FROM_CRL = 7,
} QsslOcspRevocationReason;

/**
 * QsslImplementedClass:
 * @QSSL_IMPLEMENTED_CLASS_KEY: #QsslKey
 * @QSSL_IMPLEMENTED_CLASS_CERTIFICATE: #QsslCertificate
 * @QSSL_IMPLEMENTED_CLASS_SOCKET: #QsslSocket
 * @QSSL_IMPLEMENTED_CLASS_DIFFIE_HELLMAN: Qt's `QSslDiffieHellmanParameters`
 *   (libqssl has no such class: OpenSSL's built-in groups are used)
 * @QSSL_IMPLEMENTED_CLASS_ELLIPTIC_CURVE: elliptic curves (group names in
 *   #QsslConfiguration)
 * @QSSL_IMPLEMENTED_CLASS_DTLS: #QsslDtls
 * @QSSL_IMPLEMENTED_CLASS_DTLS_COOKIE: #QsslDtlsClientVerifier
 *
 * The classes a TLS backend may implement, for
 * qssl_socket_is_class_implemented(). Mirrors `QSsl::ImplementedClass`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_IMPLEMENTED_CLASS_KEY = 0,
  QSSL_IMPLEMENTED_CLASS_CERTIFICATE = 1,
  QSSL_IMPLEMENTED_CLASS_SOCKET = 2,
  QSSL_IMPLEMENTED_CLASS_DIFFIE_HELLMAN = 3,
  QSSL_IMPLEMENTED_CLASS_ELLIPTIC_CURVE = 4,
  QSSL_IMPLEMENTED_CLASS_DTLS = 5,
  QSSL_IMPLEMENTED_CLASS_DTLS_COOKIE = 6,
} QsslImplementedClass;

/**
 * QsslSupportedFeature:
 * @QSSL_SUPPORTED_FEATURE_CERTIFICATE_VERIFICATION: qssl_certificate_verify()
 * @QSSL_SUPPORTED_FEATURE_CLIENT_SIDE_ALPN: ALPN as a client
 * @QSSL_SUPPORTED_FEATURE_SERVER_SIDE_ALPN: ALPN as a server
 * @QSSL_SUPPORTED_FEATURE_OCSP: OCSP stapling
 * @QSSL_SUPPORTED_FEATURE_PSK: pre-shared keys
 * @QSSL_SUPPORTED_FEATURE_SESSION_TICKET: session tickets
 * @QSSL_SUPPORTED_FEATURE_ALERTS: the `alert-sent` and `alert-received`
 *   signals
 *
 * Optional features of a TLS backend, for
 * qssl_socket_is_feature_supported(). Mirrors `QSsl::SupportedFeature`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_SUPPORTED_FEATURE_CERTIFICATE_VERIFICATION = 0,
  QSSL_SUPPORTED_FEATURE_CLIENT_SIDE_ALPN = 1,
  QSSL_SUPPORTED_FEATURE_SERVER_SIDE_ALPN = 2,
  QSSL_SUPPORTED_FEATURE_OCSP = 3,
  QSSL_SUPPORTED_FEATURE_PSK = 4,
  QSSL_SUPPORTED_FEATURE_SESSION_TICKET = 5,
  QSSL_SUPPORTED_FEATURE_ALERTS = 6,
} QsslSupportedFeature;

/**
 * QSSL_DTLS_ERROR:
 *
 * The #GError domain of DTLS errors; codes are #QsslDtlsError values.
 *
 * Since: 1.0
 */
#define QSSL_DTLS_ERROR (qssl_dtls_error_quark ())

/**
 * QsslDtlsError:
 * @QSSL_DTLS_ERROR_NO_ERROR: no error
 * @QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS: a caller gave invalid arguments
 * @QSSL_DTLS_ERROR_INVALID_OPERATION: the operation is not allowed in the
 *   current state
 * @QSSL_DTLS_ERROR_UNDERLYING_SOCKET_ERROR: the UDP socket failed
 * @QSSL_DTLS_ERROR_REMOTE_CLOSED_CONNECTION_ERROR: the peer sent a
 *   close_notify alert
 * @QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR: the peer's identity could not be
 *   verified
 * @QSSL_DTLS_ERROR_TLS_INITIALIZATION_ERROR: the TLS context or connection
 *   could not be set up (for example, a non-DTLS protocol)
 * @QSSL_DTLS_ERROR_TLS_FATAL_ERROR: a fatal error during the handshake or
 *   while reading or writing
 * @QSSL_DTLS_ERROR_TLS_NON_FATAL_ERROR: a recoverable error (for example, a
 *   datagram that failed to decrypt and was dropped)
 *
 * DTLS errors, as returned by qssl_dtls_get_dtls_error() and as the codes of
 * the %QSSL_DTLS_ERROR #GError domain. Mirrors `QDtlsError`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_DTLS_ERROR_NO_ERROR = 0,
  QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS = 1,
  QSSL_DTLS_ERROR_INVALID_OPERATION = 2,
  QSSL_DTLS_ERROR_UNDERLYING_SOCKET_ERROR = 3,
  QSSL_DTLS_ERROR_REMOTE_CLOSED_CONNECTION_ERROR = 4,
  QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR = 5,
  QSSL_DTLS_ERROR_TLS_INITIALIZATION_ERROR = 6,
  QSSL_DTLS_ERROR_TLS_FATAL_ERROR = 7,
  QSSL_DTLS_ERROR_TLS_NON_FATAL_ERROR = 8,
} QsslDtlsError;

QSSL_AVAILABLE_IN_1_0
GQuark qssl_dtls_error_quark (void);

/**
 * QsslDtlsHandshakeState:
 * @QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED: no handshake yet, or it was
 *   aborted or shut down
 * @QSSL_DTLS_HANDSHAKE_STATE_IN_PROGRESS: the handshake is running
 * @QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED: the handshake
 *   finished but the peer could not be verified; see
 *   qssl_dtls_ignore_verification_errors() and qssl_dtls_resume_handshake()
 * @QSSL_DTLS_HANDSHAKE_STATE_COMPLETE: the connection is encrypted
 *
 * Mirrors `QDtls::HandshakeState`.
 *
 * Since: 1.0
 */
typedef enum {
  QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED = 0,
  QSSL_DTLS_HANDSHAKE_STATE_IN_PROGRESS = 1,
  QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED = 2,
  QSSL_DTLS_HANDSHAKE_STATE_COMPLETE = 3,
} QsslDtlsHandshakeState;

G_END_DECLS
