"""The one role mechanism (events/permissions.py, events/roles.py): groups, rules, duty, object role, ownership."""

import importlib
import inspect
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSetMixin

from accounts.services import issue_tokens
from events import permissions, roles
from events.permissions import Allow, EventRolePermission, IsOwner
from events.roles import Role
from events.selectors.questions import may_moderate
from events.selectors.staff import on_duty
from events.tests.factories import AssignmentFactory, EventFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db

ORG, GEST, CTRL = Role.ORGANISATEUR, Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES
PART, EXP = Role.PARTICIPANT, Role.EXPOSANT
EVERY_ROLE = set(Role.values)

# Each group of events/roles.py and the roles it names, written out.
GROUPS = {
    "ORGANISATEURS": {ORG},
    "SHIFT_ROLES": {GEST, CTRL},
    "TEAM": {ORG, GEST, CTRL},
    "SCANNERS": {ORG, GEST, CTRL},
    "MODERATORS": {ORG, GEST},
    "BADGE_HOLDERS": {PART, EXP},
    "EXPOSANTS": {EXP},
    "EXPOSANT_FIGURES": {EXP, ORG},
}
# Each named rule of events/permissions.py and the roles it lets run an action (duty aside).
RULES = {
    "SIGNED_IN": EVERY_ROLE,
    "MEMBERS": EVERY_ROLE,
    "ORGANISATEUR_ONLY": {ORG},
    "TEAM_ONLY": {ORG, GEST, CTRL},
    "SCAN": {ORG, GEST, CTRL},
    "MODERATE": {ORG, GEST},
}


def _request(user, method="get", *, event=None, role=None):
    tokens = issue_tokens(user=user, event_id=event and event.pk, role=role)
    return getattr(APIRequestFactory(), method)("/probe/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")


def _call(event_roles, assignment, method="get", *, obj=None, selected=True):
    """Runs a probe view declaring ``event_roles`` (and, with ``obj``, its object check) as the assignment's user."""

    class Probe(APIView):
        def get(self, request):
            if obj is not None:
                self.check_object_permissions(request, obj)
            return Response({"ok": True})

        post = patch = delete = get

    Probe.event_roles = event_roles
    event = assignment.event if selected else None
    return Probe.as_view()(_request(assignment.user, method, event=event, role=assignment.role))


def _code(response):
    return response.data["errors"][0]["code"]


# --- groups and named rules ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GROUPS))
def test_group_names_exactly_its_roles(name):
    assert set(getattr(roles, name)) == GROUPS[name]


@pytest.mark.parametrize("name", list(GROUPS))
@pytest.mark.parametrize("role", list(Role.values))
def test_a_group_admits_exactly_its_roles(name, role):
    assignment = AssignmentFactory(role=role, event=EventFactory())

    response = _call(Allow(getattr(roles, name)), assignment, "post")

    if role in GROUPS[name]:
        assert response.status_code == 200
    else:
        assert (response.status_code, _code(response)) == (403, "insufficient_role")
        named = ", ".join(str(Role(r).label) for r in getattr(roles, name))
        assert str(response.data["errors"][0]["detail"]).endswith(f": {named}.")  # the roles that may


@pytest.mark.parametrize("name", list(RULES))
@pytest.mark.parametrize("role", list(Role.values))
def test_a_named_rule_admits_exactly_its_roles(name, role):
    assignment = AssignmentFactory(role=role, event=EventFactory())

    response = _call(getattr(permissions, name), assignment, "post")

    if role in RULES[name]:
        assert response.status_code == 200
    else:
        assert (response.status_code, _code(response)) == (403, "insufficient_role")


def test_rules_that_need_duty_are_exactly_scan_and_moderate():
    on_duty_rules = {name for name in RULES if getattr(permissions, name).on_duty}

    assert on_duty_rules == {"SCAN", "MODERATE"}


# --- read and write defaults, per-action rules ---------------------------------------------------------


@pytest.mark.parametrize("role", list(Role.values))
def test_members_read_organisateurs_write(role):
    assignment = AssignmentFactory(role=role, event=EventFactory())

    read = _call(permissions.READ_MEMBERS_WRITE_ORGANISATEUR, assignment)
    writes = [_call(permissions.READ_MEMBERS_WRITE_ORGANISATEUR, assignment, m).status_code for m in ("post", "patch")]

    assert read.status_code == 200
    assert writes == ([200, 200] if role == ORG else [403, 403])


@pytest.mark.parametrize("role", [ORG, PART])
def test_a_rule_named_for_the_method_wins_over_the_default(role):
    assignment = AssignmentFactory(role=role, event=EventFactory())
    rules = {"read": permissions.ORGANISATEUR_ONLY, "write": permissions.ORGANISATEUR_ONLY, "post": permissions.MEMBERS}

    read, post = _call(rules, assignment), _call(rules, assignment, "post")

    assert (read.status_code, post.status_code) == ((200, 200) if role == ORG else (403, 200))


def test_members_need_an_event_selected_but_signed_in_does_not():
    assignment = AssignmentFactory(role=ORG, event=EventFactory())

    members = _call(permissions.MEMBERS, assignment, selected=False)
    signed_in = _call(permissions.SIGNED_IN, assignment, selected=False)

    assert (members.status_code, _code(members)) == (403, "event_not_selected")
    assert signed_in.status_code == 200


def test_a_deactivated_role_reaches_nothing_of_its_event():
    assignment = AssignmentFactory(role=ORG, event=EventFactory(), is_active=False)

    response = _call(permissions.MEMBERS, assignment)

    assert (response.status_code, _code(response)) == (403, "event_access_revoked")


def test_anonymous_callers_are_not_authenticated():
    class Probe(APIView):
        event_roles = permissions.SIGNED_IN

        def get(self, request):
            return Response({"ok": True})

    response = Probe.as_view()(APIRequestFactory().get("/probe/"))

    assert (response.status_code, _code(response)) == (401, "not_authenticated")


@pytest.mark.parametrize("event_roles", [None, {"read": permissions.MEMBERS}, permissions.MEMBERS.roles])
def test_a_view_without_complete_rules_is_a_configuration_error(event_roles):
    view = SimpleNamespace(event_roles=event_roles, action=None)

    with pytest.raises(ImproperlyConfigured):
        EventRolePermission().rule(SimpleNamespace(method="POST"), view)


# --- on duty ---------------------------------------------------------------------------------------


@pytest.fixture
def room():
    return RoomFactory(event=EventFactory())


def _shift(room, role, **kwargs):
    shift = RoomAssignmentFactory(room=room, role=role, **kwargs)
    return shift, shift.user.event_assignments.get(event=room.event)


@pytest.mark.parametrize("rule", ["SCAN", "MODERATE"])
def test_organisateurs_act_at_any_room_without_a_shift(rule, room):
    assignment = AssignmentFactory(role=ORG, event=room.event)

    response = _call(getattr(permissions, rule), assignment, "post", obj=room)

    assert response.status_code == 200


@pytest.mark.parametrize("rule", ["SCAN", "MODERATE"])
def test_a_gestionnaire_acts_only_where_on_duty(rule, room):
    _, on_shift = _shift(room, GEST)
    _, elsewhere = _shift(RoomFactory(event=room.event), GEST)

    here = _call(getattr(permissions, rule), on_shift, "post", obj=room)
    there = _call(getattr(permissions, rule), elsewhere, "post", obj=room)

    assert here.status_code == 200
    assert (there.status_code, _code(there)) == (403, "not_assigned_to_room")


def test_duty_is_read_at_the_objects_room(room):
    _, on_shift = _shift(room, GEST)
    session = SessionFactory(room=room)
    other = SessionFactory(room=RoomFactory(event=room.event))

    here = _call(permissions.MODERATE, on_shift, "post", obj=session)
    there = _call(permissions.MODERATE, on_shift, "post", obj=other)

    assert here.status_code == 200
    assert (there.status_code, _code(there)) == (403, "not_assigned_to_room")


def test_a_controller_scans_where_on_duty_but_never_moderates(room):
    _, controller = _shift(room, CTRL)

    scan = _call(permissions.SCAN, controller, "post", obj=room)
    moderate = _call(permissions.MODERATE, controller, "post", obj=room)

    assert scan.status_code == 200
    assert (moderate.status_code, _code(moderate)) == (403, "insufficient_role")


def test_an_inactive_or_finished_shift_is_not_duty(room):
    _, inactive = _shift(room, GEST, is_active=False)
    _, finished = _shift(
        room, GEST, start_time=timezone.now() - timedelta(hours=2), end_time=timezone.now() - timedelta(seconds=1)
    )

    for assignment in (inactive, finished):
        response = _call(permissions.MODERATE, assignment, "post", obj=room)
        assert (response.status_code, _code(response)) == (403, "not_assigned_to_room")


def test_a_shift_is_duty_from_its_start_instant_to_before_its_end_instant(room):
    shift, _ = _shift(room, GEST)

    at_start = on_duty(user=shift.user, room_id=room.pk, at=shift.start_time)
    at_end = on_duty(user=shift.user, room_id=room.pk, at=shift.end_time)

    assert (at_start, at_end) == (True, False)


def test_a_deactivated_role_is_not_on_duty(room):
    shift, assignment = _shift(room, GEST)
    assert permissions.MODERATE.admits(assignment, on_duty=lambda: on_duty(user=shift.user, room_id=room.pk))

    assignment.is_active = False
    assignment.save()

    assert on_duty(user=shift.user, room_id=room.pk) is False
    assert not permissions.MODERATE.admits(assignment, on_duty=lambda: on_duty(user=shift.user, room_id=room.pk))


def test_a_changed_role_ends_the_shifts_of_the_former_role(room):
    _, assignment = _shift(room, GEST)
    assignment.role = CTRL  # still a scanner, but the shift was a gestionnaire's
    assignment.save()

    response = _call(permissions.SCAN, assignment, "post", obj=room)

    assert (response.status_code, _code(response)) == (403, "not_assigned_to_room")


@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("with_shift", [True, False])
def test_may_moderate_is_the_moderate_rule(role, with_shift, room):
    if with_shift and role in (GEST, CTRL):
        _, assignment = _shift(room, role)
    else:
        assignment = AssignmentFactory(role=role, event=room.event)

    expected = role == ORG or (role == GEST and with_shift)
    response = _call(permissions.MODERATE, assignment, "post", obj=room)

    assert may_moderate(assignment, room_id=room.pk) is expected
    assert (response.status_code == 200) is expected


# --- the role in the object's event ----------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role.values))
def test_object_rules_read_the_role_in_the_objects_event(role):
    caller = AssignmentFactory(role=PART, event=EventFactory())  # the token's event is not the object's
    rule = Allow(roles.ORGANISATEURS, event="object")

    selected = _call(rule, caller, "patch", obj=SimpleNamespace(my_role=role))
    unselected = _call(rule, caller, "patch", obj=SimpleNamespace(my_role=role), selected=False)

    for response in (selected, unselected):
        if role == ORG:
            assert response.status_code == 200
        else:
            assert (response.status_code, _code(response)) == (403, "insufficient_role")


# --- ownership -------------------------------------------------------------------------------------


def test_is_owner_lets_only_the_author_change_or_delete():
    author = AssignmentFactory(role=ORG)
    colleague = AssignmentFactory(role=ORG, event=author.event)
    obj = SimpleNamespace(created_by_id=author.user_id)

    def allowed(user, method):
        request = getattr(APIRequestFactory(), method)("/x/")
        request.user = user
        return IsOwner().has_object_permission(request, None, obj)

    assert [allowed(colleague.user, m) for m in ("patch", "put", "delete")] == [False, False, False]
    assert [allowed(author.user, m) for m in ("patch", "put", "delete")] == [True, True, True]
    # Reading it, or a POST action on it writing only the caller's own rows (a read receipt), is no change.
    assert [allowed(colleague.user, m) for m in ("get", "post")] == [True, True]


# --- every view declares its rules -------------------------------------------------------------------

STANDARD_ACTIONS = {"list", "retrieve", "create", "update", "partial_update", "destroy"}


def _api_views():
    views = set()

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and hasattr(entry.callback, "cls"):
                views.add(entry.callback.cls)

    walk(get_resolver().url_patterns)
    return sorted(views, key=lambda cls: cls.__qualname__)


def test_every_view_under_the_role_mechanism_declares_known_actions():
    checked = []
    for cls in _api_views():
        if EventRolePermission not in cls.permission_classes:
            continue
        rules = getattr(cls, "event_roles", None)
        assert rules is not None, f"{cls.__qualname__} runs under EventRolePermission without event_roles"
        if isinstance(rules, Allow):
            checked.append(cls.__name__)
            continue
        assert {"read", "write"} <= rules.keys(), cls
        assert all(isinstance(rule, Allow) for rule in rules.values()), cls
        names = set(cls.http_method_names)
        if issubclass(cls, ViewSetMixin):
            names |= STANDARD_ACTIONS | {action.__name__ for action in cls.get_extra_actions()}
        assert rules.keys() - {"read", "write"} <= names, (cls, rules.keys() - {"read", "write"} - names)
        checked.append(cls.__name__)
    assert {"RoomViewSet", "SessionViewSet", "EventViewSet", "BadgeKeyView", "AnnonceViewSet"} <= set(checked)


VIEW_MODULES = [
    "events.views",
    "events.views.programme",
    "events.views.participants",
    "events.views.staff",
    "events.views.questions",
    "events.views.ateliers",
    "events.views.access",
    "exposants.views",
    "annonces.views",
    "accounts.views",
]


@pytest.mark.parametrize("module", VIEW_MODULES)
def test_no_permission_class_is_defined_in_a_view_module(module):
    imported = importlib.import_module(module)

    defined = [
        name
        for name, value in vars(imported).items()
        if inspect.isclass(value) and issubclass(value, BasePermission) and value.__module__ == module
    ]

    assert defined == []
