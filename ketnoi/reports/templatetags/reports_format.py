"""Showing report tables: each cell formatted by its column's unit, with the raw value kept beside it."""

from dataclasses import dataclass

from django import template

from ketnoi.reports.indicators import BY_KEY, format_value

register = template.Library()


@dataclass(frozen=True)
class Cell:
    text: str
    value: object
    numeric: bool


def _unit_of(table, row, column: int) -> str:
    unit = table.units[column]
    if unit == "mixed":  # the indicator table: each row has its indicator's unit
        indicator = next((i for i in BY_KEY.values() if str(i.label) == row[0]), None)
        return indicator.unit if indicator else "count"
    return unit


@register.filter
def display_rows(table) -> list[list[Cell]]:
    rows = []
    for row in table.rows:
        cells = []
        for column, value in enumerate(row):
            unit = _unit_of(table, row, column)
            if unit == "text":
                cells.append(Cell(str(value), value, False))
            else:
                cells.append(Cell(format_value(value, unit), value, True))
        rows.append(cells)
    return rows


@register.filter
def format_indicator(value, unit: str) -> str:
    return format_value(value, unit)
