"""``RoleSetField``: a set of event roles (an annonce's audience), stored as one small integer.

Why a bit mask rather than a JSON list or a join table: "is this role among the targets?" is
the visibility test run on every feed request, and a JSON ``contains`` does not exist on
SQLite (the quick-start database). With one bit per role the test is ``(mask & bit) <> 0`` on
both databases, inside the row the feed index already reaches, without a join. The Python
value stays a list of role values (in ``Role`` order), so nothing outside this module sees bits.

Bits are assigned once and for all below: a new role takes the next free bit; never renumber.
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.models import Role

ROLE_BITS: dict[str, int] = {
    Role.ORGANISATEUR: 1,
    Role.GESTIONNAIRE_DES_SALLES: 2,
    Role.CONTROLLEUR_DES_BADGES: 4,
    Role.PARTICIPANT: 8,
    Role.EXPOSANT: 16,
}
ALL_ROLES_MASK = sum(ROLE_BITS.values())


def roles_from_mask(mask: int) -> list[str]:
    return [role for role in Role.values if mask & ROLE_BITS[role]]


def mask_from_roles(roles) -> int:
    unknown = [role for role in roles if role not in ROLE_BITS]
    if unknown:
        raise ValidationError(
            _("Unknown role: %(role)s."), code="invalid_role", params={"role": ", ".join(map(str, unknown))}
        )
    mask = 0
    for role in roles:
        mask |= ROLE_BITS[role]
    return mask


class RoleSetField(models.Field):
    """A subset of the five roles; the empty set is a value of its own (an annonce's "everyone")."""

    description = _("Set of event roles")

    def get_internal_type(self):
        return "PositiveSmallIntegerField"

    def from_db_value(self, value, expression, connection):
        return None if value is None else roles_from_mask(value)

    def to_python(self, value):
        """Canonical form: each role once, in ``Role`` order."""
        if value is None:
            return None
        if isinstance(value, int):
            return roles_from_mask(value)
        if isinstance(value, str):  # serialized data (dumpdata/loaddata)
            value = json.loads(value) if value else []
        return roles_from_mask(mask_from_roles(value))

    def get_prep_value(self, value):
        if value is None or isinstance(value, int):
            return value
        return mask_from_roles(value)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return super().formfield(
            **{
                "form_class": forms.MultipleChoiceField,
                "choices": Role.choices,
                "widget": forms.CheckboxSelectMultiple,
                **kwargs,
            }
        )


@RoleSetField.register_lookup
class IncludesRole(models.Lookup):
    """``target_roles__includes="participant"``: the set contains that role."""

    lookup_name = "includes"

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):
            return self.rhs
        return mask_from_roles([self.rhs])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) <> 0", (*lhs_params, *rhs_params)
