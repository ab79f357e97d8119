"""The acting user as services see it: identity, role and organisations — never a request."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    unit = "unit"
    agency = "agency"
    startup = "startup"
    expert = "expert"
    admin = "admin"


@dataclass(frozen=True)
class Actor:
    """Who acts. ``user_id`` None means an anonymous visitor (or the system, see :data:`SYSTEM`)."""

    user_id: int | None = None
    role: Role | None = None
    organisation_ids: frozenset[int] = field(default_factory=frozenset)
    label: str = "anonymous"
    is_system: bool = False
    # Needs an expert advises on (assigned by the unit): readable with their cases (see experts.service).
    advises: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.is_system

    @property
    def sees_everything(self) -> bool:
        return self.is_system or self.role in (Role.unit, Role.admin)

    def member_of(self, organisation_id: int | None) -> bool:
        return organisation_id is not None and organisation_id in self.organisation_ids


ANONYMOUS = Actor()
# Command-line work (imports, demo data) acts as the system: everything is allowed and audited.
SYSTEM = Actor(label="system (CLI)", is_system=True)
