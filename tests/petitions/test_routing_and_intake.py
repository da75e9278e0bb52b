"""Intake and routing: category x area rules (the most specific wins, the area's public service centre by
default), business petitioners with a checked tax code, the acknowledgement with the tracking code."""

import pytest

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import Agency
from ketnoi.petitions.codes import TRACKING_RE, normalize_tax_code
from ketnoi.petitions.routing import route
from ketnoi.petitions.services import Origin, Petitioner, routing_rule_save
from ketnoi.petitions.states import State

from .conftest import chat_person, messages_about


def test_routing_rules_most_specific_wins_and_default_is_the_area_centre(pw, make_petition):
    building = pw.categories["xay-dung"]
    roads = pw.categories["ha-tang"]
    construction_dept = Agency.objects.get(code="H90.19")
    # the province-wide category rule
    assert route(category=building, area=pw.commune_a)[0] == construction_dept
    # no rule for roads: the public service centre of the commune concerned
    assert route(category=roads, area=pw.commune_a)[0] == pw.centre_a
    assert route(category=roads, area=pw.commune_b)[0] == Agency.objects.get(code="H90.90007")
    # a rule for roads in commune B only: commune A keeps the default
    committee_b = Agency.objects.get(code="UB.90007")
    routing_rule_save(actor=None, unit=pw.province, category=roads, area=pw.commune_b, agency=committee_b)
    assert route(category=roads, area=pw.commune_b)[0] == committee_b
    assert route(category=roads, area=pw.commune_a)[0] == pw.centre_a
    # a deeper area beats the province-wide rule of the same category
    committee_a = Agency.objects.get(code="UB.90001")
    routing_rule_save(actor=None, unit=pw.province, category=building, area=pw.commune_a, agency=committee_a)
    assert route(category=building, area=pw.commune_a)[0] == committee_a
    assert route(category=building, area=pw.commune_b)[0] == construction_dept
    # a village of commune A falls under the commune's rule
    village = pw.commune_a.children.first()
    assert route(category=building, area=village)[0] == committee_a
    # a rule for any category in commune B loses to a rule naming the category
    any_b = Agency.objects.get(code="H90.100")
    routing_rule_save(actor=None, unit=pw.province, category=None, area=pw.commune_b, agency=any_b)
    assert route(category=pw.categories["y-te"], area=pw.commune_b)[0] == Agency.objects.get(code="H90.21")
    assert route(category=pw.categories["thu-tuc"], area=pw.commune_b)[0] == any_b
    # and the filed petition belongs to the chosen agency and its unit
    petition = make_petition(pw, category="xay-dung", area=pw.commune_b)
    assert petition.owner_agency == construction_dept and petition.unit == pw.province
    assert petition.events.filter(kind="routed").get().data["agency"] == "H90.19"


def test_petition_gets_a_tracking_code_deadlines_and_an_acknowledgement(pw, make_petition):
    person = chat_person(pw.commune_a)
    petition = make_petition(pw, origin=Origin(source="chat", channel_contact=person))
    assert TRACKING_RE.fullmatch(petition.tracking_code)
    assert petition.state == State.RECEIVED
    assert petition.forward_due < petition.acknowledge_due < petition.answer_due
    assert petition.petitioner_phone == "+84912000111"
    [message] = messages_about(petition)
    assert message.channel_contact == person
    assert petition.tracking_code in message.payload["text"]
    assert petition.answer_due.strftime("%d/%m/%Y") in message.payload["text"]


def test_business_petitions_need_a_valid_tax_code(pw, make_petition):
    owner = {"name": "Lê Thu Hà", "type": "business", "business_name": "Công ty TNHH Cơ khí Bình Sơn"}
    with pytest.raises(ApplicationError) as missing:
        make_petition(pw, category="doanh-nghiep", petitioner=Petitioner(**owner))
    assert missing.value.code == "tax_code_required"
    with pytest.raises(ApplicationError) as wrong:
        make_petition(pw, category="doanh-nghiep", petitioner=Petitioner(**owner, tax_code="0100109107"))
    assert wrong.value.code == "invalid_tax_code"
    petition = make_petition(pw, category="doanh-nghiep", petitioner=Petitioner(**owner, tax_code="0100 109 106"))
    assert petition.tax_code == "0100109106" and petition.is_business
    assert petition.owner_agency.code == "H90.100"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0100109106", "0100109106"), ("0301406035-001", "0301406035-001"), ("001203004567", "001203004567")],
)
def test_tax_codes_accepted(raw, expected):
    assert normalize_tax_code(raw) == expected


@pytest.mark.parametrize("raw", ["0100109105", "12345", "01001091061234", "abc0100109106"])
def test_tax_codes_refused(raw):
    with pytest.raises(ApplicationError):
        normalize_tax_code(raw)


def test_bad_input_is_refused_with_a_clear_error_and_nothing_written(pw, make_petition):
    from ketnoi.petitions.models import Petition

    with pytest.raises(ApplicationError) as empty:
        make_petition(pw, text="   ")
    assert empty.value.code == "text_required"
    with pytest.raises(ApplicationError) as phone:
        make_petition(pw, petitioner=Petitioner(name="An", phone="12345"))
    assert phone.value.code == "invalid_phone"
    assert Petition.objects.count() == 0


def test_api_client_cannot_file_about_another_unit(pw, make_petition):
    from ketnoi.api.services import api_client_create
    from ketnoi.core.errors import NotPermitted

    client, _token = api_client_create(actor=None, name="hotline A", unit=pw.commune_a)
    with pytest.raises(NotPermitted):
        make_petition(pw, area=pw.commune_b, actor=client)
