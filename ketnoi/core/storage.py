"""Where uploaded files live: private storage with no public URL. Nothing under MEDIA_ROOT (or in the bucket) is
served by the web server; each kind of file is served by a view that checks who asks (the console's attachment
views for scoped officials, the portal's result download behind the citizen's token).

FILE_STORAGE=local keeps files on this machine's disk (MEDIA_ROOT); FILE_STORAGE=s3 in a private bucket of an
S3-compatible store, so several web machines see the same files (config/settings/base.py)."""

from storages.backends.s3 import S3Storage

from django.core.files.storage import FileSystemStorage

NO_URL = "Private files have no public URL; serve them through a view that checks who asks."


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError(NO_URL)


class PrivateS3Storage(S3Storage):
    """A private bucket: objects written without a public ACL, never overwritten, and no URL handed out (not even
    a signed one), so a file reaches a browser only through a view."""

    default_acl = None
    file_overwrite = False
    querystring_auth = True

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError(NO_URL)
