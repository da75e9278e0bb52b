"""The demo feed: seed_demo's documents for the demo officials (idempotent), and `document_feed_demo` posting one
more over HTTP with the demo system's token."""

import io

from django.core.management import call_command

from ketnoi.api.demo_documents import seed
from ketnoi.broadcasts.models import InternalNotice
from ketnoi.documents.models import Assignment, Document


def test_the_demo_documents_are_seeded_once(world):
    out = io.StringIO()
    seed(stdout=out)
    seed()
    assert Document.objects.count() == 4 and "document_feed_demo" in out.getvalue()
    assert Assignment.objects.filter(official=world.processor_a).count() == 3
    assert InternalNotice.objects.filter(user=world.leader_a, key__contains=":assigned:").count() == 2


def test_the_feed_posts_a_document_over_http(transactional_world, live_server, settings):
    settings.DEBUG = True
    seed()
    out = io.StringIO()
    call_command("document_feed_demo", url=live_server.url, stdout=out)
    assert out.getvalue().startswith("200 ") and '"created"' in out.getvalue()
    newest = Document.objects.latest("id")
    assert newest.external_id.startswith("QLVB-FEED-")
    assert newest.assignments.get().official == transactional_world.processor_a
