"""What the mobile app's event-day screens need in a running demo event, made through the services.

``create_test_data`` runs it for the legacy event "MakePlus Demo" (the multi-event events keep their
documented programme of three sessions). For a demo event running now (started, not ended),
:func:`ensure_event_day`:

* puts a session **running now, live**, in the room where the event's gestionnaire is on duty now
  (its shifts follow the programme, seeds/demo.py ``shift_plan``, so some room always has it): the
  session already running there, else "Session en direct : questions au panel" placed around now
  in that room's free time (moved there again on each run, so it runs whenever the seed ran) — the
  room manager's screen shows a live session it may end, swap or revert, and its Q&A;
* checks that the event's controller is on duty now (same shifts): its scans are door decisions
  there (``participants/scan/``), and ``my-room/statistics/`` shows the day's door log it verified
  (seeds/access.py);
* gives the first participant (by email) paid places in the event's paid ateliers still open,
  including "Atelier payant : MakePlus sur mobile" on the event's last day (added if missing), paid
  in cash at its price (events/services/ateliers.py ``record_payment``, as the desk records it):
  the badge's "Articles payés" and the controller's scan show them.

Idempotent: a paid place is paid once; the live session is found by its title.
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Max, Min
from django.utils import timezone

from events.models import Event, Participant, Role, Room, Session, SessionAccess, UserEventAssignment
from events.selectors.access import duty_room_id, running_session
from events.services.ateliers import record_payment
from events.services.programme import change_session_status, create_session, delete_session, update_session
from makeplus.errors import AppError
from seeds.common import Log, local_day, local_time, quiet

LIVE_TITLE = "Session en direct : questions au panel"
PAID_TITLE = "Atelier payant : MakePlus sur mobile"
PAID_PRICE = Decimal("1200")
BEFORE, AFTER = timedelta(minutes=30), timedelta(minutes=90)


def _staff(event, role: str):
    row = (
        UserEventAssignment.objects.filter(event=event, role=role, is_active=True)
        .select_related("user")
        .order_by("assigned_at", "pk")
        .first()
    )
    return row.user if row else None


def _free_slot(room: Room, now) -> tuple:
    """Around ``now`` in ``room``, between the sessions before and after it (none runs at ``now``)."""
    sessions = Session.objects.filter(room=room).exclude(status=Session.Status.CANCELLED).exclude(title=LIVE_TITLE)
    before = sessions.filter(end_time__lte=now).aggregate(end=Max("end_time"))["end"] or room.event.start_date
    after = sessions.filter(start_time__gt=now).aggregate(start=Min("start_time"))["start"] or room.event.end_date
    start = max((now - BEFORE).replace(second=0, microsecond=0), before, room.event.start_date)
    return start, min(now + AFTER, after, room.event.end_date)


def ensure_live_session(event, *, organisateur, log: Log = quiet) -> Session | None:
    now = timezone.now()
    manager = _staff(event, Role.GESTIONNAIRE_DES_SALLES)
    room_id = manager and duty_room_id(user=manager, event=event, at=now)
    if room_id is None:
        log(f"{event.name}: no gestionnaire on duty now, no live session")
        return None
    room = Room.objects.select_related("event").get(pk=room_id)
    session = running_session(room, now)
    if session is None:
        start, end = _free_slot(room, now)
        fields = {"room": room, "start_time": start, "end_time": end}
        session = Session.objects.filter(event=event, title=LIVE_TITLE).first()
        if session is not None and session.status not in (Session.Status.SCHEDULED, Session.Status.LIVE):
            delete_session(session=session, actor=organisateur)  # a conference: no places to keep
            session = None
        if session is None:
            session = create_session(
                event=event,
                actor=organisateur,
                title=LIVE_TITLE,
                speaker_name="Panel MakePlus",
                speaker_title="Organisation",
                description="Posez vos questions depuis l'application : le gestionnaire de salle les marque répondues.",
                **fields,
            )
        else:
            session = update_session(session=session, actor=organisateur, **fields)
        log(f"{event.name}: live session in {room.name}")
    if session.status == Session.Status.SCHEDULED:
        session = change_session_status(session=session, actor=manager, to=Session.Status.LIVE)
    controller = _staff(event, Role.CONTROLLEUR_DES_BADGES)
    if controller is None or duty_room_id(user=controller, event=event, at=now) is None:
        log(f"{event.name}: the controller is not on duty now (its scans are entrance checks)")
    return session


def _paid_atelier(event, *, organisateur, log: Log) -> None:
    """The event's last day, 10:00–12:00, in the room of its ateliers (the smallest room)."""
    if Session.objects.filter(event=event, title=PAID_TITLE).exists():
        return
    room = Room.objects.filter(event=event, is_active=True).order_by("capacity", "name").first()
    if room is None:
        return
    day = local_day(event.end_date)
    try:
        create_session(
            event=event,
            actor=organisateur,
            room=room,
            title=PAID_TITLE,
            session_type=Session.Type.ATELIER,
            is_paid=True,
            price=PAID_PRICE,
            start_time=local_time(day, "10:00"),
            end_time=local_time(day, "12:00"),
            speaker_name="Équipe MakePlus",
            speaker_title="Produit",
            theme="Numérique",
        )
        log(f"{event.name}: created {PAID_TITLE}")
    except AppError as error:  # the room is taken then: no extra atelier
        log(f"{event.name}: no {PAID_TITLE} ({error.code})")


def ensure_paid_places(event, *, organisateur, log: Log = quiet) -> None:
    participant = (
        Participant.objects.filter(event=event, kind=Participant.Kind.PARTICIPANT).order_by("user__email", "pk").first()
    )
    if participant is None:
        return
    _paid_atelier(event, organisateur=organisateur, log=log)
    ateliers = Session.objects.filter(event=event, is_paid=True, end_time__gt=timezone.now()).exclude(
        status__in=[Session.Status.CANCELLED, Session.Status.COMPLETED]
    )
    paid = set(
        SessionAccess.objects.filter(participant=participant, status=SessionAccess.Status.PAID).values_list(
            "session_id", flat=True
        )
    )
    for atelier in ateliers.order_by("start_time"):
        if atelier.pk in paid:
            continue
        try:
            record_payment(session=atelier, participant=participant, actor=organisateur, method="cash")
            log(f"{event.name}: {participant.user.email} paid {atelier.title}")
        except AppError as error:  # full or closed: the demo goes without this one
            log(f"{event.name}: no paid place in {atelier.title} ({error.code})")


def seed_event_day(event_name: str, *, log: Log = quiet) -> None:
    """:func:`ensure_event_day` for the demo event of that name, by its organisateur (nothing if missing)."""
    event = Event.objects.filter(name=event_name).order_by("created_at", "pk").first()
    organisateur = event and _staff(event, Role.ORGANISATEUR)
    if organisateur is not None:
        ensure_event_day(event, organisateur=organisateur, log=log)


def ensure_event_day(event, *, organisateur, log: Log = quiet) -> None:
    """See the module docstring; nothing for an event that is not running now."""
    now = timezone.now()
    if not (event.start_date <= now < event.end_date):
        return
    ensure_paid_places(event, organisateur=organisateur, log=log)
    ensure_live_session(event, organisateur=organisateur, log=log)
