"""Real files for upload tests, made with Pillow: uploads are judged by their bytes (ketnoi.core.uploads)."""

import io

from PIL import Image


def image_bytes(fmt: str = "PNG", size=(48, 32), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def png() -> bytes:
    return image_bytes("PNG")


def jpeg() -> bytes:
    return image_bytes("JPEG")


def pdf_bytes() -> bytes:
    """A one-page PDF (Pillow writes a real one, which Chromium's viewer opens)."""
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (240, 240, 240)).save(out, format="PDF")
    return out.getvalue()


PDF = pdf_bytes()
