"""The chat's media fetch (conversations.media) reaches only the configured media hosts on their ports, and this
site on its own port: never a database or cache port of an allowed host, nor a URL with credentials."""

import pytest

from ketnoi.conversations import media
from ketnoi.core.errors import ApplicationError


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    settings.CONVERSATION_MEDIA_HOSTS = ["zdn.vn", "zadn.vn", "cdn.example.org:8443"]


@pytest.mark.parametrize(
    "url",
    [
        "https://s120.zdn.vn/photo.jpg",
        "https://zadn.vn/a/b.png",
        "http://zdn.vn/x.jpg",
        "https://cdn.example.org:8443/f.pdf",
        "http://127.0.0.1:8000/sandbox/media/abc",
    ],
)
def test_configured_hosts_on_their_ports_are_fetched(url):
    assert media.allowed(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",  # this site's host, PostgreSQL's port
        "http://127.0.0.1:6379/",  # Redis
        "http://127.0.0.1/",  # this site's host on another port
        "https://zdn.vn:6379/x",  # an allowed host on another port
        "https://cdn.example.org/f.pdf",  # configured with its own port only
        "https://evilzdn.vn/x.jpg",
        "https://zdn.vn.evil.example/x.jpg",
        "https://user:pw@zdn.vn/x.jpg",
        "https://zdn.vn:99999/x.jpg",
        "file:///etc/passwd",
        "gopher://127.0.0.1:8000/",
        "javascript:alert(1)",
    ],
)
def test_other_hosts_and_ports_are_refused(url):
    assert not media.allowed(url)
    with pytest.raises(ApplicationError) as error:
        media.fetch(url)
    assert error.value.code == "media_host"
