"""FILE_STORAGE=s3: uploads go to a private bucket that every web machine reads (an S3 stand-in here: moto), with
no URL of their own (not even a signed one); the scoped console view still serves them to officials whose scope
covers the dossier and to no one else, and nothing is written to the machine's disk."""

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from django.core.files.base import ContentFile
from django.urls import reverse

from ketnoi.core.storage import PrivateS3Storage
from ketnoi.dossiers.services import dossier_attach_supplement
from tests.files import png

OPTIONS = {
    "bucket_name": "ketnoi-media",
    "region_name": "us-east-1",
    "access_key": "test-access",
    "secret_key": "test-secret",
    "location": "media",
    "addressing_style": "path",
}


@pytest.fixture
def bucket(settings, tmp_path):
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="ketnoi-media")
        settings.MEDIA_ROOT = str(tmp_path / "media")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "ketnoi.core.storage.PrivateS3Storage", "OPTIONS": OPTIONS},
        }
        yield boto3.client("s3", region_name="us-east-1")


def test_uploads_live_in_the_private_bucket_and_are_served_only_through_the_scoped_view(
    world, receive, bucket, client, tmp_path
):
    dossier = receive()
    item = dossier_attach_supplement(dossier=dossier, file=ContentFile(png(), name="anh.png"), name="Tờ khai.png")

    keys = [entry["Key"] for entry in bucket.list_objects_v2(Bucket="ketnoi-media")["Contents"]]
    assert keys == [f"media/{item.file.name}"]
    assert not Path(tmp_path / "media").exists()  # nothing on this machine's disk
    acl = bucket.get_object_acl(Bucket="ketnoi-media", Key=keys[0])
    assert all("AllUsers" not in str(grant["Grantee"]) for grant in acl["Grants"])  # not public
    with pytest.raises(ValueError, match="no public URL"):
        item.file.url  # noqa: B018
    another_machine = PrivateS3Storage(**OPTIONS)  # a second web machine's storage sees the same file
    stored = bucket.get_object(Bucket="ketnoi-media", Key=keys[0])["Body"].read()
    assert stored.startswith(b"\x89PNG") and another_machine.open(item.file.name).read() == stored

    url = reverse("console:dossier_attachment", args=[dossier.uuid, item.uuid])
    client.force_login(world.processor_a)
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == stored
    client.force_login(world.desk_b)  # another commune
    assert client.get(url).status_code == 404
