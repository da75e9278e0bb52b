"""Vietnamese text: NFC at the boundary, and a folded key for search that ignores case, diacritics and tone placement."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def fold(text: str) -> str:
    """'Cấp lại Giấy khai sinh, Hoà/Hòa, Đức' -> 'cap lai giay khai sinh, hoa/hoa, duc'.

    Removing every combining mark also removes the difference between 'hoà' and 'hòa' (tone placement).
    đ/Đ have no decomposition and are mapped by hand.
    """
    stripped = unicodedata.normalize("NFD", text or "").translate(_VIETNAMESE_MARKS)
    if not stripped.isascii():  # marks of other scripts: the general (slower) way
        stripped = "".join(ch for ch in stripped if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


# The combining diacritical marks block (every Vietnamese tone and vowel mark after NFD), and đ/Đ.
_VIETNAMESE_MARKS = {**dict.fromkeys(range(0x300, 0x370)), ord("đ"): "d", ord("Đ"): "D"}
