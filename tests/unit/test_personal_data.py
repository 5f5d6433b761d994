"""The citizen ID protected at field level (docs/personal-data.md): encryption, digest,
masking, validation and the key, without a database. The talent database's people:
tests/integration/people/test_personal_data_in_the_database.py.

Citizen IDs here use the invalid province prefix 999
(docs/personal-data.md#test-data-uses-fictional-ids): they cannot be anyone's.
"""

from __future__ import annotations

import base64
import os
import stat

import pytest
from factories.words import in_vietnamese

from services.common.config import Config
from services.common.errors import InvalidInput
from services.people import load_keys
from services.people._personal_data import (
    PersonalDataUnreadable,
    citizen_id_digest,
    decrypt_citizen_id,
    encrypt_citizen_id,
    keys_from_master,
    mask_citizen_id,
    normalize_citizen_id,
)

KHOA_ID = "999202000111"  # Trần Minh Khoa in docs/example.md
HA_ID = "999193000222"


def fresh_keys():
    return keys_from_master(os.urandom(32))


# --- encryption, digest, masking, validation ----------------------------------------------------------


def test_an_encrypted_id_decrypts_to_itself():
    keys = fresh_keys()
    stored = encrypt_citizen_id(keys, KHOA_ID)
    assert stored.startswith("v1:")
    assert KHOA_ID not in stored
    assert decrypt_citizen_id(keys, stored) == KHOA_ID


def test_two_encryptions_of_one_id_differ():
    keys = fresh_keys()
    assert encrypt_citizen_id(keys, KHOA_ID) != encrypt_citizen_id(keys, KHOA_ID)


def _flip_one_byte(stored: str, index: int) -> str:
    version, payload = stored.split(":")
    sealed = bytearray(base64.urlsafe_b64decode(payload))
    sealed[index] ^= 0x01
    return f"{version}:{base64.urlsafe_b64encode(bytes(sealed)).decode()}"


@pytest.mark.parametrize("where", [0, 14, -1], ids=["nonce", "ciphertext", "tag"])
def test_an_altered_value_is_refused(where):
    keys = fresh_keys()
    with pytest.raises(PersonalDataUnreadable):
        decrypt_citizen_id(keys, _flip_one_byte(encrypt_citizen_id(keys, KHOA_ID), where))


def test_a_value_from_another_key_or_key_version_is_refused():
    keys = fresh_keys()
    stored = encrypt_citizen_id(keys, KHOA_ID)
    with pytest.raises(PersonalDataUnreadable):
        decrypt_citizen_id(fresh_keys(), stored)
    with pytest.raises(PersonalDataUnreadable, match="key version"):
        decrypt_citizen_id(keys, "v2:" + stored.split(":", 1)[1])


def test_the_digest_is_keyed_and_ignores_spacing():
    keys = fresh_keys()
    assert citizen_id_digest(keys, KHOA_ID) == citizen_id_digest(keys, " 999 202 000 111 ")
    assert citizen_id_digest(keys, KHOA_ID) != citizen_id_digest(keys, HA_ID)
    assert citizen_id_digest(keys, KHOA_ID) != citizen_id_digest(fresh_keys(), KHOA_ID)


def test_masking_shows_the_last_four_digits_only():
    assert mask_citizen_id("999202000111") == "********0111"


@pytest.mark.parametrize("good", ["001202000111", "096202000111", "999202000111", "079 093 000 222"])
def test_province_prefixes_and_the_test_prefix_are_accepted(good):
    assert normalize_citizen_id(good) == good.replace(" ", "")


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("", "12 chữ số"),
        ("99920200011", "12 chữ số"),
        ("9992020001111", "12 chữ số"),
        ("99920200011a", "12 chữ số"),
        ("999-202-000-111", "12 chữ số"),
        ("９９９２０２０００１１１", "12 chữ số"),
        ("000202000111", "mã tỉnh"),
        ("097202000111", "mã tỉnh"),
        ("500202000111", "mã tỉnh"),
        ("998202000111", "mã tỉnh"),
    ],
)
def test_bad_ids_are_refused_with_a_vietnamese_message_naming_the_field(bad, reason):
    with pytest.raises(InvalidInput) as refused:
        normalize_citizen_id(bad)
    assert refused.value.field == "citizen_id"
    said = in_vietnamese(refused.value.message)
    assert "Số định danh cá nhân" in said and reason in said
    assert not bad or bad not in refused.value.message  # the value itself never goes into messages/logs


# --- the key ------------------------------------------------------------------------------------------


def test_the_key_is_generated_once_into_the_instance_folder_owner_only(tmp_path):
    config = Config(database_url="sqlite://", bpmn_dir=tmp_path, instance_dir=tmp_path / "instance")
    stored = encrypt_citizen_id(load_keys(config), KHOA_ID)
    key_file = tmp_path / "instance" / "data_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert decrypt_citizen_id(load_keys(config), stored) == KHOA_ID  # the same key on the next start


def test_the_key_from_the_environment_is_used(tmp_path):
    master = base64.b64encode(os.urandom(32)).decode()
    config = Config.from_env({"TALENTFLOW_DATA_KEY": master, "TALENTFLOW_INSTANCE_DIR": str(tmp_path)})
    stored = encrypt_citizen_id(load_keys(config), KHOA_ID)
    assert not (tmp_path / "data_key").exists()
    assert decrypt_citizen_id(keys_from_master(base64.b64decode(master)), stored) == KHOA_ID
    with pytest.raises(ValueError, match="32-byte"):
        load_keys(Config.from_env({"TALENTFLOW_DATA_KEY": "not base64!"}))
