"""Writes on the programme: rooms and sessions (conferences and ateliers)."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, Room, Session
from events.youtube import youtube_video_id
from makeplus import read_cache
from makeplus.errors import AppError

# --- rooms ---------------------------------------------------------------------------------------


def _room_name_taken() -> AppError:
    return AppError(_("A room with this name already exists in this event."), "room_name_taken")


def _ensure_room_name_free(*, event: Event, name: str, exclude_pk=None) -> None:
    if Room.objects.filter(event=event, name__iexact=name.strip()).exclude(pk=exclude_pk).exists():
        raise _room_name_taken()


@transaction.atomic
def create_room(*, event: Event, actor, **fields) -> Room:
    _ensure_room_name_free(event=event, name=fields.get("name", ""))
    room = Room(event=event, created_by=actor, **fields)
    try:
        with transaction.atomic():
            room.save()
    except IntegrityError:
        raise _room_name_taken() from None
    return room


@transaction.atomic
def update_room(*, room: Room, actor, **fields) -> Room:
    lock_room(room.pk)
    room = Room.objects.select_related("event").get(pk=room.pk)
    if "name" in fields:
        _ensure_room_name_free(event=room.event, name=fields["name"], exclude_pk=room.pk)
    if "capacity" in fields and fields["capacity"] < room.current_participants:
        raise AppError(
            _("Capacity cannot go below the %(n)s people inside the room now.") % {"n": room.current_participants},
            "capacity_below_occupancy",
        )
    for name, value in fields.items():
        setattr(room, name, value)
    try:
        with transaction.atomic():
            room.save()
    except IntegrityError:
        raise _room_name_taken() from None
    return room


@transaction.atomic
def delete_room(*, room: Room, actor) -> None:
    """A room with sessions is part of the programme, a room with a door log (RoomAccess rows,
    so also anyone inside) is part of the event's history: deactivate it (is_active=false) instead.

    The room row is locked first, as a door scan letting someone in does: every committed
    entry is seen below and no entry happens until the room is gone; a concurrent second
    delete finds no row (404) instead of counting the room out twice."""
    if not list(Room.objects.select_for_update(of=("self",)).filter(pk=room.pk).order_by().values_list("pk")):
        raise AppError(_("Not found."), "not_found")
    if room.sessions.exists():
        raise AppError(
            _("This room has sessions; move or delete them, or deactivate the room."),
            "room_in_use",
        )
    if room.accesses.exists():
        raise AppError(_("This room has a door-scan history; deactivate it instead."), "room_in_use")
    room.delete()


# --- sessions ------------------------------------------------------------------------------------

SESSION_RULE_FIELDS = ("room", "start_time", "end_time", "session_type", "is_paid", "price", "youtube_live_url")


def check_session_rules(session: Session) -> None:
    """Every rule of a session that the database cannot express, on the merged values."""
    event = session.event
    if session.room.event_id != event.pk:
        raise AppError(_("The room belongs to another event."), "room_not_in_event")
    if session.end_time <= session.start_time:
        raise AppError(_("A session must end after it starts."), "end_before_start")
    if session.start_time < event.start_date or session.end_time > event.end_date:
        raise AppError(_("A session must take place within the event's dates."), "outside_event_dates")
    price = Decimal(session.price or 0)
    if price < 0:
        raise AppError(_("The price cannot be negative."), "negative_price")
    if session.is_paid and session.session_type != Session.Type.ATELIER:
        raise AppError(_("Only ateliers can be paid."), "paid_conference")
    if session.is_paid and price <= 0:
        raise AppError(_("A paid atelier needs a price above zero."), "price_required")
    if not session.is_paid and price != 0:
        raise AppError(_("A free session has no price."), "price_without_payment")
    if session.youtube_live_url and youtube_video_id(session.youtube_live_url) is None:
        raise AppError(_("Only YouTube links are accepted (watch, youtu.be, live, embed)."), "invalid_youtube_url")


def ensure_room_free(session: Session) -> None:
    """Called with the room row locked: concurrent writers of one room's programme queue here."""
    if session.status == Session.Status.CANCELLED:
        return
    overlapping = (
        Session.objects.filter(room=session.room, start_time__lt=session.end_time, end_time__gt=session.start_time)
        .exclude(status=Session.Status.CANCELLED)
        .exclude(pk=session.pk)
    )
    if overlapping.exists():
        raise AppError(_("Another session takes place in this room at that time."), "room_busy")


def lock_room(room_id) -> None:
    """Row-lock one room (only it: no ordering joins) for the rest of the transaction."""
    list(Room.objects.select_for_update(of=("self",)).filter(pk=room_id).order_by().values_list("pk"))


def _save_session(session: Session) -> Session:
    lock_room(session.room_id)
    check_session_rules(session)
    ensure_room_free(session)
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        # PostgreSQL's exclusion constraint: the last word if a writer slipped past the lock.
        raise AppError(_("Another session takes place in this room at that time."), "room_busy") from None
    return session


@transaction.atomic
def create_session(*, event: Event, actor, **fields) -> Session:
    return _save_session(Session(event=event, created_by=actor, **fields))


@transaction.atomic
def update_session(*, session: Session, actor, **fields) -> Session:
    session = Session.objects.select_for_update(of=("self",)).select_related("event", "room").get(pk=session.pk)
    for name, value in fields.items():
        setattr(session, name, value)
    return _save_session(session)


@transaction.atomic
def delete_session(*, session: Session, actor) -> None:
    if session.accesses.exclude(status="cancelled").exists():
        raise AppError(
            _("Participants are registered for this session; cancel it instead."),
            "session_has_registrations",
        )
    session.delete()


# Allowed status changes (target: from); completed and cancelled are final. Back to scheduled only
# from live: undoing a session marked live by mistake ("not started yet").
TRANSITIONS = {
    Session.Status.SCHEDULED: {Session.Status.LIVE},
    Session.Status.LIVE: {Session.Status.SCHEDULED},
    Session.Status.COMPLETED: {Session.Status.SCHEDULED, Session.Status.LIVE},
    Session.Status.CANCELLED: {Session.Status.SCHEDULED, Session.Status.LIVE},
}


@transaction.atomic
def change_session_status(*, session: Session, actor, to: str, reason: str = "") -> Session:
    session = Session.objects.select_for_update(of=("self",)).select_related("event", "room").get(pk=session.pk)
    if session.status not in TRANSITIONS[to]:
        raise AppError(
            _("A %(current)s session cannot become %(target)s.")
            % {"current": session.get_status_display(), "target": Session.Status(to).label},
            "invalid_transition",
        )
    session.status = to
    fields = ["status", "updated_at"]
    if to == Session.Status.CANCELLED:
        session.cancelled_at, session.cancelled_by, session.cancel_reason = timezone.now(), actor, reason
        fields += ["cancelled_at", "cancelled_by", "cancel_reason"]
    session.save(update_fields=fields)
    return session


@transaction.atomic
def swap_session_times(*, first: Session, second: Session, actor) -> tuple[Session, Session]:
    """Exchange the time slots (start and end) of two sessions of the same room: the programme of a room
    reordered by its manager. Both keep every other field. Under the sessions' and the room's locks, as
    every write of a room's programme; the slots stay inside the event and no non-cancelled session
    overlaps another (``room_busy``: a cancelled one's slot may be taken; the PostgreSQL constraint has
    the last word).
    Errors: ``same_session``, ``different_rooms``, ``room_busy``."""
    if first.pk == second.pk:
        raise AppError(_("Choose two different sessions."), "same_session")
    if first.room_id != second.room_id or first.event_id != second.event_id:
        raise AppError(_("Only two sessions of the same room can swap their times."), "different_rooms")
    # The sessions' rows first (primary-key order), then the room's: the order update_session takes them.
    locked = {
        s.pk: s
        for s in Session.objects.select_for_update(of=("self",))
        .select_related("event", "room")
        .filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
    }
    if len(locked) != 2:  # deleted meanwhile
        raise AppError(_("Not found."), "not_found")
    first, second = locked[first.pk], locked[second.pk]
    if first.room_id != second.room_id:  # moved meanwhile
        raise AppError(_("Only two sessions of the same room can swap their times."), "different_rooms")
    lock_room(first.room_id)
    slots = {first.pk: (second.start_time, second.end_time), second.pk: (first.start_time, first.end_time)}
    for session in (first, second):
        session.start_time, session.end_time = slots[session.pk]
        check_session_rules(session)
    for session, other in ((first, second), (second, first)):
        if session.status == Session.Status.CANCELLED:
            continue
        overlapping = (
            Session.objects.filter(room=session.room, start_time__lt=session.end_time, end_time__gt=session.start_time)
            .exclude(status=Session.Status.CANCELLED)
            .exclude(pk__in=[session.pk, other.pk])
        )
        if overlapping.exists():
            raise AppError(_("Another session takes place in this room at that time."), "room_busy")
    now = timezone.now()
    try:
        with transaction.atomic():
            # The exclusion constraint is checked row by row: the first session leaves the constraint
            # (cancelled for an instant, inside this transaction) while the second takes its slot.
            Session.objects.filter(pk=first.pk).update(status=Session.Status.CANCELLED)
            Session.objects.filter(pk=second.pk).update(
                start_time=second.start_time, end_time=second.end_time, updated_at=now
            )
            Session.objects.filter(pk=first.pk).update(
                start_time=first.start_time, end_time=first.end_time, status=first.status, updated_at=now
            )
            read_cache.changed(first.event_id, read_cache.SESSIONS, read_cache.ROOMS)  # update(): no signal
    except IntegrityError:
        raise AppError(_("Another session takes place in this room at that time."), "room_busy") from None
    first.updated_at = second.updated_at = now
    return first, second
