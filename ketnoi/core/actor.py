"""Who is acting on a service: an official, an API client or the system.

Services take `actor` as an `Actor`, a User or None and call `as_actor()` once; this module is the only place that
tells those apart, so no service probes attributes to guess who is calling. The actor's scope (the units and
agencies it may act on) is `ketnoi.orgs.scoping.scope_of(actor)`: core sits below orgs, so it is computed there.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser


class ActorKind(StrEnum):
    OFFICIAL = "official"
    API_CLIENT = "api_client"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str  # for histories and audit rows: the official's name, the client's name, or what the system job is
    user: Any = None  # the official's User: the only value for `*_by` columns and the audit row's actor
    client: Any = None  # the ApiClient: its scope is its unit's subtree

    @classmethod
    def official(cls, user: AbstractBaseUser) -> "Actor":
        if user is None or user.pk is None:
            raise ValueError("An official actor needs a saved user.")
        return cls(ActorKind.OFFICIAL, user.get_full_name() or user.get_username(), user=user)

    @classmethod
    def api_client(cls, client: Any) -> "Actor":
        return cls(ActorKind.API_CLIENT, f"api:{client.name}", client=client)

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(ActorKind.SYSTEM, label)

    @property
    def is_official(self) -> bool:
        return self.kind == ActorKind.OFFICIAL

    @property
    def is_api_client(self) -> bool:
        return self.kind == ActorKind.API_CLIENT

    @property
    def is_system(self) -> bool:
        return self.kind == ActorKind.SYSTEM

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def username(self) -> str:
        """The audit row's label: the official's login, or "system" for everything else (as audit rows always had)."""
        return self.user.get_username() if self.user is not None else SYSTEM.label


SYSTEM = Actor.system()

# What services accept as `actor`: an Actor, an official's User, or None for the system (an ApiClient too, via
# as_actor, for the API endpoints that pass their client).
ActorLike = Actor | AbstractBaseUser | None


def as_actor(who: Any) -> Actor:
    """The one conversion: an Actor as is, a saved user as an official, an ApiClient as an API client, and None
    (jobs, the demo seeder, management commands) or an anonymous visitor as the system."""
    if isinstance(who, Actor):
        return who
    if who is None or isinstance(who, AnonymousUser):
        return SYSTEM
    if isinstance(who, AbstractBaseUser):
        return Actor.official(who) if who.pk is not None else SYSTEM
    if getattr(getattr(who, "_meta", None), "label_lower", "") == "api.apiclient":
        return Actor.api_client(who)
    raise TypeError(f"Not an actor: {type(who).__name__}")
