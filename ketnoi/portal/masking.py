"""What the public lookup shows of a person without the QR token: enough to recognise, not to identify."""


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' -> 'N*** V*** A**'."""
    return " ".join(word[0] + "*" * max(len(word) - 1, 2) for word in (name or "").split())
