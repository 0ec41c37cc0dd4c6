# QsslConfiguration, QsslCipher, QsslError, the PSK authenticator and OCSP
# responses through the typelib, as a Python program sees them.
import os
import subprocess
import sys
import textwrap

import pytest
from gi.repository import GLib, Qssl

ALL_TLS13_SUITES = ("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:"
                    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256")

# Qt's QSslConfigurationPrivate::defaultSslOptions.
QT_DEFAULT_OPTIONS = (Qssl.SslOptions.DISABLE_EMPTY_FRAGMENTS | Qssl.SslOptions.DISABLE_LEGACY_RENEGOTIATION
                      | Qssl.SslOptions.DISABLE_COMPRESSION | Qssl.SslOptions.DISABLE_SESSION_PERSISTENCE)


def load(pki, name):
    data = (pki / name).read_bytes()
    return Qssl.Certificate.new_from_data(GLib.Bytes.new(data), Qssl.EncodingFormat.PEM)


def load_key(pki, name):
    data = (pki / name).read_bytes()
    return Qssl.Key.new_from_data(GLib.Bytes.new(data), Qssl.KeyAlgorithm.OPAQUE, Qssl.EncodingFormat.PEM,
                                  Qssl.KeyType.PRIVATE_KEY, None)


def run_python(code, **env):
    """Runs @code in a fresh interpreter (a process-wide state of its own)."""
    environment = dict(os.environ, **env)
    if "QSSL_ASAN_PRELOAD" in environment:  # it loads libqssl: see conftest.py
        environment["LD_PRELOAD"] = environment["QSSL_ASAN_PRELOAD"]
        environment["ASAN_OPTIONS"] = environment.get("QSSL_PYTHON_ASAN_OPTIONS", environment.get("ASAN_OPTIONS", ""))
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environment,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def openssl_ciphers_v(*args):
    out = subprocess.run(["openssl", "ciphers", "-v", *args], check=True, capture_output=True,
                         text=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


@pytest.fixture
def restore_default():
    """Puts the process-wide default back after a test that changes it."""
    saved = Qssl.Configuration.get_default()
    yield
    Qssl.Configuration.set_default(saved)


# Defaults

def test_new_has_qt_defaults():
    c = Qssl.Configuration.new()
    assert c.is_null()
    assert c.get_protocol() == Qssl.Protocol.SECURE_PROTOCOLS
    assert c.get_peer_verify_mode() == Qssl.PeerVerifyMode.AUTO_VERIFY_PEER
    assert c.get_peer_verify_depth() == 0
    assert c.get_ssl_options() == QT_DEFAULT_OPTIONS
    assert not c.get_ocsp_stapling_enabled()
    assert not c.get_missing_certificate_is_fatal()
    assert not c.get_handshake_must_interrupt_on_error()
    assert c.get_local_certificate() is None
    assert c.get_local_certificate_chain() == []
    assert c.get_private_key() is None
    assert c.get_ca_certificates() == []
    assert c.get_elliptic_curves() == []
    assert c.get_allowed_next_protocols() == []
    assert c.get_session_ticket() is None
    assert c.get_session_ticket_lifetime_hint() == -1
    assert c.get_pre_shared_key_identity_hint() is None
    assert c.get_peer_certificate() is None
    assert c.get_peer_certificate_chain() == []
    assert c.get_session_cipher() is None
    assert c.get_session_protocol() == Qssl.Protocol.UNKNOWN_PROTOCOL
    assert c.get_ephemeral_server_key() is None
    assert c.get_next_negotiated_protocol() is None
    assert c.get_next_protocol_negotiation_status() == Qssl.NextProtocolNegotiationStatus.NONE


def test_builtin_default_trusts_system_cas():
    # In a fresh process: other tests may have replaced this one's default.
    out = run_python("""
        import gi
        gi.require_version("Qssl", "1.0")
        from gi.repository import Qssl
        d = Qssl.Configuration.get_default()
        system = Qssl.Configuration.get_system_ca_certificates()
        cas = d.get_ca_certificates()
        assert not d.is_null()
        assert d.get_protocol() == Qssl.Protocol.SECURE_PROTOCOLS
        assert len(system) > 1 and len(cas) == len(system)
        assert all(a.equal(b) for a, b in zip(cas, system))
        print(len(system))
    """)
    assert int(out) > 1


# Value semantics

def test_get_default_returns_independent_copies():
    a = Qssl.Configuration.get_default()
    b = Qssl.Configuration.get_default()
    assert a.equal(b)
    depth = b.get_peer_verify_depth()
    a.set_peer_verify_depth(depth + 3)
    assert b.get_peer_verify_depth() == depth
    assert not a.equal(b)
    assert Qssl.Configuration.get_default().equal(b)


def test_changing_a_copy_leaves_the_default(pki):
    before = Qssl.Configuration.get_default()
    copy = Qssl.Configuration.get_default()
    copy.set_protocol(Qssl.Protocol.TLS_V1_3)
    copy.add_ca_certificate(load(pki, "other-ca.pem"))
    copy.set_ssl_option(Qssl.SslOptions.DISABLE_SESSION_TICKETS, True)
    after = Qssl.Configuration.get_default()
    assert after.equal(before)
    assert not after.equal(copy)


def test_set_default_round_trip(pki, restore_default):
    c = Qssl.Configuration.new()
    c.set_ca_certificates([load(pki, "ca.pem")])
    c.set_protocol(Qssl.Protocol.TLS_V1_3_OR_LATER)
    Qssl.Configuration.set_default(c)
    back = Qssl.Configuration.get_default()
    assert back.equal(c)
    c.set_protocol(Qssl.Protocol.TLS_V1_2)
    assert Qssl.Configuration.get_default().get_protocol() == Qssl.Protocol.TLS_V1_3_OR_LATER


def test_lists_are_copies(pki):
    c = Qssl.Configuration.new()
    chain = [load(pki, "server-rsa.pem"), load(pki, "intermediate.pem")]
    c.set_local_certificate_chain(chain)
    chain.pop()
    got = c.get_local_certificate_chain()
    assert len(got) == 2
    got.clear()
    assert len(c.get_local_certificate_chain()) == 2
    assert c.get_local_certificate().equal(load(pki, "server-rsa.pem"))


# equal() and round trips

def change_cases(pki):
    return {
        "protocol": lambda c: c.set_protocol(Qssl.Protocol.TLS_V1_3),
        "peer-verify-mode": lambda c: c.set_peer_verify_mode(Qssl.PeerVerifyMode.QUERY_PEER),
        "peer-verify-depth": lambda c: c.set_peer_verify_depth(2),
        "local-certificate": lambda c: c.set_local_certificate(load(pki, "server-ec.pem")),
        "local-certificate-chain": lambda c: c.set_local_certificate_chain(
            [load(pki, "server-ec.pem"), load(pki, "intermediate.pem")]),
        "private-key": lambda c: c.set_private_key(load_key(pki, "server-ec.key")),
        "ciphers": lambda c: c.set_ciphers([Qssl.Cipher.new("TLS_AES_128_GCM_SHA256")]),
        "ciphers-from-string": lambda c: c.set_ciphers_from_string("ECDHE-ECDSA-AES128-GCM-SHA256"),
        "elliptic-curves": lambda c: c.set_elliptic_curves(["X25519"]),
        "set-ca-certificates": lambda c: c.set_ca_certificates([load(pki, "ca.pem")]),
        "add-ca-certificate": lambda c: c.add_ca_certificate(load(pki, "other-ca.pem")),
        "ssl-option-on": lambda c: c.set_ssl_option(Qssl.SslOptions.DISABLE_SERVER_NAME_INDICATION, True),
        "ssl-option-off": lambda c: c.set_ssl_option(Qssl.SslOptions.DISABLE_COMPRESSION, False),
        "session-ticket": lambda c: c.set_session_ticket(GLib.Bytes.new(b"\x30\x03\x02\x01\x01")),
        "allowed-next-protocols": lambda c: c.set_allowed_next_protocols([Qssl.ALPN_HTTP2]),
        "ocsp-stapling": lambda c: c.set_ocsp_stapling_enabled(True),
        "pre-shared-key-identity-hint": lambda c: c.set_pre_shared_key_identity_hint(GLib.Bytes.new(b"hint")),
        "missing-certificate-is-fatal": lambda c: c.set_missing_certificate_is_fatal(True),
        "handshake-must-interrupt-on-error": lambda c: c.set_handshake_must_interrupt_on_error(True),
    }


CHANGES = ["protocol", "peer-verify-mode", "peer-verify-depth", "local-certificate",
           "local-certificate-chain", "private-key", "ciphers", "ciphers-from-string", "elliptic-curves",
           "set-ca-certificates", "add-ca-certificate", "ssl-option-on", "ssl-option-off", "session-ticket",
           "allowed-next-protocols", "ocsp-stapling", "pre-shared-key-identity-hint",
           "missing-certificate-is-fatal", "handshake-must-interrupt-on-error"]


@pytest.mark.parametrize("name", CHANGES)
def test_equal_sees_the_field(pki, name):
    change = change_cases(pki)[name]
    base = Qssl.Configuration.new()
    changed = Qssl.Configuration.new()
    change(changed)
    assert not changed.equal(base)
    assert not changed.is_null()
    assert changed.copy().equal(changed)
    change(base)
    assert base.equal(changed)


def test_round_trip_scalars_and_flags():
    c = Qssl.Configuration.new()
    for protocol in (Qssl.Protocol.TLS_V1_2, Qssl.Protocol.TLS_V1_3, Qssl.Protocol.ANY_PROTOCOL,
                     Qssl.Protocol.TLS_V1_2_OR_LATER):
        c.set_protocol(protocol)
        assert c.get_protocol() == protocol
    for mode in (Qssl.PeerVerifyMode.NONE, Qssl.PeerVerifyMode.QUERY_PEER, Qssl.PeerVerifyMode.VERIFY_PEER):
        c.set_peer_verify_mode(mode)
        assert c.get_peer_verify_mode() == mode
    c.set_peer_verify_depth(9)
    assert c.get_peer_verify_depth() == 9
    for flag in ("ocsp_stapling_enabled", "missing_certificate_is_fatal", "handshake_must_interrupt_on_error"):
        getattr(c, "set_" + flag)(True)
        assert getattr(c, "get_" + flag)() is True
        getattr(c, "set_" + flag)(False)
        assert getattr(c, "get_" + flag)() is False


OPTIONS = [o for o in Qssl.SslOptions.__flags_values__.values() if o != 0]


@pytest.mark.parametrize("option", OPTIONS, ids=[o.first_value_nick for o in OPTIONS])
def test_ssl_option_toggles(option):
    c = Qssl.Configuration.new()
    was_on = c.test_ssl_option(option)
    c.set_ssl_option(option, True)
    assert c.test_ssl_option(option)
    c.set_ssl_option(option, False)
    assert not c.test_ssl_option(option)
    assert c.get_ssl_options() == QT_DEFAULT_OPTIONS & ~option
    assert was_on == bool(QT_DEFAULT_OPTIONS & option)


def test_round_trip_bytes_and_lists():
    c = Qssl.Configuration.new()
    c.set_session_ticket(GLib.Bytes.new(b"\x30\x00ticket"))
    assert c.get_session_ticket() == b"\x30\x00ticket"
    c.set_pre_shared_key_identity_hint(GLib.Bytes.new(b"Server Y"))
    assert c.get_pre_shared_key_identity_hint() == b"Server Y"
    c.set_allowed_next_protocols([Qssl.ALPN_HTTP2, Qssl.ALPN_HTTP_1_1])
    assert c.get_allowed_next_protocols() == ["h2", "http/1.1"]
    c.set_elliptic_curves(["X25519", "prime256v1"])
    assert c.get_elliptic_curves() == ["X25519", "prime256v1"]
    c.set_session_ticket(None)
    assert c.get_session_ticket() is None
    c.set_allowed_next_protocols([])
    assert c.get_allowed_next_protocols() == []


def test_local_certificate_replaces_leaf(pki):
    c = Qssl.Configuration.new()
    c.set_local_certificate_chain([load(pki, "server-rsa.pem"), load(pki, "intermediate.pem")])
    c.set_local_certificate(load(pki, "server-ec.pem"))
    chain = c.get_local_certificate_chain()
    assert [x.get_subject_display_name() for x in chain] == [
        load(pki, "server-ec.pem").get_subject_display_name(),
        load(pki, "intermediate.pem").get_subject_display_name()]
    assert chain[0].equal(load(pki, "server-ec.pem"))


def test_ca_certificates(pki):
    c = Qssl.Configuration.get_default()
    system = Qssl.Configuration.get_system_ca_certificates()
    c.add_ca_certificate(load(pki, "ca.pem"))
    assert len(c.get_ca_certificates()) == len(c.copy().get_ca_certificates())
    c.set_ca_certificates([load(pki, "ca.pem")])
    assert len(c.get_ca_certificates()) == 1
    assert len(system) > 1
    empty = Qssl.Configuration.new()
    assert empty.add_ca_certificates_from_path(str(pki / "ca-bundle.pem"), Qssl.EncodingFormat.PEM,
                                               Qssl.PatternSyntax.FIXED_STRING)
    assert len(empty.get_ca_certificates()) == 2
    assert not empty.add_ca_certificates_from_path("nonexisting/nothing.pem", Qssl.EncodingFormat.PEM,
                                                   Qssl.PatternSyntax.FIXED_STRING)


def test_ssl_cert_file_decides_the_system_cas(pki, tmp_path):
    out = run_python("""
        import gi
        gi.require_version("Qssl", "1.0")
        from gi.repository import Qssl
        print(",".join(c.get_subject_display_name() for c in Qssl.Configuration.get_system_ca_certificates()))
    """, SSL_CERT_FILE=str(pki / "ca.pem"), SSL_CERT_DIR=str(tmp_path))
    assert out.strip() == load(pki, "ca.pem").get_subject_display_name()


def test_negative_depth_is_refused():
    out = run_python("""
        import gi
        gi.require_version("Qssl", "1.0")
        from gi.repository import Qssl
        c = Qssl.Configuration.new()
        c.set_peer_verify_depth(4)
        c.set_peer_verify_depth(-1)
        print(c.get_peer_verify_depth())
    """)
    assert out.strip() == "4"


# Ciphers

def test_tls13_cipher_as_qt_reports_it():
    c = Qssl.Cipher.new("TLS_AES_128_GCM_SHA256")
    assert c.get_name() == "TLS_AES_128_GCM_SHA256"
    assert c.get_protocol() == Qssl.Protocol.TLS_V1_3
    assert c.get_protocol_string() == "TLSv1.3"
    assert (c.get_used_bits(), c.get_supported_bits()) == (128, 128)
    assert c.get_encryption_method() == "AESGCM(128)"
    assert (c.get_key_exchange_method(), c.get_authentication_method()) == ("any", "any")


def test_tls12_cipher():
    c = Qssl.Cipher.new_with_protocol("ECDHE-RSA-AES256-GCM-SHA384", Qssl.Protocol.TLS_V1_2)
    assert not c.is_null()
    assert (c.get_key_exchange_method(), c.get_authentication_method()) == ("ECDH", "RSA")
    assert c.get_encryption_method() == "AESGCM(256)"
    assert c.equal(Qssl.Cipher.new("ECDHE-RSA-AES256-GCM-SHA384"))
    assert Qssl.Cipher.new_with_protocol("ECDHE-RSA-AES256-GCM-SHA384", Qssl.Protocol.TLS_V1_3).is_null()


def test_unknown_cipher_is_null():
    c = Qssl.Cipher.new("NO-SUCH-CIPHER")
    assert c.is_null()
    assert c.get_name() == ""
    assert c.get_used_bits() == 0
    assert c.get_protocol() == Qssl.Protocol.UNKNOWN_PROTOCOL


def test_supported_ciphers_match_openssl():
    supported = Qssl.Configuration.get_supported_ciphers()
    lines = openssl_ciphers_v("-ciphersuites", ALL_TLS13_SUITES, "ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    assert [c.get_name() for c in supported] == [line[0] for line in lines]
    for cipher, line in zip(supported, lines):
        assert cipher.get_protocol_string() == line[1]
        assert "Kx=" + cipher.get_key_exchange_method() == line[2]
        assert "Au=" + cipher.get_authentication_method() == line[3]
        assert "Enc=" + cipher.get_encryption_method() == line[4]


DEFAULT_TLS12 = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                 "ECDHE-PSK-CHACHA20-POLY1305:PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384:PSK-CHACHA20-POLY1305")


def test_default_ciphers_match_openssl():
    names = subprocess.run(["openssl", "ciphers", DEFAULT_TLS12], check=True, capture_output=True, text=True).stdout
    assert [c.get_name() for c in Qssl.Configuration.new().get_ciphers()] == names.strip().split(":")


def test_ciphers_from_string():
    c = Qssl.Configuration.new()
    assert c.set_ciphers_from_string("TLS_AES_256_GCM_SHA384:ECDHE-ECDSA-AES128-GCM-SHA256")
    assert [x.get_name() for x in c.get_ciphers()] == ["TLS_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256"]
    assert [x.get_protocol() for x in c.get_ciphers()] == [Qssl.Protocol.TLS_V1_3, Qssl.Protocol.TLS_V1_2]


@pytest.mark.parametrize("string", ["garbage", "", "TLS_NOPE", "TLS_AES_128_GCM_SHA256:garbage"])
def test_ciphers_from_garbage(string):
    c = Qssl.Configuration.new()
    with pytest.raises(GLib.Error) as info:
        c.set_ciphers_from_string(string)
    assert info.value.matches(Qssl.socket_error_quark(), Qssl.SocketError.SSL_INVALID_USER_DATA)
    assert c.is_null()


def test_supported_elliptic_curves():
    curves = Qssl.Configuration.get_supported_elliptic_curves()
    assert {"prime256v1", "secp384r1", "X25519"} <= set(curves)


# Errors

def test_error_equal_and_hash(pki):
    a = Qssl.Error.new(Qssl.ErrorCode.CERTIFICATE_EXPIRED, load(pki, "expired.pem"))
    b = Qssl.Error.new(Qssl.ErrorCode.CERTIFICATE_EXPIRED, load(pki, "expired.pem"))
    assert a.equal(b) and a.hash() == b.hash()
    assert not a.equal(Qssl.Error.new(Qssl.ErrorCode.CERTIFICATE_EXPIRED, None))
    assert Qssl.Error.new(Qssl.ErrorCode.NO_PEER_CERTIFICATE, None).equal(
        Qssl.Error.new(Qssl.ErrorCode.NO_PEER_CERTIFICATE, None))
    assert a.get_certificate().equal(load(pki, "expired.pem"))
    assert a.copy().equal(a)


def test_error_strings():
    texts = {code: Qssl.Error.new(code, None).get_error_string()
             for code in Qssl.ErrorCode.__enum_values__.values()}
    assert all(texts.values())
    assert len(set(texts.values())) == len(texts)
    assert texts[Qssl.ErrorCode.CERTIFICATE_EXPIRED] == "The certificate has expired"
    assert texts[Qssl.ErrorCode.UNSPECIFIED_ERROR] == "Unknown error"


def test_error_strings_in_chinese():
    out = run_python("""
        import locale
        locale.setlocale(locale.LC_ALL, "")
        import gi
        gi.require_version("Qssl", "1.0")
        from gi.repository import Qssl
        for code in (Qssl.ErrorCode.CERTIFICATE_EXPIRED, Qssl.ErrorCode.HOST_NAME_MISMATCH,
                     Qssl.ErrorCode.SELF_SIGNED_CERTIFICATE):
            print(Qssl.Error.new(code, None).get_error_string())
    """, LC_ALL="C.UTF-8", LANGUAGE="zh_CN")
    assert out.splitlines() == ["证书已过期", "主机名与此证书的任何有效主机都不匹配", "证书是自签名的，且不受信任"]


# PSK authenticator and OCSP response

def test_psk_authenticator():
    psk = Qssl.PreSharedKeyAuthenticator.new()
    assert psk.get_identity_hint() is None
    assert psk.get_maximum_identity_length() == 0
    assert psk.get_maximum_pre_shared_key_length() == 0
    psk.set_identity(GLib.Bytes.new(b"Client X"))
    psk.props.pre_shared_key = GLib.Bytes.new(b"\x00\x01secret")
    assert psk.get_identity() == b"Client X"
    assert psk.get_pre_shared_key() == b"\x00\x01secret"
    copy = psk.copy()
    assert copy is not psk and copy.equal(psk)
    copy.set_pre_shared_key(GLib.Bytes.new(b"other"))
    assert not copy.equal(psk)
    assert psk.get_pre_shared_key() == b"\x00\x01secret"


def test_ocsp_response(pki):
    responder, subject = load(pki, "ocsp-responder.pem"), load(pki, "revoked.pem")
    a = Qssl.OcspResponse.new(Qssl.OcspCertificateStatus.REVOKED, Qssl.OcspRevocationReason.KEY_COMPROMISE,
                              responder, subject)
    b = Qssl.OcspResponse.new(Qssl.OcspCertificateStatus.REVOKED, Qssl.OcspRevocationReason.KEY_COMPROMISE,
                              load(pki, "ocsp-responder.pem"), load(pki, "revoked.pem"))
    assert a.get_certificate_status() == Qssl.OcspCertificateStatus.REVOKED
    assert a.get_revocation_reason() == Qssl.OcspRevocationReason.KEY_COMPROMISE
    assert a.get_responder().equal(responder) and a.props.subject.equal(subject)
    assert a.equal(b) and a.hash() == b.hash()
    good = Qssl.OcspResponse.new(Qssl.OcspCertificateStatus.GOOD, Qssl.OcspRevocationReason.NONE, None, subject)
    assert not a.equal(good)
    assert good.get_responder() is None
