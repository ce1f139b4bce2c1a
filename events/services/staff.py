"""Writes on staff shifts at rooms (RoomAssignment). Who is on duty: events/selectors/staff.py."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.invitations import invite_if_needed, needs_invitation  # part accounts
from accounts.models import User
from events.models import Room, RoomAssignment, UserEventAssignment
from makeplus.errors import AppError


def _overlap() -> AppError:
    return AppError(_("This person already has a shift at that time."), "overlapping_assignment")


def check_assignment(assignment: RoomAssignment) -> None:
    event = assignment.room.event
    if assignment.end_time <= assignment.start_time:
        raise AppError(_("A shift must end after it starts."), "end_before_start")
    if assignment.start_time < event.start_date or assignment.end_time > event.end_date:
        raise AppError(_("A shift must be within the event's dates."), "outside_event_dates")
    holds_role = UserEventAssignment.objects.filter(
        user_id=assignment.user_id, event=event, role=assignment.role, is_active=True
    ).exists()
    if not holds_role:
        raise AppError(
            _("This person does not hold the role %(role)s in this event.") % {"role": assignment.get_role_display()},
            "role_mismatch",
        )
    if assignment.is_active:
        overlapping = RoomAssignment.objects.filter(
            user_id=assignment.user_id,
            is_active=True,
            start_time__lt=assignment.end_time,
            end_time__gt=assignment.start_time,
        ).exclude(pk=assignment.pk)
        if overlapping.exists():
            raise _overlap()


def _save(assignment: RoomAssignment) -> RoomAssignment:
    # One user's shifts are written one at a time: lock the user's row, then check overlaps.
    list(User.objects.select_for_update().filter(pk=assignment.user_id).order_by().values_list("pk"))
    check_assignment(assignment)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:  # PostgreSQL's exclusion constraint, if a writer slipped past
        raise _overlap() from None
    return assignment


@transaction.atomic
def assign_staff(
    *, room: Room, user, role: str, start_time, end_time, assigned_by, notes: str = "", is_active: bool = True
) -> RoomAssignment:
    assignment = _save(
        RoomAssignment(
            room=room,
            user=user,
            role=role,
            start_time=start_time,
            end_time=end_time,
            assigned_by=assigned_by,
            notes=notes,
            is_active=is_active,
        )
    )
    if needs_invitation(assignment.user):  # part accounts: no password yet → invitation
        invite_if_needed(user=assignment.user, event=room.event, invited_by=assigned_by)
    return assignment


@transaction.atomic
def update_staff_assignment(*, assignment: RoomAssignment, actor, **fields) -> RoomAssignment:
    assignment = RoomAssignment.objects.select_related("room__event").get(pk=assignment.pk)
    for name, value in fields.items():
        setattr(assignment, name, value)
    return _save(assignment)


@transaction.atomic
def remove_staff_assignment(*, assignment: RoomAssignment, actor) -> None:
    assignment.delete()
