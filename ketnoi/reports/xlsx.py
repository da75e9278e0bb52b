"""Report tables as an XLSX workbook: one sheet per table (its slug), the title and what it covers on the first
row, the headers, then the rows with numbers as numbers, percentages and dates formatted by the column's unit.
The dashboard's export and the daily report of businesses' petitions write through it."""

import io

PERCENT_FORMAT = '0.0"%"'
DATE_FORMAT = "DD/MM/YYYY"
FORMATS = {"percent": PERCENT_FORMAT, "date": DATE_FORMAT}


def tables_xlsx(tables, *, subtitle: str) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.slug)
        sheet.append([f"{table.title} · {subtitle}"])
        sheet["A1"].font = Font(bold=True)
        sheet.append(table.headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(["" if v is None else v for v in row])
        for column, unit in enumerate(table.units, start=1):
            if unit in FORMATS:
                for (cell,) in sheet.iter_rows(min_row=3, min_col=column, max_col=column):
                    cell.number_format = FORMATS[unit]
        sheet.column_dimensions["A"].width = 34
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
