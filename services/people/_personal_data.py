"""The citizen ID (số định danh cá nhân / CCCD) protected at field level.

The Law on Personal Data Protection (Law 91/2025/QH15) and Decree 356/2025/NĐ-CP ask for
protective measures on identifiers; this one is protected like sensitive data
(docs/personal-data.md#the-citizen-id-is-protected-like-sensitive-data). So the clear ID
never reaches the database, the logs or the audit:

- it is stored encrypted with AES-256-GCM, a fresh random nonce per value, the field name
  bound as associated data (a ciphertext copied into another column does not decrypt);
- the stored value starts with its key version (``v1:``), so that a later key can be
  introduced and old values re-encrypted without guessing which key made them;
- an exact lookup uses a keyed HMAC-SHA256 of the normalised ID (a plain hash of 12 digits
  is reversed by trying them all; without the key it cannot be);
- pages and the API only ever see the masked form (``********0111``).

One 32-byte master key (TALENTFLOW_DATA_KEY, or generated once into the instance folder)
is split with HKDF into an encryption key and a digest key, so neither use weakens the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from engine.errors import EngineError
from engine.messages import Message
from services.common import instance_files
from services.common.config import Config
from services.common.errors import InvalidInput

FIELD = "citizen_id"
FIELD_LABEL = Message("Citizen ID")
KEY_VERSION = "v1"
KEY_FILE = "data_key"
KEY_BYTES = 32
NONCE_BYTES = 12  # the size AES-GCM is specified for; random per value
VISIBLE_DIGITS = 4
# Real IDs start with a province code 001-096; 999 is no province, so the fictional people
# of the worked example (docs/example.md) use it and can never match a real person.
PROVINCE_CODES = range(1, 97)
TEST_DATA_PREFIX = "999"
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")  # ASCII only: \d also matches full-width digits
_WHITESPACE = re.compile(r"\s+")


class PersonalDataUnreadable(EngineError):
    """A stored value does not decrypt with our key: altered, or made with another key."""

    code = "personal_data_unreadable"


@dataclass(frozen=True)
class CitizenIdKeys:
    version: str
    encryption_key: bytes
    digest_key: bytes


def keys_from_master(master: bytes, version: str = KEY_VERSION) -> CitizenIdKeys:
    if len(master) != KEY_BYTES:
        raise ValueError(f"the personal data key must be {KEY_BYTES} bytes, not {len(master)}")
    return CitizenIdKeys(
        version=version,
        encryption_key=_derive(master, b"talentflow citizen_id encryption"),
        digest_key=_derive(master, b"talentflow citizen_id digest"),
    )


def load_keys(config: Config) -> CitizenIdKeys:
    """The keys from TALENTFLOW_DATA_KEY, else from the instance folder (made on first use)."""
    if config.data_key:
        return keys_from_master(_decode_master(config.data_key, "TALENTFLOW_DATA_KEY"))
    path = config.instance_dir / KEY_FILE
    text = instance_files.secret(
        path,
        lambda: base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii"),
        "restore the key from its backup (a new key cannot read old IDs)",
    )
    return keys_from_master(_decode_master(text, str(path)))


def normalize_citizen_id(raw: str) -> str:
    """The 12 digits as typed without spaces; refused with the reason when not a valid ID.

    The value itself is never put into the message: messages end up in logs."""
    value = _twelve_digits(raw)
    prefix = value[:3]
    if prefix != TEST_DATA_PREFIX and int(prefix) not in PROVINCE_CODES:
        raise InvalidInput(
            FIELD,
            Message("%(label)s must start with a province or city code from 001 to 096.", label=FIELD_LABEL),
        )
    return value


def encrypt_citizen_id(keys: CitizenIdKeys, citizen_id: str) -> str:
    clear = normalize_citizen_id(citizen_id)
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keys.encryption_key).encrypt(nonce, clear.encode("ascii"), _associated_data(keys.version))
    return f"{keys.version}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def decrypt_citizen_id(keys: CitizenIdKeys, stored: str) -> str:
    version, _, payload = stored.partition(":")
    if version != keys.version:
        raise PersonalDataUnreadable(
            f"a citizen ID is encrypted with key version {version!r}, the configured key is {keys.version!r}"
        )
    try:
        sealed = base64.urlsafe_b64decode(payload.encode("ascii"))
        clear = AESGCM(keys.encryption_key).decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _associated_data(version)
        )
    except (InvalidTag, binascii.Error, ValueError):
        raise PersonalDataUnreadable(
            "a stored citizen ID failed its integrity check (altered, or encrypted with another key)"
        ) from None
    return clear.decode("ascii")


def citizen_id_digest(keys: CitizenIdKeys, citizen_id: str) -> str:
    """The lookup key of an ID: equal IDs (spaces aside) give equal digests."""
    return _keyed_digest(keys, normalize_citizen_id(citizen_id))


def search_digest(keys: CitizenIdKeys, typed: str) -> str:
    """The lookup key of twelve typed digits, a possible ID or not. Only valid IDs are
    stored, so an impossible one matches nobody, exactly as an unknown one does: a search
    must not answer differently and so tell which digits could be an ID."""
    return _keyed_digest(keys, _twelve_digits(typed))


def mask_citizen_id(citizen_id: str) -> str:
    """All but the last four digits hidden, the only form shown on pages and in the API."""
    return "*" * (len(citizen_id) - VISIBLE_DIGITS) + citizen_id[-VISIBLE_DIGITS:]


def _twelve_digits(raw: str) -> str:
    value = _WHITESPACE.sub("", raw or "")
    if not _TWELVE_DIGITS.fullmatch(value):
        raise InvalidInput(FIELD, Message("%(label)s must have exactly 12 digits.", label=FIELD_LABEL))
    return value


def _keyed_digest(keys: CitizenIdKeys, digits: str) -> str:
    return hmac.new(keys.digest_key, digits.encode("ascii"), hashlib.sha256).hexdigest()


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(master)


def _associated_data(version: str) -> bytes:
    return f"{FIELD}:{version}".encode("ascii")


def _decode_master(text: str, source: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raise ValueError(f"{source} must hold a base64-encoded {KEY_BYTES}-byte key") from None
