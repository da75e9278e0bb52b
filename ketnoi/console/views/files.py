"""Files citizens sent (petition photos, supplement documents), served to the officials who may see their petition
or dossier, and to no one else: the storage has no public URL (core.storage). Shown inline (the dossier page
previews them in a frame of this site), typed as their bytes were found to be, never sniffed by the browser."""

from django.http import FileResponse, Http404
from django.utils.decorators import method_decorator
from django.views.decorators.clickjacking import xframe_options_sameorigin

from ketnoi.core.uploads import DOCUMENT_TYPES
from ketnoi.dossiers.selectors import dossier_attachment_get
from ketnoi.petitions.selectors import petition_attachment_get

from .base import ConsoleView


def private_file_response(field_file, *, content_type: str, name: str) -> FileResponse:
    if not field_file or content_type not in DOCUMENT_TYPES:  # only what core.uploads checked is shown inline
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, as_attachment=False, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@method_decorator(xframe_options_sameorigin, name="dispatch")
class DossierAttachmentView(ConsoleView):
    capability = "dossiers.view"

    def get(self, request, uuid, attachment):
        item = dossier_attachment_get(official=request.user, dossier_uuid=uuid, uuid=attachment)
        return private_file_response(item.file, content_type=item.content_type, name=item.name)


@method_decorator(xframe_options_sameorigin, name="dispatch")
class PetitionAttachmentView(ConsoleView):
    capability = "petitions.view"

    def get(self, request, uuid, attachment):
        item = petition_attachment_get(official=request.user, petition_uuid=uuid, uuid=attachment)
        return private_file_response(item.file, content_type=item.content_type, name=item.name)
