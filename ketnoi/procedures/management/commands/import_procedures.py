from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketnoi.procedures.services import procedure_import


class Command(BaseCommand):
    help = "Import procedures from a .csv, .xlsx or .json file (all rows or none; the report lists every problem)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        report = procedure_import(actor=None, file_name=file.name, content=file.read_bytes())
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"row {error.row}, {error.field}: {error.message}")
            raise CommandError(f"Nothing imported: {len(report.errors)} problem(s) in {report.rows} row(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.rows} row(s): {len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged."
            )
        )
