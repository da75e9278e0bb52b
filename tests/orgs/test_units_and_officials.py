import datetime as dt

import pytest

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.models import AuditEntry
from ketnoi.orgs import selectors, services
from ketnoi.orgs.models import AdministrativeUnit, Membership, UnitKind
from ketnoi.orgs.roles import Role
from ketnoi.orgs.scoping import scope_of


def test_demo_province_is_two_level_with_groups_below_communes(world):
    assert world.province.kind == UnitKind.PROVINCE and world.province.parent is None
    communes = AdministrativeUnit.objects.filter(parent=world.province, valid_to__isnull=True)
    assert communes.count() == 5
    assert {c.kind for c in communes} == {UnitKind.WARD, UnitKind.COMMUNE, UnitKind.SPECIAL_ZONE}
    groups = AdministrativeUnit.objects.filter(parent=world.commune_a)
    assert {g.kind for g in groups} == {UnitKind.RESIDENTIAL_GROUP}
    assert all(g.path.startswith(world.commune_a.path) for g in groups)


def test_seeding_again_changes_nothing(world):
    from ketnoi.orgs.demo import seed

    counts = (AdministrativeUnit.objects.count(), Membership.objects.count(), AuditEntry.objects.count())
    seed()
    assert (AdministrativeUnit.objects.count(), Membership.objects.count(), AuditEntry.objects.count()) == counts


def test_merged_commune_keeps_its_predecessors_and_their_history(world):
    merged = world.commune_b
    former = list(merged.predecessors.order_by("code"))
    assert [u.name for u in former] == ["Xã An Phú", "Xã An Lạc"] or {u.name for u in former} == {
        "Xã An Phú",
        "Xã An Lạc",
    }
    assert all(u.valid_to == dt.date(2025, 6, 30) for u in former)
    assert merged.valid_from == dt.date(2025, 7, 1)
    # The new commune reuses a predecessor's code: allowed because the old one is no longer current.
    assert merged.code in {u.code for u in former}


def test_reorganising_moves_groups_and_keeps_old_rows(world):
    a, b = world.units["90010"], world.units["90013"]
    groups_before = set(AdministrativeUnit.objects.filter(parent__in=[a, b]).values_list("pk", flat=True))
    new = services.unit_reorganize(
        actor=world.admin,
        predecessors=[a, b],
        kind=UnitKind.COMMUNE,
        name="Xã Hòa Xanh",
        code="90010",
        effective=dt.date(2026, 1, 1),
        source="NQ demo",
    )
    a.refresh_from_db()
    assert a.valid_to == dt.date(2025, 12, 31) and a.successors.get() == new
    moved = AdministrativeUnit.objects.filter(pk__in=groups_before)
    assert all(g.parent_id == new.pk and g.path.startswith(new.path) for g in moved)
    assert AuditEntry.objects.filter(action="unit.retire", target_id=str(a.uuid)).exists()
    with pytest.raises(ApplicationError):
        services.unit_reorganize(
            actor=world.admin,
            predecessors=[a],
            kind=UnitKind.COMMUNE,
            name="x",
            code="1",
            effective=dt.date(2026, 2, 1),
            source="",
        )


def test_unit_kinds_must_nest_properly(world):
    with pytest.raises(ApplicationError):
        services.unit_create(actor=None, kind=UnitKind.RESIDENTIAL_GROUP, name="Tổ 9", parent=world.province)
    with pytest.raises(ApplicationError):
        services.unit_create(actor=None, kind=UnitKind.COMMUNE, name="Xã mồ côi")


def test_membership_covers_the_unit_subtree_only(world):
    scope = scope_of(world.unit_admin_a)
    group = AdministrativeUnit.objects.filter(parent=world.commune_a).first()
    assert scope.covers_path(group.path)
    assert not scope.covers_path(world.commune_b.path)
    assert not scope.covers_path(world.province.path)
    visible = set(selectors.unit_list(official=world.unit_admin_a).values_list("code", flat=True))
    assert "90001" in visible and "90007" not in visible and "90" not in visible


def test_agency_membership_narrows_to_that_agency(world):
    scope = scope_of(world.user("xuly.tuphap"))
    agencies = selectors.agency_list(official=world.user("xuly.tuphap"))
    assert scope.can("dossiers.process") and not scope.can("orgs.manage_officials")
    assert list(agencies.values_list("code", flat=True)) == ["H90.12"]


def test_unit_admin_creates_an_official_in_their_commune_only(world):
    user = services.official_create(
        actor=world.unit_admin_a,
        username="Moi.CanBo",
        full_name="Ngô Văn Mới",
        password="Mat-khau-2026!",
        unit=world.commune_a,
        role=Role.DESK_OFFICER,
    )
    assert user.username == "moi.canbo" and user.check_password("Mat-khau-2026!")
    entry = AuditEntry.objects.filter(action="membership.grant").latest("id")
    assert entry.actor_label == "quantri.donghoa" and entry.unit_path == world.commune_a.path
    assert entry.after["role"] == Role.DESK_OFFICER
    with pytest.raises(NotPermitted):
        services.official_create(
            actor=world.unit_admin_a,
            username="khac",
            full_name="Khác",
            password="Mat-khau-2026!",
            unit=world.commune_b,
            role=Role.DESK_OFFICER,
        )
    with pytest.raises(NotPermitted):
        services.official_create(
            actor=world.unit_admin_a,
            username="sieu",
            full_name="Siêu",
            password="Mat-khau-2026!",
            unit=world.commune_a,
            role=Role.SYSTEM_ADMIN,
        )
    assert not type(user).objects.filter(username__in=["khac", "sieu"]).exists()


def test_revoking_records_before_and_after(world):
    membership = Membership.objects.get(user=world.desk_a)
    services.membership_revoke(actor=world.unit_admin_a, membership=membership)
    entry = AuditEntry.objects.filter(action="membership.revoke").latest("id")
    assert entry.before["is_active"] is True and entry.after["is_active"] is False
    assert not scope_of(type(world.desk_a).objects.get(pk=world.desk_a.pk)).roles


def test_processing_officer_cannot_manage_officials(world):
    membership = Membership.objects.get(user=world.desk_a)
    with pytest.raises(NotPermitted):
        services.membership_revoke(actor=world.processor_a, membership=membership)
