"""Reports in the console: the dashboard (indicators with their definitions, trend, ranking, drill-down table),
its exports (XLSX of every table, CSV per table) and the printable PDF per unit and period.

Everything is read through ketnoi.reports.selectors, from the daily tables, within the official's scope: a unit,
agency, desk or official outside it is a 404."""

from django.http import Http404, HttpResponse
from django.utils.http import urlencode

from ketnoi.reports.indicators import BY_KEY, GROUPS, INDICATORS
from ketnoi.reports.selectors import build_tables, parse_period, report_build, report_slice, units_for_filter

from ...documents.report import report_pdf
from ..base import ConsoleView
from .charts import ranking_svg, trend_svg
from .exports import file_stem, report_title, report_xlsx, table_csv

CAPABILITY = "reports.view"
PERIOD_PARAMS = ("year", "quarter", "month", "start", "end")


def _trend_chart(report):
    series = [("received", str(BY_KEY["received"].label)), ("resolved", str(BY_KEY["resolved"].label))]
    return trend_svg(report.trend, series)


class ReportMixin:
    def report(self, params):
        where = report_slice(official=self.request.user, params=params)
        period = parse_period(params)
        return report_build(official=self.request.user, period=period, where=where)

    def period_query(self) -> dict[str, str]:
        return {k: self.request.GET[k] for k in PERIOD_PARAMS if self.request.GET.get(k)}


class ReportDashboardView(ReportMixin, ConsoleView):
    template_name = "console/reports/dashboard.html"
    capability = CAPABILITY
    nav_key = "reports"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.report(self.request.GET)
        period_query = self.period_query()
        values = report.totals["values"]
        groups = [
            (label, [(i, values[i.key]) for i in INDICATORS if i.group == key])
            for key, label in GROUPS
            if key != "channels" or report.channels_shown
        ]
        tables = build_tables(report)
        for table in tables:
            table.csv_url = "?" + urlencode({**period_query, **self._slice_query(report), "table": table.slug})
        context.update(
            report=report,
            title=report_title(report),
            groups=groups,
            tables={t.slug: t for t in tables},
            trend_chart=_trend_chart(report),
            ranking_chart=ranking_svg([(r.label, r.values["on_time_rate"]) for r in report.ranking]),
            units=units_for_filter(official=self.request.user),
            period=report.period,
            params=self.request.GET,
            quarters=["1", "2", "3", "4"],
            months=[str(m) for m in range(1, 13)],
            years=list(range(report.period.end.year - 4, report.period.end.year + 2)),
            drill_rows=[
                (row, "?" + urlencode({**period_query, **row.drill}) if row.drill else "") for row in report.rows
            ],
            export_query="?" + urlencode({**period_query, **self._slice_query(report)}),
            breadcrumbs=self._breadcrumbs(report, period_query),
        )
        return context

    @staticmethod
    def _slice_query(report) -> dict[str, str]:
        params = report.where.params()
        params.pop("unit")
        return params

    @staticmethod
    def _breadcrumbs(report, period_query):
        where, crumbs, params = report.where, [], {"unit": str(report.where.unit.uuid)}
        crumbs.append((where.unit.name, "?" + urlencode({**period_query, **params})))
        for name in ("agency", "desk"):
            member = getattr(where, name)
            if member is not None:
                params[name] = str(member.uuid)
                label = member.short_name or member.name if name == "agency" else member.name
                crumbs.append((label, "?" + urlencode({**period_query, **params})))
        if where.official is not None:
            crumbs.append((where.official.get_full_name() or where.official.get_username(), ""))
        return crumbs


class ReportExportView(ReportMixin, ConsoleView):
    """GET reports/<unit>/export.xlsx (every table) or export.csv?table=<slug> (one table)."""

    capability = CAPABILITY
    file_format = "xlsx"

    def get(self, request, unit):
        report = self.report({**request.GET.dict(), "unit": str(unit)})
        if self.file_format == "xlsx":
            response = HttpResponse(
                report_xlsx(report), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            name = f"{file_stem(report)}.xlsx"
        else:
            tables = {t.slug: t for t in report.tables()}
            table = tables.get(request.GET.get("table", "breakdown"))
            if table is None:
                raise Http404
            response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
            name = f"{file_stem(report)}-{table.slug}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


class ReportPdfView(ReportMixin, ConsoleView):
    capability = CAPABILITY

    def get(self, request, unit):
        report = self.report({**request.GET.dict(), "unit": str(unit)})
        content = report_pdf(report, title=report_title(report), trend_svg=_trend_chart(report))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{file_stem(report)}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


__all__ = ["ReportDashboardView", "ReportExportView", "ReportPdfView"]
