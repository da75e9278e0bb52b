"""Territory (administrative units), the agencies that serve it, their desks, and officials' memberships.

Units follow the two-level local government in force since 1 July 2025 (province -> commune/ward/special zone),
with villages and residential groups below communes. Units are never deleted: a merged or renamed unit gets a
valid_to date and successors, so old dossiers and statistics keep pointing at the unit they belonged to.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ketnoi.core.models import UUIDModel

from .roles import Role


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("Centrally-run city")
    WARD = "ward", _("Ward")
    COMMUNE = "commune", _("Commune")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    VILLAGE = "village", _("Village")
    RESIDENTIAL_GROUP = "residential_group", _("Residential group")
    DISTRICT = "district", _("District (before 1 July 2025)")


PROVINCE_KINDS = (UnitKind.PROVINCE, UnitKind.CITY)
COMMUNE_KINDS = (UnitKind.WARD, UnitKind.COMMUNE, UnitKind.SPECIAL_ZONE)


class AdministrativeUnit(UUIDModel):
    code = models.CharField(max_length=20, blank=True, help_text=_("Statistics office code where one exists."))
    kind = models.CharField(max_length=20, choices=UnitKind.choices)
    name = models.CharField(max_length=150)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False, help_text="'/<id>/<id>/' from the root.")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True, help_text=_("Last day the unit existed; empty while current."))
    successors = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="predecessors")
    source = models.CharField(max_length=200, blank=True, help_text=_("Legal document establishing the unit."))

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True) & ~Q(code=""), name="unit_code_unique_while_current"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @property
    def place_name(self) -> str:
        """The name, with its commune or ward for a village or residential group ("Tổ dân phố 1, Phường Đông Hòa"):
        group names repeat in every commune, so alone they do not say where. Load `parent` with the unit."""
        if self.kind in (UnitKind.VILLAGE, UnitKind.RESIDENTIAL_GROUP) and self.parent_id:
            return f"{self.name}, {self.parent.name}"
        return self.name


class AgencyKind(models.TextChoices):
    PROVINCIAL_SERVICE_CENTRE = "provincial_centre", _("Provincial Public Administration Service Centre")
    COMMUNE_SERVICE_CENTRE = "commune_centre", _("Commune Public Administration Service Centre")
    DEPARTMENT = "department", _("Department")
    PEOPLES_COMMITTEE = "peoples_committee", _("People's Committee")
    OTHER = "other", _("Other agency")


class Agency(UUIDModel):
    """A body that receives or decides: separate from territory since receipt and competence differ after 2025."""

    code = models.CharField(max_length=40, unique=True, help_text=_("Agency identifier used in receipt codes."))
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=80, blank=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="agencies")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    address = models.CharField(max_length=255, blank=True)
    hotline = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["unit__path", "name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Desk(UUIDModel):
    """A one-stop desk (quầy) of an agency, where dossiers are received and results returned."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="desks")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["agency__name", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="desk_code_unique_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency.short_name or self.agency.name} · {self.name}"


class Membership(UUIDModel):
    """An official's role over a unit's subtree, optionally narrowed to one agency (and its sub-agencies)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="memberships")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships")
    desk = models.ForeignKey(Desk, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "agency", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        where = self.agency or self.unit
        return f"{self.user.get_username()} · {self.get_role_display()} · {where}"
