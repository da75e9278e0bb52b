"""Console routes: reports (issue 9)."""

from django.urls import path

from ketnoi.console.views import reports
from ketnoi.console.views.reports import digest

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
    # Thai Binh's daily report of businesses' petitions (issue 15)
    path("reports/business-digest/", digest.BusinessDigestView.as_view(), name="business_digest"),
    path(
        "reports/business-digest/export.xlsx",
        digest.BusinessDigestExportView.as_view(file_format="xlsx"),
        name="business_digest_xlsx",
    ),
    path(
        "reports/business-digest/report.pdf",
        digest.BusinessDigestExportView.as_view(file_format="pdf"),
        name="business_digest_pdf",
    ),
]
