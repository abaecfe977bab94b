"""HMAC-SHA256 signatures of the records ledgerflow publishes: topic, partition, key, value."""

import hashlib
import hmac
import secrets
import struct
from collections.abc import Sequence

HEADER = "ledgerflow-signature"
# The header's value is "v1:<key id>:<hex HMAC>". The key id names the key that signed, so that
# a new key can be brought in while records signed with the old one are still read.
SCHEME = b"v1"
MIN_KEY_LENGTH = 32
# Binds a MAC to this use: the same secret used elsewhere could not produce one of ours.
_CONTEXT = b"ledgerflow record signature v1\x00"
_KEY_ID_CONTEXT = b"ledgerflow event key id\x00"
_LENGTH = struct.Struct(">q")

Headers = Sequence[tuple[str, bytes | None]]


class SignatureInvalid(ValueError):
    """A record whose signature is missing, malformed, made with another key, or wrong."""


def generate_event_key() -> str:
    """A new key: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


class EventKey:
    """The shared key that the outbox relay signs every record with and every consumer checks."""

    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_KEY_LENGTH:
            raise ValueError(f"an event key has at least {MIN_KEY_LENGTH} characters")
        self._secret = secret.encode()
        self.id = hashlib.sha256(_KEY_ID_CONTEXT + self._secret).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"EventKey(id={self.id!r})"

    def headers(
        self, topic: str, partition: int, key: bytes | None, value: bytes | None
    ) -> list[tuple[str, bytes]]:
        """The headers that sign a record for this topic and partition with this key and value.

        The partition is signed too: a real record copied to another partition of its topic
        reaches a shard that does not own its user, which would save its own stale copy of the
        user's ledger over the owner's."""
        signature = b":".join([SCHEME, self.id.encode(), self._mac(topic, partition, key, value)])
        return [(HEADER, signature)]

    def verify(
        self,
        topic: str,
        partition: int,
        key: bytes | None,
        value: bytes | None,
        headers: Headers,
    ) -> None:
        """Raise SignatureInvalid unless the headers hold this key's signature of the record."""
        found = [header_value for name, header_value in headers if name == HEADER]
        if not found:
            raise SignatureInvalid(f"the record has no {HEADER} header")
        if len(found) > 1:
            raise SignatureInvalid(f"the record has more than one {HEADER} header")
        parts = (found[0] or b"").split(b":")
        if len(parts) != 3 or parts[0] != SCHEME:
            raise SignatureInvalid(f"the {HEADER} header is not a {SCHEME.decode()} signature")
        if not hmac.compare_digest(parts[1], self.id.encode()):
            raise SignatureInvalid("signed with an unknown key")
        if not hmac.compare_digest(parts[2], self._mac(topic, partition, key, value)):
            raise SignatureInvalid("the signature is wrong")

    def _mac(self, topic: str, partition: int, key: bytes | None, value: bytes | None) -> bytes:
        framed = [_CONTEXT]
        for field in (topic.encode(), str(partition).encode(), key, value):
            # Length-prefixed (-1 for none), so that no two different records frame alike.
            framed += (_LENGTH.pack(-1 if field is None else len(field)), field or b"")
        # One call into OpenSSL for the whole record: it is paid by every consumer per record.
        return hmac.digest(self._secret, b"".join(framed), "sha256").hex().encode()
