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
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped).strip().lower()
