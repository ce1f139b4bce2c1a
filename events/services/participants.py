"""Writes on badge holders (participants and exposants) and their signed badges.

Lock order, the same in every write here: event row → assignment row → participant row.
The event row is locked first because the counters (``Event.total_participants`` and
``total_exhibitors``, events/signals.py) update it anyway in the same transaction.
Participants are created, changed and deleted with instance ``save()``/``delete()`` so the
counter signals see every change of ``kind``.

Removing a participant deletes its badge (the row) and deactivates its participant/exposant
role in the event, keeping the assignment as history; adding the person again reactivates it.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.invitations import invite_if_needed  # part accounts
from accounts.models import User
from accounts.services import account_for_email
from events import badges
from events.models import Event, Participant, Role, Room, SessionAccess, UserEventAssignment
from events.models.participants import new_badge_id
from events.roles import BADGE_HOLDERS
from events.services import role_given
from makeplus.errors import AppError

_BADGE_ID_ATTEMPTS = 5


def _lock_event(event_id) -> None:
    list(Event.objects.select_for_update().filter(pk=event_id).values_list("pk"))


def _locked_participant(participant: Participant) -> Participant:
    return Participant.objects.select_for_update(of=("self",)).select_related("user", "event").get(pk=participant.pk)


def _already_participant() -> AppError:
    return AppError(_("This person already holds a badge in this event."), "already_participant")


def _rooms_of(event_id, rooms: Iterable) -> list[Room]:
    """Rooms (instances or ids) that must all belong to the event; an unknown id counts as foreign."""
    wanted = {getattr(room, "pk", room) for room in rooms}
    found = list(Room.objects.filter(event_id=event_id, pk__in=wanted))
    if len(found) != len(wanted):
        raise AppError(_("Every allowed room must be a room of this event."), "room_not_in_event")
    return found


def _ensure_role(*, event: Event, user: User, kind: str, actor: User | None) -> UserEventAssignment:
    """The user holds the role matching the badge kind, active; staff cannot hold a badge."""
    role = Role(kind)  # a badge's kind is its holder's role
    assignment = UserEventAssignment.objects.select_for_update().filter(event=event, user=user).first()
    if assignment is None:
        try:
            with transaction.atomic():
                assignment = UserEventAssignment.objects.create(event=event, user=user, role=role, assigned_by=actor)
            role_given(assignment)
            return assignment
        except IntegrityError:  # assigned meanwhile (user-assignments API): decide on that row
            assignment = UserEventAssignment.objects.select_for_update().get(event=event, user=user)
    if assignment.role not in BADGE_HOLDERS:
        raise AppError(
            _("This person is on the event's staff (%(role)s); change that role before giving a badge.")
            % {"role": Role(assignment.role).label},
            "role_conflict",
        )
    if assignment.role != role or not assignment.is_active:
        assignment.role, assignment.is_active = role, True
        assignment.save(update_fields=["role", "is_active"])
        role_given(assignment)
    return assignment


def _save_with_unique_badge_id(participant: Participant, **save_kwargs) -> None:
    """Save; on the (rare) collision of a random badge id, draw another one."""
    for attempt in range(_BADGE_ID_ATTEMPTS):
        try:
            with transaction.atomic():
                participant.save(**save_kwargs)
                return
        except IntegrityError:
            if (
                Participant.objects.filter(event_id=participant.event_id, user_id=participant.user_id)
                .exclude(pk=participant.pk)
                .exists()
            ):
                raise _already_participant() from None
            if attempt == _BADGE_ID_ATTEMPTS - 1:
                raise
            participant.badge_id = new_badge_id()


def _sign(participant: Participant) -> None:
    participant.qr_code_data = badges.sign_badge(participant)
    participant.save(update_fields=["qr_code_data", "updated_at"])


@transaction.atomic
def add_participant(
    *,
    event: Event,
    actor: User | None,
    user: User | None = None,
    email: str | None = None,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    kind: str = Participant.Kind.PARTICIPANT,
    access_all_rooms: bool = True,
    allowed_rooms: Iterable | None = None,
) -> Participant:
    """Give a badge to an existing user or, by email, to a new account (which gets no usable
    password). The user gets (or gets back) the matching role in the event; the badge is signed.
    ``first_name``/``last_name``/``phone`` are the registration data: what the event shows and
    prints until the holder accepts (events/services/membership.py); an existing account's profile
    is neither read nor changed."""
    if (user is None) == (not email):
        raise AppError(_("Give either an existing user or an email."), "user_or_email_required")
    if kind not in BADGE_HOLDERS:
        raise AppError(_("A badge is for a participant or an exposant."), "invalid_kind")
    rooms = _rooms_of(event.pk, allowed_rooms) if allowed_rooms else []
    _lock_event(event.pk)
    if user is None:
        user = account_for_email(email, first_name.strip(), last_name.strip())
    if Participant.objects.filter(event=event, user=user).exists():
        raise _already_participant()
    assignment = _ensure_role(event=event, user=user, kind=kind, actor=actor)
    if assignment.accepted_at is not None:  # a member who accepted the event: its profile is shown
        first_name, last_name, phone = user.first_name, user.last_name, user.phone
    participant = Participant(
        event=event,
        user=user,
        kind=kind,
        access_all_rooms=access_all_rooms,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
    )
    _save_with_unique_badge_id(participant)
    if rooms:
        participant.allowed_rooms.set(rooms)
    _sign(participant)
    invite_if_needed(user=user, event=event, invited_by=actor)  # part accounts: no password yet → invitation
    return participant


@transaction.atomic
def update_participant(
    *,
    participant: Participant,
    actor: User | None,
    kind: str | None = None,
    access_all_rooms: bool | None = None,
    allowed_rooms: Iterable | None = None,
) -> Participant:
    """Change the kind of badge (the role follows) and room access. Check-in is the door scan's."""
    if kind is not None and kind not in BADGE_HOLDERS:
        raise AppError(_("A badge is for a participant or an exposant."), "invalid_kind")
    rooms = _rooms_of(participant.event_id, allowed_rooms) if allowed_rooms is not None else None
    _lock_event(participant.event_id)
    participant = _locked_participant(participant)
    changed = []
    if kind is not None and kind != participant.kind:
        _ensure_role(event=participant.event, user=participant.user, kind=kind, actor=actor)
        participant.kind = kind
        changed.append("kind")
    if access_all_rooms is not None and access_all_rooms != participant.access_all_rooms:
        participant.access_all_rooms = access_all_rooms
        changed.append("access_all_rooms")
    if changed:
        participant.save(update_fields=[*changed, "updated_at"])
    if rooms is not None:
        participant.allowed_rooms.set(rooms)
    return participant


@transaction.atomic
def reissue_badge(*, participant: Participant, actor: User | None) -> Participant:
    """Issue the badge, or re-issue it: a new version and a new badge id, so the old QR code
    verifies as revoked and the old typed id is unknown (a lost badge opens no door)."""
    participant = _locked_participant(participant)
    if participant.qr_code_data:
        participant.badge_version += 1
        participant.badge_id = new_badge_id()
        participant.badge_revoked_at = None  # a revoked badge is replaced by this one
        _save_with_unique_badge_id(
            participant, update_fields=["badge_version", "badge_id", "badge_revoked_at", "updated_at"]
        )
    _sign(participant)
    return participant


@transaction.atomic
def revoke_badge(*, participant: Participant, actor: User | None) -> Participant:
    """Revoke the badge without a replacement: its QR codes and its typed id are refused at every door
    and at the entrance (reason ``revoked``) until :func:`reissue_badge` gives a new one."""
    participant = _locked_participant(participant)
    if participant.badge_revoked_at is None:
        participant.badge_revoked_at = timezone.now()
        participant.save(update_fields=["badge_revoked_at", "updated_at"])
    return participant


@transaction.atomic
def ensure_badge(*, participant: Participant) -> Participant:
    """Sign a badge that was never signed (rows made by bulk paths); otherwise change nothing."""
    if participant.qr_code_data:
        return participant
    participant = _locked_participant(participant)
    if not participant.qr_code_data:
        _sign(participant)
    return participant


@transaction.atomic
def remove_participant(*, participant: Participant, actor: User | None) -> None:
    """Delete the badge and deactivate the holder's participant/exposant role in the event.

    Refused while the participant has paid atelier places: deleting would erase payment records.
    """
    _lock_event(participant.event_id)
    participant = _locked_participant(participant)
    if SessionAccess.objects.filter(participant=participant, status=SessionAccess.Status.PAID).exists():
        raise AppError(
            _("This participant has paid for ateliers; it cannot be removed."),
            "participant_has_payments",
        )
    assignment = (
        UserEventAssignment.objects.select_for_update()
        .filter(event_id=participant.event_id, user_id=participant.user_id, role__in=BADGE_HOLDERS)
        .first()
    )
    participant.delete()
    if assignment is not None and assignment.is_active:
        assignment.is_active = False
        assignment.save(update_fields=["is_active"])
