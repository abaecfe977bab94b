"""TLS and SASL settings for a real broker, as every Kafka client receives them (no server)."""

import pickle
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from adapters import kafka
from adapters.config import Misconfigured, Settings

BOOTSTRAP = "kafka-1.example.net:9093,kafka-2.example.net:9093"


def _settings(**fields: Any) -> Settings:
    return Settings(kafka_bootstrap=BOOTSTRAP, **fields)


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_the_embedded_default_is_plaintext_with_nothing_else() -> None:
    assert kafka.client_options(_settings()) == {
        "bootstrap_servers": BOOTSTRAP,
        "security_protocol": "PLAINTEXT",
    }


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_over_tls_trusts_the_given_ca_and_logs_in(tmp_path: Path, mechanism: str) -> None:
    ca, _ = _certificate(tmp_path, "ledgerflow-test-ca")
    options = kafka.client_options(
        _settings(
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_mechanism=mechanism,
            kafka_sasl_username="ledgerflow",
            kafka_sasl_password="s3cret",
            kafka_ssl_cafile=ca,
        )
    )
    context = options.pop("ssl_context")
    assert options == {
        "bootstrap_servers": BOOTSTRAP,
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": mechanism,
        "sasl_plain_username": "ledgerflow",
        "sasl_plain_password": "s3cret",
    }
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    [trusted] = context.get_ca_certs()
    assert dict(part[0] for part in trusted["subject"])["commonName"] == "ledgerflow-test-ca"


def test_sasl_without_tls_sends_no_tls_context() -> None:
    options = kafka.client_options(
        _settings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_username="ledgerflow",
            kafka_sasl_password="s3cret",
        )
    )
    assert "ssl_context" not in options and options["sasl_mechanism"] == "PLAIN"


def test_tls_alone_with_a_client_certificate_and_the_systems_cas(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path, "ledgerflow-client")
    settings = _settings(
        kafka_security_protocol="SSL", kafka_ssl_certfile=cert, kafka_ssl_keyfile=key
    )
    options = kafka.client_options(settings)
    assert options["security_protocol"] == "SSL" and "sasl_mechanism" not in options
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED


async def test_the_producer_and_the_consumer_are_built_with_the_same_options(
    tmp_path: Path,
) -> None:
    ca, _ = _certificate(tmp_path, "ledgerflow-test-ca")
    settings = _settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="ledgerflow",
        kafka_sasl_password="s3cret",
        kafka_ssl_cafile=ca,
    )
    # aiokafka checks the combination when a client is made; nothing connects until start().
    for client in (kafka.producer(settings).client, kafka.consumer(settings)._client):
        assert client._bootstrap_servers == BOOTSTRAP
        assert (client._security_protocol, client._sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
        assert client._sasl_plain_username == "ledgerflow"
        assert client._ssl_context.get_ca_certs()


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "needs KAFKA_SASL_USERNAME"),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "ledgerflow"},
            "KAFKA_SASL_PASSWORD",
        ),
        ({"kafka_sasl_username": "u", "kafka_sasl_password": "p"}, "SASL_SSL"),
        ({"kafka_ssl_cafile": "/etc/ssl/ca.pem"}, "KAFKA_SSL_\\* files need"),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_keyfile": "/etc/ssl/client.key"},
            "KAFKA_SSL_KEYFILE needs KAFKA_SSL_CERTFILE",
        ),
        ({"kafka_security_protocol": "SASL_TLS"}, "kafka_security_protocol"),
        ({"kafka_sasl_mechanism": "GSSAPI"}, "kafka_sasl_mechanism"),
    ],
)
def test_half_configured_security_is_refused(fields: dict[str, str], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        _settings(**fields)


def test_a_secure_protocol_without_a_configured_broker_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs KAFKA_BOOTSTRAP"):
        Settings(kafka_bootstrap=None, kafka_security_protocol="SSL")


def test_the_sasl_password_never_shows_in_the_settings_repr() -> None:
    settings = _settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="ledgerflow",
        kafka_sasl_password="s3cret-password",
    )
    assert "s3cret-password" not in repr(settings)


def test_the_settings_are_read_from_the_documented_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, _ = _certificate(tmp_path, "ledgerflow-test-ca")
    for variable, value in {
        "KAFKA_BOOTSTRAP": BOOTSTRAP,
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
        "KAFKA_SASL_USERNAME": "ledgerflow",
        "KAFKA_SASL_PASSWORD": "s3cret",
        "KAFKA_SSL_CAFILE": str(ca),
    }.items():
        monkeypatch.setenv(variable, value)
    options = kafka.client_options(Settings())
    assert (options["security_protocol"], options["sasl_mechanism"]) == (
        "SASL_SSL",
        "SCRAM-SHA-256",
    )
    assert options["sasl_plain_password"] == "s3cret" and options["ssl_context"].get_ca_certs()


def test_the_files_read_where_up_runs_reach_a_node_without_them(tmp_path: Path) -> None:
    """`up` reads the files; the settings it hands an actor (pickled, as Ray does) carry them to
    a node that has no copy: here, the files are gone before the actor's client is built."""
    ca, _ = _certificate(tmp_path, "ledgerflow-test-ca")
    cert, key = _certificate(tmp_path, "ledgerflow-client")
    settings = _settings(
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=ca,
        kafka_ssl_certfile=cert,
        kafka_ssl_keyfile=key,
    ).with_files_read()
    for path in (ca, cert, key):
        path.unlink()
    on_another_node = pickle.loads(pickle.dumps(settings.model_copy(update={"event_key": None})))
    assert "BEGIN PRIVATE KEY" not in repr(on_another_node.kafka_ssl_pems)
    context = kafka.client_options(on_another_node)["ssl_context"]
    [trusted] = context.get_ca_certs()
    assert dict(part[0] for part in trusted["subject"])["commonName"] == "ledgerflow-test-ca"


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "ca.pem"
    settings = _settings(kafka_security_protocol="SSL", kafka_ssl_cafile=missing)
    with pytest.raises(Misconfigured, match=f"KAFKA_SSL_CAFILE={missing} cannot be read: No such"):
        settings.with_files_read()
