"""Where uploaded files live: private storage with no public URL. Nothing under MEDIA_ROOT is served by the web
server; each kind of file is served by a view that checks who asks (the console's attachment views for scoped
officials, the portal's result download behind the citizen's token)."""

from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view that checks who asks.")
