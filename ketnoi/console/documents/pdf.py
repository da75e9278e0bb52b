"""HTML -> PDF with WeasyPrint, offline: a URL fetcher that serves data: URIs and the local font files only.

WeasyPrint is imported on first use: it is heavy, and only the PDF views need it.
"""

import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

# DejaVu (Debian fonts-dejavu-core) covers every Vietnamese letter and tone mark. A deployment may point
# PDF_FONT_DIR at another folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf.
DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"


def font_dir() -> Path:
    return Path(getattr(settings, "PDF_FONT_DIR", DEFAULT_FONT_DIR))


class RemoteFetchRefused(ValueError):
    pass


def check_local_url(url: str) -> Path | None:
    """None for a data: URI; the path of a font file inside the font folder; anything else is refused."""
    if url.startswith("data:"):
        return None
    if url.startswith("file:"):
        path = Path(url.removeprefix("file://").split("?")[0]).resolve()
        if path.is_relative_to(font_dir().resolve()) and path.is_file():
            return path
    raise RemoteFetchRefused(f"Documents do not fetch {url[:80]!r}.")


@cache
def _fetcher_class():
    # WeasyPrint reports every rendering step at INFO: one receipt would fill the log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):
        """Refuses every URL except data: URIs and files inside the font folder, so a document never calls out."""

        def fetch(self, url, headers=None):
            path = check_local_url(url)
            if path is None:
                return super().fetch(url, headers)
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})

    return LocalOnlyFetcher


def local_only_fetcher():
    return _fetcher_class()()


def font_face_css() -> str:
    base = font_dir().resolve().as_uri()
    return (
        f'@font-face {{ font-family: "KetnoiSans"; src: url("{base}/DejaVuSans.ttf"); }}\n'
        f'@font-face {{ font-family: "KetnoiSans"; font-weight: bold; src: url("{base}/DejaVuSans-Bold.ttf"); }}\n'
    )


def render_pdf(template_name: str, context: dict) -> bytes:
    fetcher = local_only_fetcher()
    from weasyprint import HTML

    html = render_to_string(template_name, {**context, "font_face_css": font_face_css()})
    return HTML(string=html, base_url=font_dir().resolve().as_uri() + "/", url_fetcher=fetcher).write_pdf()
