"""The printable report of a unit for a period (A4): every indicator with its definition, the breakdown, the
ranking and the trend, for the emulation assessment file."""

from django.utils import timezone

from .pdf import render_pdf


def report_pdf(report, *, title: str, trend_svg: str) -> bytes:
    context = {"report": report, "title": title, "tables": report.tables(), "trend_svg": trend_svg}
    context["printed_at"] = timezone.localtime()
    return render_pdf("console/documents/report.html", context)
