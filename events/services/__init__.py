"""Writes on events and role assignments."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.invitations import invite_if_needed  # part accounts
from accounts.models import User
from events.counters import EVENT_TOTALS
from events.models import Event, Participant, Role, UserEventAssignment
from events.roles import BADGE_HOLDERS
from makeplus.errors import AppError

EVENT_FILE_FIELDS = ("programme_file", "guide_file")


def _delete_files_on_commit(files) -> None:
    """Remove replaced or orphaned files from storage once the database change is committed."""
    for file in files:
        if file and file.name:
            storage, name = file.storage, file.name
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


@transaction.atomic
def create_event(*, created_by: User, **fields) -> Event:
    """Create an event; its creator becomes its first organisateur."""
    event = Event(created_by=created_by, **fields)
    event.full_clean()
    event.save()
    UserEventAssignment.objects.create(
        user=created_by, event=event, role=Role.ORGANISATEUR, assigned_by=created_by, accepted_at=timezone.now()
    )  # the creator's own event: accepted (events/services/membership.py)
    return event


@transaction.atomic
def update_event(*, event: Event, actor: User, **fields) -> Event:
    replaced = []
    for name in EVENT_FILE_FIELDS:
        if name in fields and getattr(event, name) and getattr(event, name) != fields[name]:
            replaced.append(getattr(event, name))
    for name, value in fields.items():
        setattr(event, name, value if value is not None or name not in EVENT_FILE_FIELDS else "")
    # Stored documents were validated on upload; only new ones are read again.
    event.full_clean(exclude=[name for name in EVENT_FILE_FIELDS if not fields.get(name)])
    event.save()
    _delete_files_on_commit(replaced)
    return event


def event_has_data(event: Event) -> bool:
    """Anything besides its organisateurs: other members, rooms or badges (its counted rows)."""
    return UserEventAssignment.objects.filter(event=event).exclude(role=Role.ORGANISATEUR).exists() or any(
        getattr(event, total.field) for total in EVENT_TOTALS
    )


@transaction.atomic
def delete_event(*, event: Event, actor: User, confirm: bool = False) -> None:
    if not confirm and event_has_data(event):
        raise AppError(
            _("This event has members or data. Repeat with ?confirm=true to delete it with everything in it."),
            "event_has_data",
        )
    _delete_files_on_commit([getattr(event, name) for name in EVENT_FILE_FIELDS])
    # Rooms PROTECT their sessions: the sessions go first, or the cascade from the event refuses (500).
    event.sessions.all().delete()
    event.delete()


def role_given(assignment: UserEventAssignment) -> None:
    """What a new or changed active role brings with it: an exposant gets its exhibitor profile."""
    if assignment.is_active and assignment.role == Role.EXPOSANT:
        from exposants.services import ensure_exposant_profile  # exposants builds on events

        ensure_exposant_profile(event=assignment.event, user=assignment.user)


def _already_assigned() -> AppError:
    return AppError(_("This user already has a role in this event; change it instead."), "already_assigned")


@transaction.atomic
def assign_user(*, event: Event, user: User, role: str, assigned_by: User | None) -> UserEventAssignment:
    if UserEventAssignment.objects.filter(event=event, user=user).exists():
        raise _already_assigned()
    try:
        with transaction.atomic():
            assignment = UserEventAssignment.objects.create(event=event, user=user, role=role, assigned_by=assigned_by)
    except IntegrityError:
        raise AppError(
            _("This user already has a role in this event; change it instead."), "already_assigned"
        ) from None
    invite_if_needed(user=user, event=event, invited_by=assigned_by)  # part accounts: no password yet → invitation
    return assignment


@transaction.atomic
def assign_user_by_email(*, event: Event, email: str, role: str, assigned_by: User) -> UserEventAssignment:
    """The same answer whether an account uses the email or not (SPEC "Privacy"): an unknown address
    gets a new account and an invitation, like a participant added by email."""
    from accounts.services import account_for_email

    return assign_user(event=event, user=account_for_email(email), role=role, assigned_by=assigned_by)


def _ensure_other_organisateur(assignment: UserEventAssignment) -> None:
    """Called under the event lock (see _locked), so the count cannot change underneath."""
    others = UserEventAssignment.objects.filter(
        event_id=assignment.event_id, role=Role.ORGANISATEUR, is_active=True
    ).exclude(pk=assignment.pk)
    if not others.exists():
        raise AppError(_("An event needs at least one active organisateur."), "last_organisateur")


def _locked(assignment: UserEventAssignment) -> UserEventAssignment:
    """Re-read the assignment under a lock of its event row first.

    Changes to an event's team serialise on the event row (the counters update it anyway),
    always in the order event → assignment, so two organisateurs demoting each other at
    once cannot both succeed, nor deadlock.
    """
    list(Event.objects.select_for_update().filter(pk=assignment.event_id).values_list("pk"))
    return (
        UserEventAssignment.objects.select_for_update(of=("self",))
        .select_related("user", "event")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def update_assignment(
    *, assignment: UserEventAssignment, actor: User, role: str | None = None, is_active: bool | None = None
) -> UserEventAssignment:
    assignment = _locked(assignment)
    new_role = assignment.role if role is None else role
    new_active = assignment.is_active if is_active is None else is_active
    was_organisateur = assignment.role == Role.ORGANISATEUR and assignment.is_active
    if was_organisateur and not (new_role == Role.ORGANISATEUR and new_active):
        _ensure_other_organisateur(assignment)
    assignment.role, assignment.is_active = new_role, new_active
    assignment.save(update_fields=["role", "is_active"])
    if new_role in BADGE_HOLDERS:
        # A badge follows its holder's role (exposant badges count as exhibitors).
        badge = Participant.objects.filter(event_id=assignment.event_id, user_id=assignment.user_id).first()
        if badge is not None and badge.kind != new_role:
            badge.kind = new_role
            badge.save(update_fields=["kind", "updated_at"])
    role_given(assignment)
    return assignment


@transaction.atomic
def remove_assignment(*, assignment: UserEventAssignment, actor: User) -> None:
    assignment = _locked(assignment)
    if assignment.role == Role.ORGANISATEUR and assignment.is_active:
        _ensure_other_organisateur(assignment)
    assignment.delete()
