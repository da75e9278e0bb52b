"""The simulated phone at /sandbox/ (work in progress)."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from .models import Upload


def media(request, key):
    upload = get_object_or_404(Upload, key=key)
    response = HttpResponse(bytes(upload.content), content_type=upload.content_type or "application/octet-stream")
    response["Content-Disposition"] = f'inline; filename="{upload.filename}"'
    return response


def _todo(request, *args, **kwargs):
    raise Http404


home = follow_link = chat = chat_messages = chat_act = fault_form = _todo
