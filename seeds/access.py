"""Door logs for the demo events, made by the door-scan service as a controller's scanner would.

For an event that has started, :func:`ensure_access_logs` plays a day at the doors up to now:

* the exposants (and other badge holders of kind exposant) enter the exhibition hall (the
  largest room) at opening on every day of the event and leave at closing; the participants
  tour the stands there at the end of every day (17:05–17:40 and later);
* at every session that has started, the participants enter a few minutes after the start;
  at a conference one leaves halfway and the others a few minutes before the end; at an
  atelier they are decided by the atelier rules (without a registration: ``not_registered``;
  at a paid atelier without a payment: ``payment_required``), so the log shows denials;
* at the event's first session someone presents a badge that is not one (``invalid_badge``).

Every scan lies inside its session (or the event's opening hours for the hall) and goes
through :func:`events.services.access.verify_room_access` with the event's controller as
verifier and a nonce ``seed-<hash of event, badge, room, direction and time>``: running it
again records nothing twice (the nonces replay), and later in the day it adds the scans whose
time has come. (Demo dates follow the day the seed runs: seeding again on a later day adds
that day's log next to the old one.) Scans still in
the future are left out, so a running event shows people inside its rooms now, and a past
event's rooms end empty. Presence, check-in and occupancy follow from the service.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from events.models import Event, Participant, Role, Room, Session, SessionAccess, UserEventAssignment
from events.services.access import verify_room_access
from seeds.common import Log, local_day, opening_hours, quiet

INVALID_QR = "MP1.NOT-A-MAKEPLUS-BADGE"


@dataclass(frozen=True)
class PlannedScan:
    at: datetime
    room: Room
    direction: str = "entry"
    holder: Participant | None = None
    qr_code: str | None = None  # when no holder: what was presented
    session: Session | None = None

    def nonce(self, event: Event) -> str:
        """Names the scan by what it is (not by its place in the plan): a plan that grows keeps
        the nonces of the scans it already had, and a re-run replays them."""
        who = self.holder.pk if self.holder else self.qr_code
        key = f"{event.pk}|{who}|{self.room.pk}|{self.direction}|{self.at.isoformat()}"
        return "seed-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def event_controller(event: Event):
    """The user who scans the demo event's doors: its first controller (active ones first)."""
    assignment = (
        UserEventAssignment.objects.filter(event=event, role=Role.CONTROLLEUR_DES_BADGES)
        .select_related("user")
        .order_by("-is_active", "assigned_at", "pk")
        .first()
    )
    return assignment.user if assignment else None


def _minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def access_plan(event: Event) -> list[PlannedScan]:
    """Every scan of the demo day(s), whatever the time now (the caller keeps those whose time has come)."""
    holders = list(Participant.objects.filter(event=event).select_related("user").order_by("user__email", "pk"))
    visitors = [h for h in holders if h.kind == Participant.Kind.PARTICIPANT]
    exhibitors = [h for h in holders if h.kind == Participant.Kind.EXPOSANT]
    rooms = list(Room.objects.filter(event=event, is_active=True).order_by("-capacity", "name"))
    sessions = list(
        Session.objects.filter(event=event, room__is_active=True)
        .exclude(status=Session.Status.CANCELLED)
        .select_related("room")
        .order_by("start_time", "title")
    )
    paid = {s.pk for s in sessions if s.is_paid}
    # Who an atelier's door lets in (the door rule: a place, paid when the atelier is paid).
    admitted = {
        (a.session_id, a.participant_id)
        for a in SessionAccess.objects.filter(session__in=sessions).exclude(status=SessionAccess.Status.CANCELLED)
        if a.session_id not in paid or a.status == SessionAccess.Status.PAID
    }
    plan: list[PlannedScan] = []
    if rooms:
        hall = rooms[0]
        day, last = local_day(event.start_date), local_day(event.end_date)
        while day <= last:
            opening, closing = opening_hours(day)
            for i, holder in enumerate(exhibitors):
                plan.append(PlannedScan(opening + _minutes(5 + 3 * i), hall, holder=holder))
                plan.append(PlannedScan(closing - _minutes(10 - 2 * i), hall, "exit", holder=holder))
            for i, holder in enumerate(visitors):  # a tour of the stands after the last session
                plan.append(PlannedScan(closing - _minutes(55 - 4 * i), hall, holder=holder))
                plan.append(PlannedScan(closing - _minutes(20 - 4 * i), hall, "exit", holder=holder))
            day += timedelta(days=1)
    for n, session in enumerate(sessions):
        start, end = session.start_time, session.end_time
        if n == 0:
            plan.append(PlannedScan(start + _minutes(1), session.room, qr_code=INVALID_QR, session=session))
        for i, holder in enumerate(visitors):
            plan.append(PlannedScan(start + _minutes(2 + 2 * i), session.room, holder=holder, session=session))
        if session.session_type == Session.Type.CONFERENCE:
            for i, holder in enumerate(visitors):
                leaves = start + (end - start) / 2 if i == 0 else end - _minutes(3 + i)
                plan.append(PlannedScan(leaves, session.room, "exit", holder=holder, session=session))
        else:  # those the atelier lets in leave at the end
            for i, holder in enumerate(visitors):
                if (session.pk, holder.pk) in admitted:
                    plan.append(
                        PlannedScan(end - _minutes(3 + i), session.room, "exit", holder=holder, session=session)
                    )
    return plan


def ensure_access_logs(event: Event, *, now=None, log: Log = quiet) -> int:
    """Record the demo scans of ``event`` whose time has come (nothing for an event that has not
    started, or without a controller). Returns how many rows this call added."""
    now = now or timezone.now()
    if event.start_date > now or event.status == Event.Status.CANCELLED:
        return 0
    verifier = event_controller(event)
    if verifier is None:
        log(f"no controller in {event.name}: no door log")
        return 0
    plan = access_plan(event)
    due = sorted((scan.at, n) for n, scan in enumerate(plan) if scan.at <= now)
    added = 0
    for _at, n in due:
        scan = plan[n]
        decision = verify_room_access(
            room=scan.room,
            verifier=verifier,
            qr_code=(scan.holder.qr_code_data or None) if scan.holder else scan.qr_code,
            badge_id=scan.holder.badge_id if scan.holder and not scan.holder.qr_code_data else None,
            direction=scan.direction,
            session=scan.session,
            nonce=scan.nonce(event),
            scanned_at=scan.at,
        )
        added += not decision.replayed
    if added:
        log(f"recorded {added} door scans in {event.name}")
    return added
