"""Demo catalog: the procedures in data/demo_procedures.json, loaded through the same import as an uploaded file."""

from pathlib import Path

from ketnoi.core.errors import ApplicationError

from .services import procedure_import

DATA = Path(__file__).parent / "data" / "demo_procedures.json"


def seed(stdout=None) -> None:
    report = procedure_import(actor=None, file_name=DATA.name, content=DATA.read_bytes())
    if not report.ok:
        problems = "; ".join(f"row {e.row} {e.field}: {e.message}" for e in report.errors)
        raise ApplicationError(f"The demo procedure file is invalid: {problems}")
    if stdout is not None:
        stdout.write(f"Procedures: {len(report.created)} created, {len(report.updated)} updated.")
