"""Stored XSS through links (issue 14 item 4): only http(s) URLs are stored (Open311's media_url, the petitions
API, broadcasts' image and link, business policies, procedure forms, DVCQG upstreams), every stored link is
rendered through one filter that refuses other schemes, and the console and portal send a Content-Security-Policy
that runs no inline script."""

import pytest

from django.template import Context, Template
from django.urls import reverse

from ketnoi.api.dvcqg.services.accounts import dvcqg_client_create
from ketnoi.api.services import api_client_create
from ketnoi.core.errors import ApplicationError
from ketnoi.core.urls import clean_http_url, safe_url
from ketnoi.orgs.models import Agency
from ketnoi.petitions.demo_config import seed_config
from ketnoi.petitions.models import Petition, PetitionAttachment
from ketnoi.petitions.services import Attachment, Origin, Petitioner, petition_submit, policy_save

HOSTILE = [
    "javascript:alert(document.cookie)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x.jpg",
    "ftp://files.example/x.jpg",
    "https://user:pw@evil.example/",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_only_http_urls_pass_and_render(url):
    assert safe_url(url) == ""
    with pytest.raises(ApplicationError) as error:
        clean_http_url(url)
    assert error.value.code == "invalid_url"
    html = Template('{% load safe_urls %}<a href="{{ u|safe_url }}">x</a>').render(Context({"u": url}))
    assert html == '<a href="">x</a>'


def test_http_urls_and_site_paths_render():
    for url in ("https://zdn.vn/a.jpg", "http://example.vn/x?a=1&b=2", "/thu-tuc/1.004884/"):
        assert safe_url(url) == url
    assert clean_http_url(" https://example.vn/a ") == "https://example.vn/a"
    assert clean_http_url("/thu-tuc/", allow_site_path=True) == "/thu-tuc/"


@pytest.fixture
def petition_world(world):
    world.categories = seed_config()
    _client, world.token = api_client_create(actor=None, name="Tổng đài 1022", unit=world.commune_a)
    return world


def test_open311_refuses_a_javascript_media_url_and_stores_nothing(petition_world, client):
    response = client.post(
        "/api/v1/open311/v2/requests.json",
        {"service_code": "thu-tuc", "description": "Hỏi về thủ tục khai sinh", "media_url": "javascript:alert(1)"},
        HTTP_AUTHORIZATION=f"Bearer {petition_world.token}",
    )
    assert response.status_code == 400 and "is not a web address" in response.json()[0]["description"]
    assert not Petition.objects.exists() and not PetitionAttachment.objects.exists()
    native = client.post(
        "/api/v1/petitions",
        {
            "external_id": "x-1",
            "category_code": "thu-tuc",
            "area_code": "90001",
            "subject": "Hỏi",
            "text": "Hỏi về thủ tục khai sinh",
            "petitioner": {"name": "An"},
            "media_urls": ["data:text/html,<script>alert(1)</script>"],
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {petition_world.token}",
    )
    assert native.status_code in (400, 422)  # the schema or the service refuses it
    assert not Petition.objects.exists()


def test_a_hostile_url_already_stored_is_not_rendered_as_a_link(petition_world, client):
    petition = petition_submit(
        category=petition_world.categories["thu-tuc"],
        area=petition_world.commune_a,
        subject="Ảnh",
        text="Có ảnh kèm theo",
        petitioner=Petitioner(name="Trần Văn Bình"),
        origin=Origin(attachments=[Attachment(url="https://zdn.vn/anh.jpg", name="anh.jpg")]),
    )
    PetitionAttachment.objects.create(petition=petition, url="javascript:alert(document.cookie)", name="evil")
    client.force_login(petition_world.unit_admin_a)
    html = client.get(reverse("console:petition_detail", args=[petition.uuid])).content.decode()
    assert 'href="https://zdn.vn/anh.jpg"' in html
    assert "javascript:" not in html.lower() and "evil" in html


def test_broadcasts_policies_and_dvcqg_upstreams_refuse_other_schemes(petition_world):
    from ketnoi.broadcasts.services.compose import BroadcastContent, _check

    with pytest.raises(ApplicationError):
        policy_save(
            actor=petition_world.admin, unit=petition_world.province, title="Chính sách", link="javascript:alert(1)"
        )
    content = BroadcastContent(title="Tin", text="Nội dung", channels=[object()], link_url="javascript:alert(1)")
    with pytest.raises(ApplicationError) as error:
        _check(content)
    assert error.value.code == "invalid_url"
    button = BroadcastContent(
        title="Tin", text="x", channels=[object()], buttons=[{"title": "Mở", "action": "url", "value": "javascript:x"}]
    )
    with pytest.raises(ApplicationError):
        _check(button)
    with pytest.raises(ApplicationError):
        dvcqg_client_create(
            actor=None,
            name="Một cửa",
            receiving_agency=Agency.objects.get(code="H90.90001"),
            username="motcua.x",
            password="mat-khau-dai-1",
            upstream_url="javascript:alert(1)",
        )


def test_procedure_forms_accept_only_web_links():
    from ketnoi.procedures.importing import _forms

    assert _forms("Tờ khai | https://dichvucong.gov.vn/to-khai.pdf") == [
        {"name": "Tờ khai", "url": "https://dichvucong.gov.vn/to-khai.pdf"}
    ]
    for bad in ("Tờ khai | javascript:alert(1)", "Tờ khai | //evil.example/x"):
        with pytest.raises(ValueError):
            _forms(bad)


@pytest.mark.parametrize("path", ["/", "/tra-cuu/", "/phan-anh/", "/console/login/"])
def test_console_and_portal_send_a_policy_without_inline_script(world, client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())
    assert policy["script-src"] == "'self'" and "unsafe-inline" not in policy["script-src"]
    assert policy["object-src"] == "'none'" and policy["default-src"] == "'self'"
    assert "<script>" not in response.content.decode() and " onclick=" not in response.content.decode()
