"""`{{ amount|dong }}`: an amount of đồng with its thousands grouped by dots, as Vietnamese writes it ("32.000"),
the way the chat writes fees (conversations.flows.procedures.money)."""

from django import template

register = template.Library()


@register.filter
def dong(value) -> str:
    try:
        return f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return ""
