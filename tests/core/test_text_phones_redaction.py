import logging

import pytest

from ketnoi.core.crypto import decrypt_json, encrypt_json
from ketnoi.core.logging import RedactFilter
from ketnoi.core.phones import InvalidPhoneNumber, display_phone, normalize_phone
from ketnoi.core.redaction import mask_id_number, mask_phone, redact_text
from ketnoi.core.text import fold, nfc


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Cấp lại Giấy khai sinh", "cap lai giay khai sinh"),
        ("ĐĂNG KÝ  kết hôn", "dang ky ket hon"),
        ("Hòa", "hoa"),
        ("Hoà", "hoa"),
        ("thuỷ", "thuy"),
        ("thủy", "thuy"),
    ],
)
def test_fold_ignores_case_diacritics_and_tone_placement(typed, stored):
    assert fold(typed) == stored


def test_nfc_composes_decomposed_input():
    decomposed = "Nguye\u0302\u0303n"
    assert nfc(decomposed) == "Nguyễn"


@pytest.mark.parametrize("raw", ["0912 345 678", "84912345678", "+84 912.345.678", "0912-345-678"])
def test_phone_numbers_normalise_to_e164(raw):
    assert normalize_phone(raw) == "+84912345678"
    assert display_phone("+84912345678") == "0912 345 678"


@pytest.mark.parametrize("raw", ["", "12345", "0912", "phone"])
def test_bad_phone_numbers_are_refused_clearly(raw):
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(raw)


def test_masks():
    assert mask_phone("+84912345678") == "091****678"
    assert mask_id_number("001203004567") == "********4567"


def test_log_records_are_redacted(caplog):
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "refresh for %s with access_token=%s id %s",
        ("0912345678", "abc.def", "001203004567"),
        None,
    )
    RedactFilter().filter(record)
    message = record.getMessage()
    assert "0912345678" not in message and "abc.def" not in message and "001203004567" not in message
    assert "091****678" in message and "********4567" in message
    assert redact_text('{"secret_key": "s3cr3t"}') == '{"secret_key": "[redacted]"}'


def test_encryption_round_trip_hides_the_value():
    token = encrypt_json({"access_token": "very-secret"})
    assert "very-secret" not in token
    assert decrypt_json(token) == {"access_token": "very-secret"}
