"""`{{ link|safe_url }}`: every stored link is rendered through this filter (core.urls.safe_url), so a
javascript: or data: URL that reached the database by any path still never becomes a clickable link."""

from django import template

from ketnoi.core.urls import safe_url as _safe_url

register = template.Library()


@register.filter
def safe_url(value) -> str:
    return _safe_url(value)
