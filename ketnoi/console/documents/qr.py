"""QR codes for printed documents, as SVG data URIs (vector: sharp at any printer resolution)."""

import segno


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    # Error correction M survives a creased or smudged receipt; the border is the 4-module quiet zone scanners need.
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=scale, border=4, omitsize=True)
