"""Large generated data: one big running event built with bulk inserts.

``create_load_event`` (:func:`build_load_event`) makes the event the benchmarks run against:
N participants with signed badges, R rooms, S sessions, L door-log rows. The small structural
part (event, staff roles, rooms, sessions, shifts) goes through the services, as in
seeds/demo.py; the large part (accounts, roles, badges, atelier places, door logs) is written
with ``bulk_create`` (door logs with PostgreSQL's ``COPY``), which bypasses the counter
signals, so the counters are recounted at the end.

The door log is planned before anything is written, so that it is consistent by construction:

* the event runs from yesterday 09:00 to tomorrow 18:00 (Algiers); room *i* is watched by
  controller *i*, on shift for the whole event; sessions fill a grid of equal slots per day
  (the same grid in every room, so no two sessions of a room overlap);
* a *stay* is one participant at one session that has started: an entry scan shortly before
  or after the start, an exit around the end (some leave early), and in between some
  exit/entry pairs (stepping out and back). No participant has two stays in one slot, and a
  session has at most its room's capacity of attendees, so occupancy never exceeds capacity;
* a stay whose exit lies in the future has no exit row: that participant is inside the room
  now (``Participant.current_room``); ``checked_in_at`` is the first granted entry;
* denied scans: unreadable badges (``invalid_badge``), participants without a place at an
  atelier (``not_registered``) and, at paid ateliers, registered but unpaid participants
  (``payment_required``); every atelier attendee holds a place (paid at a paid atelier);
* every scan is in the past, inside the event's opening hours, verified by the room's
  controller.

The number of rows is exact: stays take about 93 % of L (entries, exits, then stepping-out
pairs fill the rest) and denials the remainder. ``--replace`` deletes the earlier event with
:mod:`seeds.purge`.
"""

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connections, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from events import badges
from events.counters import recount_events, recount_rooms, recount_scan_counts
from events.models import (
    Event,
    Participant,
    Role,
    RoomAccess,
    Session,
    SessionAccess,
    UserEventAssignment,
)
from events.models.participants import BADGE_ALPHABET, new_badge_id
from events.services import assign_user, create_event
from events.services.programme import create_room, create_session
from events.services.staff import assign_staff
from seeds.common import CLOSING, OPENING, Log, algiers_today, demo_password_hash, local_day, local_time, quiet
from seeds.purge import Purged, purge_events, purge_users

GENERATED_BY = "create_load_event"
DEFAULT_NAME = "MakePlus Load Test"
DAYS = 3  # yesterday, today, tomorrow
DAY_MINUTES = (CLOSING.hour * 60 + CLOSING.minute) - (OPENING.hour * 60 + OPENING.minute)
MIN_SLOT_MINUTES = 10
DENIED_SHARE = 0.07
OFFLINE_SHARE = 0.03
TYPED_SHARE = 0.1  # badge ids typed by hand instead of a scanned QR code
ATELIER_EVERY = 4  # every 4th session is an atelier, every other atelier is paid
ATELIER_PRICE = Decimal(1500)
SEATS_PER_PARTICIPANT = 0.6  # all rooms together seat 60 % of the participants
CAPACITY_WEIGHTS = (10, 6, 4, 3, 2, 2, 1.5, 1)
PAYMENT_METHODS = ("cash", "card", "transfer")

FIRST_NAMES = (
    "Amina", "Yacine", "Nassima", "Karim", "Lamia", "Sofiane", "Imane", "Mourad", "Sara", "Walid",
    "Meriem", "Redouane", "Houda", "Anis", "Khadidja", "Ilyes", "Rania", "Hichem", "Selma", "Nabil",
    "Yasmine", "Farid", "Kenza", "Mehdi", "Wafa", "Omar", "Lina", "Rafik", "Amel", "Djamel",
)  # fmt: skip
LAST_NAMES = (
    "Benali", "Haddad", "Brahimi", "Meziane", "Boudiaf", "Saadi", "Khelifi", "Hamidi", "Zerrouki", "Bensalem",
    "Benamar", "Mekki", "Boumediene", "Belhadj", "Taleb", "Chikhi", "Bouchama", "Boukhalfa", "Bencheikh",
    "Benmoussa", "Laib", "Belaid", "Kerrouche", "Kaci", "Cherif", "Mansouri", "Belkacem", "Ould-Ali", "Ferhat",
    "Rahmani",
)  # fmt: skip
THEMES = ("Intelligence artificielle", "Cybersécurité", "Cloud et données", "Fintech", "Énergies renouvelables")
TOPICS = ("retours d'expérience", "tendances 2025", "cas pratiques", "table ronde", "démonstrations")

Progress = Callable[[str, int, int], object]  # phase, done, total


class LoadEventError(Exception):
    """The load event cannot be built as asked (bad numbers, name taken); nothing was written."""


@dataclass(frozen=True)
class LoadSpec:
    name: str = DEFAULT_NAME
    participants: int = 50_000
    rooms: int = 40
    sessions: int = 200
    access_logs: int = 1_000_000
    seed: int = 2025

    @property
    def domain(self) -> str:
        """The accounts' email domain, one per event name: ``<slug>.load.makeplus.dz``."""
        return f"{slugify(self.name)[:40].strip('-') or 'event'}.load.makeplus.dz"

    @property
    def sessions_per_day(self) -> int:
        return math.ceil(math.ceil(self.sessions / self.rooms) / DAYS) if self.sessions else 0

    def check(self) -> None:
        if not self.name.strip() or len(self.name) > Event._meta.get_field("name").max_length:
            raise LoadEventError("The event needs a name of at most 200 characters.")
        if min(self.participants, self.sessions, self.access_logs) < 0 or self.rooms < 1:
            raise LoadEventError("Numbers cannot be negative, and the event needs at least one room.")
        most = self.rooms * DAYS * (DAY_MINUTES // MIN_SLOT_MINUTES)
        if self.sessions > most:
            raise LoadEventError(
                f"{self.rooms} room(s) hold at most {most} sessions ({DAYS} days of {MIN_SLOT_MINUTES}-minute slots)."
            )


@dataclass
class LoadReport:
    event: Event
    domain: str
    timings: list[tuple[str, float]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    replaced: Purged | None = None

    @property
    def total_seconds(self) -> float:
        return sum(seconds for _, seconds in self.timings)


class _Phases:
    def __init__(self, report: LoadReport, log: Log):
        self.report, self.log = report, log

    def run(self, name: str, step, *args):
        started = time.perf_counter()
        result = step(*args)
        seconds = time.perf_counter() - started
        self.report.timings.append((name, seconds))
        self.log(f"{name}: {seconds:.1f} s")
        return result


def _moment(opening: datetime, seconds: float) -> datetime:
    """A planned time (seconds from the event's opening) as a datetime; the one conversion used."""
    return datetime.fromtimestamp(opening.timestamp() + seconds, UTC)


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- programme: rooms, sessions (through the services) ------------------------------------------


@dataclass(frozen=True)
class _SessionPlan:
    room: int
    slot: tuple[int, int]  # (day, index): the same grid in every room
    window: tuple[float, float]  # the slot, seconds from the event's opening
    start: float  # seconds from the event's opening
    end: float
    atelier: bool
    paid: bool


def _capacities(spec: LoadSpec) -> list[int]:
    weights = [CAPACITY_WEIGHTS[i % len(CAPACITY_WEIGHTS)] for i in range(spec.rooms)]
    seats = SEATS_PER_PARTICIPANT * spec.participants
    return [max(10, round(seats * w / sum(weights))) for w in weights]


def _session_plans(spec: LoadSpec, opening: datetime) -> list[_SessionPlan]:
    """Session j: room j % R, then the rooms' slots in order, days first to last."""
    if not spec.sessions:
        return []
    slot = DAY_MINUTES // spec.sessions_per_day
    gap = max(1, min(15, slot // 10))
    plans = []
    for j in range(spec.sessions):
        day, index = divmod(j // spec.rooms, spec.sessions_per_day)
        day_open = local_time(local_day(opening) + timedelta(days=day), OPENING)
        slot_start = (day_open - opening).total_seconds() + index * slot * 60
        atelier = j % ATELIER_EVERY == ATELIER_EVERY - 1
        plans.append(
            _SessionPlan(
                room=j % spec.rooms,
                slot=(day, index),
                window=(slot_start, slot_start + slot * 60),
                start=slot_start + gap * 60,
                end=slot_start + (slot - gap) * 60,
                atelier=atelier,
                paid=atelier and (j // ATELIER_EVERY) % 2 == 1,
            )
        )
    return plans


# --- the door-log plan --------------------------------------------------------------------------


@dataclass
class _Plan:
    # (participant, session, entry, exit or None when still inside, stepping-out pairs); times in
    # seconds from the event's opening
    stays: list[list] = field(default_factory=list)
    # (time, room, session or -1, participant or -1, reason)
    denials: list[tuple] = field(default_factory=list)
    places: dict[tuple[int, int], str] = field(default_factory=dict)  # (participant, session) → status
    first_entry: dict[int, float] = field(default_factory=dict)
    inside: dict[int, int] = field(default_factory=dict)  # participant → room
    now: float = 0.0


def _open_windows(opening: datetime, now_s: float) -> list[tuple[float, float]]:
    """The opening hours (09:00–18:00 Algiers) of the event's days, up to now."""
    windows = []
    for day in range(DAYS):
        day_open = local_time(local_day(opening) + timedelta(days=day), OPENING)
        start = (day_open - opening).total_seconds()
        if start < now_s:
            windows.append((start, min(start + DAY_MINUTES * 60.0, now_s)))
    return windows


def _plan_log(spec, sessions: list[_SessionPlan], capacity: list[int], windows, now_s: float, rng) -> _Plan:
    plan = _Plan(now=now_s)
    started = [i for i, s in enumerate(sessions) if s.start < now_s]
    granted_budget = spec.access_logs - round(spec.access_logs * DENIED_SHARE)

    # Attendance per started session: half to full rooms, never more people than participants in a slot.
    wanted = {i: int(capacity[sessions[i].room] * rng.uniform(0.5, 1.0)) for i in started}
    for i in started:
        if sessions[i].paid:  # leave a few places to registered participants who have not paid yet
            wanted[i] = min(wanted[i], capacity[sessions[i].room] - max(1, capacity[sessions[i].room] // 10))
    by_slot: dict[tuple, list[int]] = {}
    for i in started:
        by_slot.setdefault(sessions[i].slot, []).append(i)
    for members in by_slot.values():
        total = sum(wanted[i] for i in members)
        if total > spec.participants:
            for i in members:
                wanted[i] = wanted[i] * spec.participants // total
    total = sum(wanted.values())
    if total > granted_budget // 2:  # every stay costs two rows at least (entry, exit)
        for i in started:
            wanted[i] = wanted[i] * (granted_budget // 2) // total

    slot_people: dict[tuple, set] = {}
    for slot_key, members in sorted(by_slot.items()):
        pool = rng.sample(range(spec.participants), sum(wanted[i] for i in members))
        slot_people[slot_key] = set(pool)
        for i in members:
            s = sessions[i]
            attendees, pool = pool[: wanted[i]], pool[wanted[i] :]
            gap = s.start - s.window[0]
            for p in attendees:
                if s.atelier:
                    plan.places[(p, i)] = SessionAccess.Status.PAID if s.paid else SessionAccess.Status.REGISTERED
                entry = s.start + rng.uniform(-gap, 0.2 * (s.end - s.start))
                if entry >= now_s:
                    continue  # not arrived yet
                leave = s.end + rng.uniform(-gap, gap) if rng.random() < 0.85 else rng.uniform(entry, s.end)
                leave = min(max(leave, entry + 1), s.window[1] - 1)
                exit_ = leave if leave < now_s else None
                plan.stays.append([p, i, entry, exit_, 0])
                if p not in plan.first_entry or entry < plan.first_entry[p]:
                    plan.first_entry[p] = entry
                if exit_ is None:
                    plan.inside[p] = s.room

    base = sum(1 if stay[3] is None else 2 for stay in plan.stays)
    pairs = (granted_budget - base) // 2 if plan.stays else 0
    for k, stay in enumerate(plan.stays):
        stay[4] = pairs // len(plan.stays) + (1 if k < pairs % len(plan.stays) else 0)
    granted = base + 2 * pairs
    denials = spec.access_logs - granted
    _plan_denials(plan, spec, sessions, started, slot_people, capacity, windows, denials, rng)
    return plan


def _plan_denials(plan, spec, sessions, started, slot_people, capacity, windows, count, rng) -> None:
    now_s = plan.now
    ateliers = [i for i in started if sessions[i].atelier] if spec.participants else []
    paid = [i for i in ateliers if sessions[i].paid]
    taken = Counter(session for (_, session) in plan.places)
    unpaid: dict[int, list[int]] = {i: [] for i in paid}
    room_sessions: dict[int, list[int]] = {}
    for i, s in enumerate(sessions):
        room_sessions.setdefault(s.room, []).append(i)

    def running(room: int, at: float) -> int:
        return next((i for i in room_sessions.get(room, ()) if sessions[i].start <= at < sessions[i].end), -1)

    def outsider(i: int) -> int:
        """A participant with no place at session i and no stay in its slot, or -1."""
        for _ in range(20):
            p = rng.randrange(spec.participants)
            if (p, i) not in plan.places and p not in slot_people.get(sessions[i].slot, ()):
                return p
        return -1

    free = [i for i in ateliers if not sessions[i].paid]
    for _ in range(count):
        draw, p = rng.random(), -1
        if free and draw < 0.3:  # no place at a free atelier
            i, reason = rng.choice(free), RoomAccess.Reason.NOT_REGISTERED
            p = outsider(i)
        elif paid and draw < 0.5:  # no paid place at a paid atelier: mostly registered but unpaid
            i, reason = rng.choice(paid), RoomAccess.Reason.PAYMENT_REQUIRED
            if taken[i] < capacity[sessions[i].room] and (p := outsider(i)) >= 0:
                plan.places[(p, i)] = SessionAccess.Status.REGISTERED
                unpaid[i].append(p)
                taken[i] += 1
            elif unpaid[i]:
                p = rng.choice(unpaid[i])
        if p >= 0:
            s = sessions[i]
            plan.denials.append((rng.uniform(s.window[0], min(s.end, now_s)), s.room, i, p, reason))
            continue
        start, end = rng.choice(windows)
        at = rng.uniform(start, end)
        room = rng.randrange(spec.rooms)
        plan.denials.append((at, room, running(room, at), -1, RoomAccess.Reason.INVALID_BADGE))


def _log_rows(plan: _Plan, sessions: list[_SessionPlan], rng) -> list[tuple]:
    """Every door-log row, in time order: (time, participant, room, session, direction, reason)."""
    rows = []
    for p, i, entry, exit_, steps in plan.stays:
        room = sessions[i].room
        rows.append((entry, p, room, i, RoomAccess.Direction.ENTRY, ""))
        if steps:
            until = exit_ if exit_ is not None else plan.now
            moments = sorted(rng.uniform(entry, until) for _ in range(2 * steps))
            for k in range(0, len(moments), 2):
                rows.append((moments[k], p, room, i, RoomAccess.Direction.EXIT, ""))
                rows.append((moments[k + 1], p, room, i, RoomAccess.Direction.ENTRY, ""))
        if exit_ is not None:
            rows.append((exit_, p, room, i, RoomAccess.Direction.EXIT, ""))
    for at, room, i, p, reason in plan.denials:
        rows.append((at, p, room, i, RoomAccess.Direction.ENTRY, reason))
    rows.sort(key=lambda row: row[0])
    return rows


# --- writing it ---------------------------------------------------------------------------------


def _staff_emails(spec: LoadSpec) -> list[tuple[str, str]]:
    """(local part, role) of the staff accounts: organisateur, gestionnaire, one controller per room."""
    width = len(str(spec.rooms))
    return [
        ("organisateur", Role.ORGANISATEUR),
        ("gestionnaire", Role.GESTIONNAIRE_DES_SALLES),
        *((f"controlleur{n:0{width}d}", Role.CONTROLLEUR_DES_BADGES) for n in range(1, spec.rooms + 1)),
    ]


def participant_email(spec: LoadSpec, n: int) -> str:
    """The n-th participant's login (n from 1)."""
    return f"participant{n:0{max(5, len(str(spec.participants)))}d}@{spec.domain}"


def _make_accounts(spec: LoadSpec, progress: Progress) -> tuple[list[User], list[User]]:
    if User.objects.filter(email__endswith="@" + spec.domain).exists():
        raise LoadEventError(
            f"Accounts @{spec.domain} exist (another load event's name gives the same domain, or an earlier "
            "one left them): use --replace, or another name."
        )
    password = demo_password_hash()
    staff = [
        User(email=f"{local}@{spec.domain}", first_name=local.rstrip("0123456789").capitalize(), last_name="Load")
        for local, _ in _staff_emails(spec)
    ]
    people = [
        User(
            email=participant_email(spec, n + 1),
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)],
        )
        for n in range(spec.participants)
    ]
    accounts = staff + people
    for user in accounts:
        user.password = password
    done = 0
    for batch in _batches(accounts, 2000):
        User.objects.bulk_create(batch)
        done += len(batch)
        progress("accounts", done, len(accounts))
    return staff, people


def _make_programme(spec: LoadSpec, staff: list[User], opening, closing, now, progress: Progress):
    """Event, staff roles, rooms, sessions and shifts, through the services (a few hundred calls)."""
    organisateur, gestionnaire, controllers = staff[0], staff[1], staff[2:]
    total, done = len(staff) + spec.sessions + 2 * spec.rooms + 1, 0  # event, roles, rooms, sessions, shifts

    def step():
        nonlocal done
        done += 1
        progress("programme", done, total)

    event = create_event(
        created_by=organisateur,
        name=spec.name,
        description=f"Événement généré pour les tests de charge ({spec.participants} participants).",
        start_date=opening,
        end_date=closing,
        location="Alger",
        location_details="Généré par manage.py create_load_event.",
        status=Event.Status.ACTIVE,
        themes=list(THEMES),
        organizer_contact=organisateur.email,
        metadata={"generated_by": GENERATED_BY, "seed": spec.seed},
    )
    step()
    for user, (_, role) in zip(staff[1:], _staff_emails(spec)[1:], strict=True):
        assign_user(event=event, user=user, role=role, assigned_by=organisateur)
        step()
    capacities = _capacities(spec)
    width = len(str(spec.rooms))
    rooms = []
    for n, capacity in enumerate(capacities):
        room = create_room(
            event=event, actor=organisateur, name=f"Salle {n + 1:0{width}d}", capacity=capacity, location="Niveau 0"
        )
        rooms.append(room)
        step()
    plans = _session_plans(spec, opening)
    sessions = []
    for j, plan in enumerate(plans):
        start, end = opening + timedelta(seconds=plan.start), opening + timedelta(seconds=plan.end)
        status = Session.Status.SCHEDULED
        if end <= now:
            status = Session.Status.COMPLETED
        elif start <= now:
            status = Session.Status.LIVE
        theme = THEMES[j % len(THEMES)]
        sessions.append(
            create_session(
                event=event,
                actor=organisateur,
                room=rooms[plan.room],
                title=f"{theme} : {TOPICS[(j // len(THEMES)) % len(TOPICS)]} ({j + 1})",
                start_time=start,
                end_time=end,
                session_type=Session.Type.ATELIER if plan.atelier else Session.Type.CONFERENCE,
                is_paid=plan.paid,
                price=ATELIER_PRICE if plan.paid else Decimal(0),
                speaker_name=f"{FIRST_NAMES[j % len(FIRST_NAMES)]} {LAST_NAMES[j % len(LAST_NAMES)]}",
                theme=theme,
                status=status,
            )
        )
        step()
    role = Role.CONTROLLEUR_DES_BADGES
    for room, controller in zip(rooms, controllers, strict=True):
        assign_staff(
            room=room, user=controller, role=role, start_time=opening, end_time=closing, assigned_by=organisateur
        )
        step()
    assign_staff(
        room=rooms[0],
        user=gestionnaire,
        role=Role.GESTIONNAIRE_DES_SALLES,
        start_time=opening,
        end_time=closing,
        assigned_by=organisateur,
    )
    step()
    return event, rooms, plans, sessions


def _unique_badge_ids(count: int) -> list[str]:
    ids: set[str] = set()
    while len(ids) < count:
        wanted = count - len(ids)
        fresh = {new_badge_id() for _ in range(wanted)} - ids
        for chunk in _batches(sorted(fresh), 5000):
            fresh -= set(Participant.objects.filter(badge_id__in=chunk).values_list("badge_id", flat=True))
        ids |= fresh
    return list(ids)[:count]


def _make_participants(spec, event, organisateur, people, rooms, plan: _Plan, opening, progress) -> list[Participant]:
    assignments = [
        # Load-event people have opened the event (accepted): their profile is what the event shows.
        UserEventAssignment(
            user=user, event=event, role=Role.PARTICIPANT, assigned_by=organisateur, accepted_at=opening
        )
        for user in people
    ]
    total = 2 * len(people)
    for n, batch in enumerate(_batches(assignments, 5000)):
        UserEventAssignment.objects.bulk_create(batch)
        progress("participants", min(len(people), (n + 1) * 5000), total)
    participants = []
    for n, (user, badge_id) in enumerate(zip(people, _unique_badge_ids(len(people)), strict=True)):
        entered = plan.first_entry.get(n)
        participants.append(
            Participant(
                user=user,
                event=event,
                kind=Participant.Kind.PARTICIPANT,
                first_name=user.first_name,
                last_name=user.last_name,
                phone=user.phone,
                badge_id=badge_id,
                is_checked_in=entered is not None,
                checked_in_at=None if entered is None else _moment(opening, entered),
                current_room=rooms[plan.inside[n]] if n in plan.inside else None,
            )
        )
    for n, batch in enumerate(_batches(participants, 2000)):
        Participant.objects.bulk_create(batch)
        progress("participants", len(people) + min(len(people), (n + 1) * 2000), total)
    if participants and participants[0].pk is None:
        raise LoadEventError("This database does not return primary keys from bulk inserts (SQLite < 3.35?).")
    return participants


def _badge_signer(event: Event) -> Callable[[Participant], str]:
    """``badges.sign_badge`` without its key query per badge (a third of a millisecond each, 50,000
    times): the event's key is read once. The payload is built by the badges module's own pieces,
    and the first badge is compared with ``sign_badge`` itself (Ed25519 signatures are
    deterministic), so a change of the format there cannot go unnoticed here."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.from_private_bytes(bytes(badges.badge_key_for(event).private_key))
    event_bytes = event.pk.bytes

    def sign(participant: Participant) -> str:
        body = badges._BODY.pack(badges.FORMAT_VERSION, event_bytes, participant.pk, participant.badge_version)
        return badges.PREFIX + badges._b32(body + private.sign(body))

    return sign


def _sign_badges(event: Event, participants: list[Participant], progress: Progress) -> None:
    """Sign every badge and store the codes (bulk_update, 1,000 rows a statement)."""
    sign = _badge_signer(event)
    if participants and sign(participants[0]) != badges.sign_badge(participants[0]):
        raise LoadEventError("events.badges changed its payload format: update _badge_signer.")
    done = 0
    for batch in _batches(participants, 1000):
        for participant in batch:
            participant.qr_code_data = sign(participant)
        Participant.objects.bulk_update(batch, ["qr_code_data"])
        done += len(batch)
        progress("badges", done, len(participants))


def _make_places(plan: _Plan, participants, sessions, organisateur, rng) -> int:
    places = []
    for (p, i), status in sorted(plan.places.items()):
        place = SessionAccess(participant=participants[p], session=sessions[i], status=status)
        if status == SessionAccess.Status.PAID:
            place.amount = ATELIER_PRICE
            place.payment_method = rng.choice(PAYMENT_METHODS)
            place.paid_at = sessions[i].start_time - timedelta(hours=rng.uniform(1, 48))
            place.recorded_by = organisateur
        places.append(place)
    SessionAccess.objects.bulk_create(places, batch_size=2000)
    return len(places)


_COLUMNS = (
    "participant",
    "badge_input",
    "room",
    "session",
    "direction",
    "status",
    "denial_reason",
    "already_inside",
    "verified_by",
    "scanned_at",
    "received_at",
    "nonce",
    "offline",
    "server_reason",
)


_FIELDS = tuple(
    f"{name}_id" if name in ("participant", "room", "session", "verified_by") else name for name in _COLUMNS
)


def _log_values(rows, plan, participants, rooms, sessions, controllers, opening, rng):
    """Each row as the values of _COLUMNS (ids and datetimes), in time order."""
    pks = [p.pk for p in participants]
    codes = [p.qr_code_data for p in participants]
    badge_ids = [p.badge_id for p in participants]
    room_pks = [room.pk for room in rooms]
    session_pks = [session.pk for session in sessions]
    verifiers = [user.pk for user in controllers]
    for at, p, room, i, direction, reason in rows:
        if p >= 0:
            badge_input = badge_ids[p] if rng.random() < TYPED_SHARE else codes[p]
        elif rng.random() < 0.5:  # a mistyped badge id (0 is never in one)
            badge_input = "0" + "".join(rng.choices(BADGE_ALPHABET, k=7))
        else:  # a QR code that is not a MakePlus badge
            badge_input = "MP1." + "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", k=149))
        offline = rng.random() < OFFLINE_SHARE
        received = min(at + (rng.uniform(300, 3600) if offline else rng.uniform(0.05, 0.8)), plan.now)
        yield (
            pks[p] if p >= 0 else None,
            badge_input,
            room_pks[room],
            session_pks[i] if i >= 0 else None,
            direction,
            RoomAccess.Status.DENIED if reason else RoomAccess.Status.GRANTED,
            reason,
            False,
            verifiers[room],
            _moment(opening, at),
            _moment(opening, max(received, at)),
            f"{rng.getrandbits(128):032x}",
            offline,
            "",
        )


def _copy_text(value) -> str:
    """One value in COPY's text format (our values hold no tab, newline or backslash)."""
    if value is None:
        return r"\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _write_log(values, total: int, progress: Progress, chunk: int = 20_000) -> None:
    connection = connections["default"]
    done = 0
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        columns = ", ".join(qn(RoomAccess._meta.get_field(name).column) for name in _COLUMNS)
        sql = f"COPY {qn(RoomAccess._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            lines = []
            for row in values:
                lines.append("\t".join(map(_copy_text, row)) + "\n")
                if len(lines) == chunk:
                    copy.write("".join(lines))
                    done += len(lines)
                    lines.clear()
                    progress("access log", done, total)
            copy.write("".join(lines))
            done += len(lines)
    else:  # received_at is then the insertion time (auto_now_add)
        batch = []
        for row in values:
            batch.append(RoomAccess(**dict(zip(_FIELDS, row, strict=True))))
            if len(batch) == chunk:
                RoomAccess.objects.bulk_create(batch, batch_size=2000)
                done += len(batch)
                batch.clear()
                progress("access log", done, total)
        RoomAccess.objects.bulk_create(batch, batch_size=2000)
        done += len(batch)
    progress("access log", done, total)


def _finish(event: Event) -> None:
    """Exact counters (the bulk inserts bypassed the signals); fresh planner statistics."""
    recount_events([event.pk])
    recount_rooms([event.pk])
    recount_scan_counts([event.pk])
    connection = connections["default"]
    if connection.vendor == "postgresql":
        tables = [m._meta.db_table for m in (User, UserEventAssignment, Participant, SessionAccess, RoomAccess)]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _check_constraints_now(now: bool) -> None:
    """PostgreSQL checks Django's foreign keys (DEFERRABLE INITIALLY DEFERRED) at commit: for a
    million rows that is a long queue and a long commit. Checked row by row as they are written
    instead, the cost is the same but shows in the phase that causes it. Back to deferred at the end
    (the setting lasts for the transaction, which may be a caller's)."""
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS ALL {'IMMEDIATE' if now else 'DEFERRED'}")


def _replace(spec: LoadSpec, replace: bool) -> Purged | None:
    existing = Event.objects.filter(name=spec.name)
    if not existing.exists() and not User.objects.filter(email__endswith="@" + spec.domain).exists():
        return None
    if not replace:
        raise LoadEventError(
            f"An event named {spec.name!r} (or its accounts @{spec.domain}) exists: --replace deletes it first."
        )
    # In Python: a JSON key lookup inside exclude() lets an event without the key through.
    made_here = [
        isinstance(m, dict) and m.get("generated_by") == GENERATED_BY
        for m in existing.values_list("metadata", flat=True)
    ]
    if not all(made_here):
        raise LoadEventError(f"The event {spec.name!r} was not made by create_load_event: it is not replaced.")
    accounts = User.objects.filter(email__endswith="@" + spec.domain, is_superuser=False)
    elsewhere = sorted(
        set(
            UserEventAssignment.objects.filter(user__in=accounts.values("pk"))
            .exclude(event__in=existing.values("pk"))
            .values_list("event__name", flat=True)
        )
    )
    if elsewhere:
        raise LoadEventError(f"Accounts @{spec.domain} hold roles in {', '.join(elsewhere)}: choose another name.")
    purged = purge_events(existing)
    purged += purge_users(accounts)
    return purged


def build_load_event(
    spec: LoadSpec, *, replace: bool = False, progress: Progress = quiet, log: Log = quiet
) -> LoadReport:
    """Build the load event described by ``spec`` in one transaction (see the module docstring).
    An event of that name is refused, or with ``replace`` deleted first with its accounts, if
    create_load_event made it. Raises LoadEventError when it cannot be built."""
    spec.check()
    rng = random.Random(spec.seed)
    today = algiers_today()
    opening = local_time(today - timedelta(days=1), OPENING)
    closing = local_time(today + timedelta(days=DAYS - 2), CLOSING)
    with transaction.atomic():
        _check_constraints_now(True)
        report = LoadReport(event=None, domain=spec.domain)
        phases = _Phases(report, log)
        report.replaced = phases.run("replace", _replace, spec, replace)
        staff, people = phases.run("accounts", _make_accounts, spec, progress)
        now = timezone.now()
        event, rooms, plans, sessions = phases.run(
            "programme", _make_programme, spec, staff, opening, closing, now, progress
        )
        report.event = event
        now_s = (now - opening).total_seconds()
        windows = _open_windows(opening, now_s)
        plan = phases.run("plan", _plan_log, spec, plans, [r.capacity for r in rooms], windows, now_s, rng)
        participants = phases.run(
            "participants", _make_participants, spec, event, staff[0], people, rooms, plan, opening, progress
        )
        phases.run("badges", _sign_badges, event, participants, progress)
        places = phases.run("ateliers", _make_places, plan, participants, sessions, staff[0], rng)
        rows = phases.run("log plan", _log_rows, plan, plans, rng)
        values = _log_values(rows, plan, participants, rooms, sessions, staff[2:], opening, rng)
        phases.run("access log", _write_log, values, len(rows), progress)
        phases.run("counters", _finish, event)
        _check_constraints_now(False)
    denied = sum(1 for row in rows if row[5])
    report.counts = {
        "accounts": len(staff) + len(people),
        "participants": len(participants),
        "rooms": len(rooms),
        "sessions": len(sessions),
        "atelier places": places,
        "access log rows": len(rows),
        "granted": len(rows) - denied,
        "denied": denied,
        "checked in": len(plan.first_entry),
        "inside now": len(plan.inside),
    }
    return report


def load_credentials(spec: LoadSpec) -> list[tuple[str, str]]:
    """(email, role) of the accounts worth knowing; password DEMO_PASSWORD (seeds.common) for all."""
    rows = [(f"{local}@{spec.domain}", role) for local, role in _staff_emails(spec)[:3]]
    if spec.rooms > 1:
        rows.append((f"controlleur…@{spec.domain}", f"{Role.CONTROLLEUR_DES_BADGES} (one per room)"))
    if spec.participants:
        rows.append((f"{participant_email(spec, 1)} … {participant_email(spec, spec.participants)}", Role.PARTICIPANT))
    return rows
