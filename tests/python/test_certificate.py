# Certificates, keys, ciphers, errors and configurations through the typelib.
import os
import subprocess

import pytest
from gi.repository import Gio, GLib, Qssl


def load(pki, name):
    data = (pki / name).read_bytes()
    return Qssl.Certificate.new_from_data(GLib.Bytes.new(data), Qssl.EncodingFormat.PEM)


def test_subject_and_names(pki):
    cert = load(pki, "server-rsa.pem")
    assert cert.get_subject_info(Qssl.SubjectInfo.COMMON_NAME) == ["localhost"]
    assert cert.get_subject_alternative_names(Qssl.AlternativeNameEntryType.IP_ADDRESS_ENTRY) == [
        "127.0.0.1", "::1"]
    assert cert.get_issuer_display_name() == "libqssl Test Intermediate CA"


def test_serial_matches_openssl(pki):
    cert = load(pki, "server-ec.pem")
    out = subprocess.run(["openssl", "x509", "-noout", "-serial", "-in", str(pki / "server-ec.pem")],
                         check=True, capture_output=True, text=True).stdout.strip()
    assert cert.get_serial_number().replace(":", "").upper().lstrip("0") == out.split("=", 1)[1].lstrip("0")


def test_list_from_path_wildcard(pki):
    found = Qssl.Certificate.list_from_path(str(pki / "server-??.pem"), Qssl.EncodingFormat.PEM,
                                            Qssl.PatternSyntax.WILDCARD)
    assert len(found) == 1
    assert found[0].get_public_key().get_algorithm() == Qssl.KeyAlgorithm.EC


def chain(pki, *names):
    return [load(pki, n) for n in names]


def test_verify_error_codes(pki):
    config = Qssl.Configuration.get_default()
    config.set_ca_certificates([load(pki, "ca.pem")])
    Qssl.Configuration.set_default(config)
    assert Qssl.Certificate.verify(chain(pki, "server-rsa.pem", "intermediate.pem"), "localhost") == []
    expired = Qssl.Certificate.verify(chain(pki, "expired.pem", "intermediate.pem"), "localhost")
    assert [e.get_error() for e in expired] == [Qssl.ErrorCode.CERTIFICATE_EXPIRED]
    wrong = Qssl.Certificate.verify(chain(pki, "wrong-host.pem", "intermediate.pem"), "localhost")
    assert [e.get_error() for e in wrong] == [Qssl.ErrorCode.HOST_NAME_MISMATCH]
    assert wrong[0].get_error_string() == \
        "The host name did not match any of the valid hosts for this certificate"


@pytest.mark.parametrize("name", ["nul-in-san", "nul-in-cn"])
def test_nul_in_name_is_not_the_shorter_name(pki, name):
    """A CA-issued certificate for "localhost\\0.evil.test" is valid, but not for "localhost"."""
    config = Qssl.Configuration.get_default()
    config.set_ca_certificates([load(pki, "ca.pem")])
    Qssl.Configuration.set_default(config)
    certs = chain(pki, f"{name}.pem", "intermediate.pem")
    assert Qssl.Certificate.verify(certs, None) == []
    errors = Qssl.Certificate.verify(certs, "localhost")
    assert [e.get_error() for e in errors] == [Qssl.ErrorCode.HOST_NAME_MISMATCH]
    assert errors[0].get_certificate().equal(certs[0])
    # The name reads as itself, never as "localhost".
    if name == "nul-in-san":
        names = certs[0].get_subject_alternative_names(Qssl.AlternativeNameEntryType.DNS_ENTRY)
    else:
        names = certs[0].get_subject_info(Qssl.SubjectInfo.COMMON_NAME)
    assert names == ["localhost\\0.evil.test"]


def test_ip_address_is_never_matched_against_the_cn(pki):
    config = Qssl.Configuration.get_default()
    config.set_ca_certificates([load(pki, "ca.pem")])
    Qssl.Configuration.set_default(config)
    errors = Qssl.Certificate.verify(chain(pki, "ip-in-cn.pem", "intermediate.pem"), "127.0.0.1")
    assert [e.get_error() for e in errors] == [Qssl.ErrorCode.HOST_NAME_MISMATCH]


def test_key_passphrase(pki):
    data = GLib.Bytes.new((pki / "server-rsa-encrypted.key").read_bytes())
    key = Qssl.Key.new_from_data(data, Qssl.KeyAlgorithm.RSA, Qssl.EncodingFormat.PEM,
                                 Qssl.KeyType.PRIVATE_KEY, "secret")
    assert key.get_length() == 2048
    with pytest.raises(GLib.Error) as info:
        Qssl.Key.new_from_data(data, Qssl.KeyAlgorithm.RSA, Qssl.EncodingFormat.PEM,
                               Qssl.KeyType.PRIVATE_KEY, "wrong")
    assert info.value.matches(Gio.tls_error_quark(), Gio.TlsError.BAD_CERTIFICATE_PASSWORD)


def test_pkcs12(pki):
    data = GLib.Bytes.new((pki / "server-rsa.p12").read_bytes())
    ok, key, cert, cas = Qssl.Certificate.import_pkcs12(data, "secret")
    assert ok
    assert cert.equal(load(pki, "server-rsa.pem"))
    assert key.get_algorithm() == Qssl.KeyAlgorithm.RSA
    assert len(cas) == 2
    with pytest.raises(GLib.Error):
        Qssl.Certificate.import_pkcs12(data, "wrong")


def test_cipher():
    cipher = Qssl.Cipher.new("TLS_AES_256_GCM_SHA384")
    assert cipher.get_protocol() == Qssl.Protocol.TLS_V1_3
    assert cipher.get_used_bits() == 256
    assert Qssl.Cipher.new("NOPE").is_null()


def test_configuration_copy_semantics():
    a = Qssl.Configuration.get_default()
    a.set_protocol(Qssl.Protocol.TLS_V1_3)
    assert Qssl.Configuration.get_default().get_protocol() == Qssl.Protocol.SECURE_PROTOCOLS
    b = a.copy()
    assert b.equal(a)
    b.set_allowed_next_protocols(["h2", "http/1.1"])
    assert b.get_allowed_next_protocols() == ["h2", "http/1.1"]
    assert not b.equal(a)
