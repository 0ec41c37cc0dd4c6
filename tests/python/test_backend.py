# Qt 6's backend queries and QSslCertificate::fromFile() from Python.
from gi.repository import GLib, Qssl
import pytest


def test_backend_names():
    assert Qssl.Socket.active_backend() == "openssl"
    assert Qssl.Socket.available_backends() == ["openssl"]


def test_features_are_a_list_of_enum_values():
    features = Qssl.Socket.supported_features()
    assert Qssl.SupportedFeature.PSK in features
    assert Qssl.SupportedFeature.ALERTS in features
    assert Qssl.Socket.is_feature_supported(Qssl.SupportedFeature.OCSP)


def test_classes():
    classes = Qssl.Socket.implemented_classes()
    assert Qssl.ImplementedClass.DTLS in classes
    assert Qssl.Socket.is_class_implemented(Qssl.ImplementedClass.DTLS_COOKIE)
    assert not Qssl.Socket.is_class_implemented(Qssl.ImplementedClass.DIFFIE_HELLMAN)


def test_protocols():
    protocols = Qssl.Socket.supported_protocols()
    assert Qssl.Protocol.DTLS_V1_2_OR_LATER in protocols
    assert Qssl.Protocol.UNKNOWN_PROTOCOL not in protocols
    assert Qssl.Socket.is_protocol_supported(Qssl.Protocol.TLS_V1_3)


def test_certificate_from_file(pki):
    chain = Qssl.Certificate.from_file(str(pki / "server-rsa-chain.pem"), Qssl.EncodingFormat.PEM)
    assert [c.get_subject_info(Qssl.SubjectInfo.COMMON_NAME) for c in chain] == [
        c.get_subject_info(Qssl.SubjectInfo.COMMON_NAME)
        for c in (Qssl.Certificate.list_from_data(GLib.Bytes((pki / n).read_bytes()), Qssl.EncodingFormat.PEM)[0]
                  for n in ("server-rsa.pem", "intermediate.pem"))
    ]


def test_certificate_from_missing_file_raises():
    with pytest.raises(GLib.Error) as info:
        Qssl.Certificate.from_file("/nonexistent/cert.pem", Qssl.EncodingFormat.PEM)
    assert info.value.matches(GLib.file_error_quark(), GLib.FileError.NOENT)


def test_dtls_error_domain():
    assert Qssl.DtlsError.TLS_FATAL_ERROR == 7
    assert Qssl.DtlsHandshakeState.PEER_VERIFICATION_FAILED == 2
