"""Development only: post one new document to this site's /api/v1/documents as the demo document-management system
would (over HTTP, with its token), assigned to the demo processing officer of Phường Đông Hòa."""

import httpx

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ketnoi.api.demo_documents import DMS_LINK, DMS_TOKEN, demo_client


class Command(BaseCommand):
    help = "Post one new demo document to /api/v1/documents (the demo document-management system's feed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default=settings.PUBLIC_BASE_URL, help="The running site (default: PUBLIC_BASE_URL)."
        )
        parser.add_argument("--assignee", default="xuly.donghoa")

    def handle(self, *args, url, assignee, **options):
        if not settings.DEBUG and not getattr(settings, "SANDBOX_ALLOW_SETUP", False):
            raise CommandError("document_feed_demo is for development (DEBUG=True) only.")
        if demo_client() is None:
            raise CommandError("No demo province: run `manage.py seed_demo` first.")
        now = timezone.localtime()
        external_id = f"QLVB-FEED-{now:%Y%m%d%H%M%S}"
        document = {
            "external_id": external_id,
            "number": f"{now:%H%M}/UBND-VP",
            "title": f"V/v xử lý kiến nghị của cử tri (gửi lúc {now:%H:%M %d/%m/%Y})",
            "deadline": (now + timezone.timedelta(days=3)).date().isoformat(),
            "link": DMS_LINK + external_id,
            "assignees": [assignee],
        }
        response = httpx.post(
            f"{url.rstrip('/')}/api/v1/documents",
            json={"documents": [document]},
            headers={"Authorization": f"Bearer {DMS_TOKEN}"},
            timeout=30,
        )
        self.stdout.write(f"{response.status_code} {response.text}")
