# The library loads through GObject introspection and every enum of the API
# carries Qt's numeric value.
import pytest
from gi.repository import GLib, Qssl

ENUMS = {
    "PeerVerifyMode": {"NONE": 0, "QUERY_PEER": 1, "VERIFY_PEER": 2, "AUTO_VERIFY_PEER": 3},
    "Mode": {"UNENCRYPTED": 0, "SSL_CLIENT": 1, "SSL_SERVER": 2},
    "Protocol": {
        "TLS_V1_0": 0, "TLS_V1_1": 1, "TLS_V1_2": 2, "ANY_PROTOCOL": 3, "SECURE_PROTOCOLS": 4,
        "TLS_V1_0_OR_LATER": 5, "TLS_V1_1_OR_LATER": 6, "TLS_V1_2_OR_LATER": 7, "DTLS_V1_0": 8,
        "DTLS_V1_0_OR_LATER": 9, "DTLS_V1_2": 10, "DTLS_V1_2_OR_LATER": 11, "TLS_V1_3": 12,
        "TLS_V1_3_OR_LATER": 13, "UNKNOWN_PROTOCOL": -1,
    },
    "ErrorCode": {
        "NO_ERROR": 0, "UNABLE_TO_GET_ISSUER_CERTIFICATE": 1,
        "UNABLE_TO_DECRYPT_CERTIFICATE_SIGNATURE": 2, "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY": 3,
        "CERTIFICATE_SIGNATURE_FAILED": 4, "CERTIFICATE_NOT_YET_VALID": 5, "CERTIFICATE_EXPIRED": 6,
        "INVALID_NOT_BEFORE_FIELD": 7, "INVALID_NOT_AFTER_FIELD": 8, "SELF_SIGNED_CERTIFICATE": 9,
        "SELF_SIGNED_CERTIFICATE_IN_CHAIN": 10, "UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE": 11,
        "UNABLE_TO_VERIFY_FIRST_CERTIFICATE": 12, "CERTIFICATE_REVOKED": 13,
        "INVALID_CA_CERTIFICATE": 14, "PATH_LENGTH_EXCEEDED": 15, "INVALID_PURPOSE": 16,
        "CERTIFICATE_UNTRUSTED": 17, "CERTIFICATE_REJECTED": 18, "SUBJECT_ISSUER_MISMATCH": 19,
        "AUTHORITY_ISSUER_SERIAL_NUMBER_MISMATCH": 20, "NO_PEER_CERTIFICATE": 21,
        "HOST_NAME_MISMATCH": 22, "NO_SSL_SUPPORT": 23, "CERTIFICATE_BLACKLISTED": 24,
        "CERTIFICATE_STATUS_UNKNOWN": 25, "OCSP_NO_RESPONSE_FOUND": 26,
        "OCSP_MALFORMED_REQUEST": 27, "OCSP_MALFORMED_RESPONSE": 28, "OCSP_INTERNAL_ERROR": 29,
        "OCSP_TRY_LATER": 30, "OCSP_SIG_REQUIRED": 31, "OCSP_UNAUTHORIZED": 32,
        "OCSP_RESPONSE_CANNOT_BE_TRUSTED": 33, "OCSP_RESPONSE_CERT_ID_UNKNOWN": 34,
        "OCSP_RESPONSE_EXPIRED": 35, "OCSP_STATUS_UNKNOWN": 36, "UNSPECIFIED_ERROR": -1,
    },
    "SocketState": {
        "UNCONNECTED": 0, "HOST_LOOKUP": 1, "CONNECTING": 2, "CONNECTED": 3, "BOUND": 4,
        "LISTENING": 5, "CLOSING": 6,
    },
    "SocketError": {
        "CONNECTION_REFUSED": 0, "REMOTE_HOST_CLOSED": 1, "HOST_NOT_FOUND": 2, "SOCKET_ACCESS": 3,
        "SOCKET_RESOURCE": 4, "SOCKET_TIMEOUT": 5, "DATAGRAM_TOO_LARGE": 6, "NETWORK": 7,
        "ADDRESS_IN_USE": 8, "SOCKET_ADDRESS_NOT_AVAILABLE": 9, "UNSUPPORTED_SOCKET_OPERATION": 10,
        "UNFINISHED_SOCKET_OPERATION": 11, "PROXY_AUTHENTICATION_REQUIRED": 12,
        "SSL_HANDSHAKE_FAILED": 13, "PROXY_CONNECTION_REFUSED": 14, "PROXY_CONNECTION_CLOSED": 15,
        "PROXY_CONNECTION_TIMEOUT": 16, "PROXY_NOT_FOUND": 17, "PROXY_PROTOCOL": 18,
        "OPERATION": 19, "SSL_INTERNAL": 20, "SSL_INVALID_USER_DATA": 21, "TEMPORARY": 22,
        "UNKNOWN_SOCKET": -1,
    },
    "NetworkLayerProtocol": {"IPV4": 0, "IPV6": 1, "ANY_IP": 2, "UNKNOWN": -1},
    "EncodingFormat": {"PEM": 0, "DER": 1},
    "KeyType": {"PRIVATE_KEY": 0, "PUBLIC_KEY": 1},
    "KeyAlgorithm": {"OPAQUE": 0, "RSA": 1, "DSA": 2, "EC": 3, "DH": 4},
    "AlternativeNameEntryType": {"EMAIL_ENTRY": 0, "DNS_ENTRY": 1, "IP_ADDRESS_ENTRY": 2},
    "SubjectInfo": {
        "ORGANIZATION": 0, "COMMON_NAME": 1, "LOCALITY_NAME": 2, "ORGANIZATIONAL_UNIT_NAME": 3,
        "COUNTRY_NAME": 4, "STATE_OR_PROVINCE_NAME": 5, "DISTINGUISHED_NAME_QUALIFIER": 6,
        "SERIAL_NUMBER": 7, "EMAIL_ADDRESS": 8,
    },
    "PatternSyntax": {"REGULAR_EXPRESSION": 0, "WILDCARD": 1, "FIXED_STRING": 2},
    "SslOptions": {
        "DISABLE_EMPTY_FRAGMENTS": 0x01, "DISABLE_SESSION_TICKETS": 0x02,
        "DISABLE_COMPRESSION": 0x04, "DISABLE_SERVER_NAME_INDICATION": 0x08,
        "DISABLE_LEGACY_RENEGOTIATION": 0x10, "DISABLE_SESSION_SHARING": 0x20,
        "DISABLE_SESSION_PERSISTENCE": 0x40, "DISABLE_SERVER_CIPHER_PREFERENCE": 0x80,
    },
    "AlertLevel": {"WARNING": 0, "FATAL": 1, "UNKNOWN": 2},
    "AlertType": {
        "CLOSE_NOTIFY": 0, "UNEXPECTED_MESSAGE": 10, "BAD_RECORD_MAC": 20, "RECORD_OVERFLOW": 22,
        "DECOMPRESSION_FAILURE": 30, "HANDSHAKE_FAILURE": 40, "NO_CERTIFICATE": 41,
        "BAD_CERTIFICATE": 42, "UNSUPPORTED_CERTIFICATE": 43, "CERTIFICATE_REVOKED": 44,
        "CERTIFICATE_EXPIRED": 45, "CERTIFICATE_UNKNOWN": 46, "ILLEGAL_PARAMETER": 47,
        "UNKNOWN_CA": 48, "ACCESS_DENIED": 49, "DECODE_ERROR": 50, "DECRYPT_ERROR": 51,
        "EXPORT_RESTRICTION": 60, "PROTOCOL_VERSION": 70, "INSUFFICIENT_SECURITY": 71,
        "INTERNAL_ERROR": 80, "INAPPROPRIATE_FALLBACK": 86, "USER_CANCELLED": 90,
        "NO_RENEGOTIATION": 100, "MISSING_EXTENSION": 109, "UNSUPPORTED_EXTENSION": 110,
        "CERTIFICATE_UNOBTAINABLE": 111, "UNRECOGNIZED_NAME": 112,
        "BAD_CERTIFICATE_STATUS_RESPONSE": 113, "BAD_CERTIFICATE_HASH_VALUE": 114,
        "UNKNOWN_PSK_IDENTITY": 115, "CERTIFICATE_REQUIRED": 116, "NO_APPLICATION_PROTOCOL": 120,
        "UNKNOWN_ALERT_MESSAGE": 255,
    },
    "PauseModes": {"NEVER": 0, "ON_SSL_ERRORS": 1},
    "NextProtocolNegotiationStatus": {"NONE": 0, "NEGOTIATED": 1, "UNSUPPORTED": 2},
    "OcspCertificateStatus": {"GOOD": 0, "REVOKED": 1, "UNKNOWN": 2},
    "OcspRevocationReason": {
        "NONE": -1, "UNSPECIFIED": 0, "KEY_COMPROMISE": 1, "CA_COMPROMISE": 2,
        "AFFILIATION_CHANGED": 3, "SUPERSEDED": 4, "CESSATION_OF_OPERATION": 5,
        "CERTIFICATE_HOLD": 6, "REMOVE_FROM_CRL": 7,
    },
}

VALUES = [(enum, name, value) for enum, members in ENUMS.items() for name, value in members.items()]


@pytest.mark.parametrize("enum,name,value", VALUES, ids=[f"{e}.{n}" for e, n, _ in VALUES])
def test_enum_value(enum, name, value):
    assert int(getattr(getattr(Qssl, enum), name)) == value


def test_supports_ssl():
    assert Qssl.Socket.supports_ssl() is True


def test_ssl_library_is_openssl_3():
    assert Qssl.Socket.ssl_library_version_string().startswith("OpenSSL 3.")
    assert Qssl.Socket.ssl_library_version_number() >> 28 == 3


def test_library_version():
    assert Qssl.get_major_version() == 1
    assert Qssl.check_version(1, 0, 0)


def test_socket_error_domain():
    assert Qssl.socket_error_quark() == GLib.quark_from_string("qssl-socket-error-quark")


def test_alpn_constants():
    assert Qssl.ALPN_HTTP_1_1 == "http/1.1"
    assert Qssl.ALPN_HTTP2 == "h2"
