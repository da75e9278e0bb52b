"""The deadline reminder (scheduled job): once per open document and deadline, again when the deadline moves, never
for a processed one; and the console page of an official's own documents."""

import datetime as dt

from django.urls import reverse

from ketnoi.broadcasts.models import InternalNotice
from ketnoi.documents.services import DocumentData, documents_receive, remind_due_documents

MONDAY = dt.date(2026, 12, 7)


def receive(world, external_id, deadline, assignees=("xuly.donghoa",), done=False):
    item = DocumentData(
        external_id=external_id,
        number=f"{external_id}/UBND-VP",
        title=f"Văn bản {external_id}",
        link=f"https://qlvb.example/{external_id}",
        assignees=list(assignees),
        deadline=deadline,
        done=done,
    )
    [result] = documents_receive(unit=world.province, system="qlvb", client_label="QLVB", items=[item])
    assert result.status != "error", result.message


def reminders(user):
    return list(InternalNotice.objects.filter(user=user, key__contains=":due:").values_list("text", flat=True))


def test_an_open_document_is_reminded_once_a_working_day_before_its_deadline(world):
    receive(world, "A", MONDAY + dt.timedelta(days=1))  # due Tuesday
    receive(world, "B", MONDAY + dt.timedelta(days=4))  # due Friday: not yet
    receive(world, "C", MONDAY - dt.timedelta(days=3))  # already overdue when it arrived
    receive(world, "D", MONDAY, done=True)  # processed
    assert remind_due_documents(today=MONDAY) == 2
    assert remind_due_documents(today=MONDAY) == 0  # once
    texts = reminders(world.processor_a)
    assert any("A/UBND-VP" in t and "08/12/2026" in t for t in texts)
    assert any("C/UBND-VP" in t and t.startswith("Văn bản quá hạn") for t in texts)
    receive(world, "A", MONDAY + dt.timedelta(days=2))  # the deadline moved: reminded again for the new one
    assert remind_due_documents(today=MONDAY + dt.timedelta(days=1)) == 1
    assert remind_due_documents(today=MONDAY + dt.timedelta(days=3)) == 1  # Friday B is now a working day away


def test_the_console_lists_my_documents_nearest_deadline_first(world, client):
    receive(world, "LATER", MONDAY + dt.timedelta(days=10))
    receive(world, "SOON", MONDAY - dt.timedelta(days=1))
    receive(world, "NOT-MINE", MONDAY, assignees=("lanhdao.donghoa",))
    client.force_login(world.processor_a)
    page = client.get(reverse("console:document_list")).content.decode()
    assert page.index("SOON/UBND-VP") < page.index("LATER/UBND-VP") and "NOT-MINE" not in page
    assert 'href="https://qlvb.example/SOON"' in page and 'rel="noopener noreferrer"' in page
    home = client.get(reverse("console:home")).content.decode()
    assert 'id="home-documents"' in home and ">2<" in home
