"""Files people send us (petition photos, supplement documents, web chat uploads), judged by their bytes and
never by the name or the Content-Type the browser declared: `filetype` reads the signature, Pillow decodes
images and writes them anew (what a browser or a viewer could misread — trailing HTML, metadata, a polyglot —
does not survive), a PDF must parse as one. The stored name carries the real extension (a PNG sent as
"anh.jpg" becomes "anh.png"). Files are kept in private storage (core.storage) and served only by views that
check who asks."""

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .errors import ApplicationError

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
DOCUMENT_TYPES = {**IMAGE_TYPES, "application/pdf": "pdf"}
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb, not a document
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    name: str  # a safe file name with the extension of what the bytes are

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=self.name)


def read_upload(upload, *, max_bytes: int) -> bytes:
    """The bytes of a Django UploadedFile (or any file object), refusing more than max_bytes."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise too_large(max_bytes)
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_large(max_bytes)
    return content


def too_large(max_bytes: int) -> ApplicationError:
    return ApplicationError(
        _("The file is larger than %(size)s MB.") % {"size": max_bytes // (1024 * 1024)}, code="file_too_large"
    )


def safe_name(name: str, extension: str, *, fallback: str = "tep") -> str:
    """'../Ảnh CCCD.JPG' -> 'Ảnh-CCCD.png' (for a PNG): no path, no odd characters, the real extension."""
    stem = PurePath(unicodedata.normalize("NFC", str(name or "")).replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip(".-")[:80] or fallback
    return f"{stem}.{extension}"


def check_file(content: bytes, *, name: str, allowed: dict[str, str] = DOCUMENT_TYPES) -> CheckedFile:
    """What the bytes are, if it is one of `allowed`; images decoded and re-encoded. ApplicationError otherwise."""
    kind = filetype.guess(content[:SNIFF_BYTES]) if content else None
    content_type = kind.mime if kind is not None else ""
    if content_type not in allowed:
        raise ApplicationError(_("Send a photo (JPEG, PNG) or a PDF."), code="invalid_file_type")
    if content_type in IMAGE_TYPES:
        content = _reencode(content, content_type)
    else:
        _check_pdf(content)
    return CheckedFile(content=content, content_type=content_type, name=safe_name(name, allowed[content_type]))


def check_upload(upload, *, max_bytes: int, name: str = "", allowed: dict[str, str] = DOCUMENT_TYPES) -> CheckedFile:
    return check_file(
        read_upload(upload, max_bytes=max_bytes), name=name or getattr(upload, "name", ""), allowed=allowed
    )


def _reencode(content: bytes, content_type: str) -> bytes:
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ApplicationError(_("The photo is too large in pixels."), code="image_too_large")
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the orientation; the EXIF (GPS, device) is dropped
            fmt = PIL_FORMATS[content_type]
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            options = {"quality": 85, "optimize": True} if fmt in ("JPEG", "WEBP") else {"optimize": True}
            image.save(out, format=fmt, **options)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ApplicationError(_("This photo cannot be read."), code="invalid_image") from exc
    return out.getvalue()


def _check_pdf(content: bytes) -> None:
    """A PDF starts with its header (filetype checked it) and ends with an end-of-file marker near the end."""
    if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-2048:]:
        raise ApplicationError(_("This PDF cannot be read."), code="invalid_pdf")


KNOWN_EXTENSIONS = re.compile(r"\.(jpe?g|png|webp|gif|pdf|heic|bmp|tiff?|html?|svg|exe)$", re.IGNORECASE)


def display_name(typed: str, checked: CheckedFile) -> str:
    """The name officials see: what the citizen called it, with the real extension where it shows one ("anh.jpg"
    for a PNG reads "anh.png"), else the file's own safe name."""
    typed = " ".join((typed or "").split())
    if not typed:
        return checked.name[:200]
    extension = checked.name.rsplit(".", 1)[-1]
    if KNOWN_EXTENSIONS.search(typed):
        typed = KNOWN_EXTENSIONS.sub("." + extension, typed)
    return typed[:200]


STORAGE_SCHEME = "storage:"


def read_stored(reference: str, *, prefix: str, max_bytes: int) -> bytes:
    """The bytes behind 'storage:<path>' (a web chat upload already on our storage), only under `prefix`."""
    from django.core.files.storage import default_storage

    path = reference.removeprefix(STORAGE_SCHEME)
    if not reference.startswith(STORAGE_SCHEME) or not path.startswith(prefix) or ".." in path:
        raise ApplicationError(_("The file could not be downloaded."), code="media_unavailable")
    if not default_storage.exists(path):
        raise ApplicationError(_("The file could not be downloaded."), code="media_unavailable")
    if default_storage.size(path) > max_bytes:
        raise too_large(max_bytes)
    with default_storage.open(path, "rb") as handle:
        return handle.read()
