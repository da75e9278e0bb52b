"""Console routes: reports (issue 9)."""

from django.urls import path

from ketnoi.console.views import reports

urlpatterns: list = [
    path("reports/", reports.ReportDashboardView.as_view(), name="report_dashboard"),
    path(
        "reports/<uuid:unit>/export.xlsx",
        reports.ReportExportView.as_view(file_format="xlsx"),
        name="report_export_xlsx",
    ),
    path(
        "reports/<uuid:unit>/export.csv", reports.ReportExportView.as_view(file_format="csv"), name="report_export_csv"
    ),
    path("reports/<uuid:unit>/report.pdf", reports.ReportPdfView.as_view(), name="report_pdf"),
]
