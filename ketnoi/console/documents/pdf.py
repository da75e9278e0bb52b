"""HTML -> PDF with WeasyPrint, offline: a URL fetcher that serves data: URIs and the local font files only."""

import logging
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# DejaVu (Debian fonts-dejavu-core) covers every Vietnamese letter and tone mark. A deployment may point
# PDF_FONT_DIR at another folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf.
DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
# WeasyPrint reports every rendering step at INFO: one receipt would fill the log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def font_dir() -> Path:
    return Path(getattr(settings, "PDF_FONT_DIR", DEFAULT_FONT_DIR))


class RemoteFetchRefused(ValueError):
    pass


class LocalOnlyFetcher(URLFetcher):
    """Refuses every URL except data: URIs and files inside the font folder, so a document never calls out."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if path.is_relative_to(font_dir().resolve()) and path.is_file():
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
        raise RemoteFetchRefused(f"Documents do not fetch {url[:80]!r}.")


def font_face_css() -> str:
    base = font_dir().resolve().as_uri()
    return (
        f'@font-face {{ font-family: "KetnoiSans"; src: url("{base}/DejaVuSans.ttf"); }}\n'
        f'@font-face {{ font-family: "KetnoiSans"; font-weight: bold; src: url("{base}/DejaVuSans-Bold.ttf"); }}\n'
    )


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_to_string(template_name, {**context, "font_face_css": font_face_css()})
    return HTML(string=html, base_url=font_dir().resolve().as_uri() + "/", url_fetcher=LocalOnlyFetcher()).write_pdf()
