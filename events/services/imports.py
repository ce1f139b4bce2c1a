"""The participant import's write: a checked file (events/imports.py) becomes badges, roles,
room access and atelier places of one event, all at once or not at all.

**All or nothing.** Every row is checked before anything is written (the same checks in a dry run
and in a real run); a real run with one error writes nothing (``written`` is false in the report)
and the whole write is one transaction, so a failure half-way leaves nothing behind either.

**Idempotent.** A person is found by email: an account that exists is linked (never a second one),
a badge that exists in the event is updated (never a second one). Importing the same file twice
changes nothing the second time (every row ``unchanged``).

**What a row changes**, for the columns the file has (a missing column changes nothing; an empty
cell never erases anything, except the rooms cell, see below):

* the account: a new email gets a new account **without a usable password** (the person sets it
  through the invitation or a password reset). An existing account is never given a password and
  never loses one. Its name, phone and company are *filled where blank*; they are *replaced* only
  while nobody has claimed the account (no usable password and never signed in: the organisers'
  data is then the only data), never on an account its owner uses;
* the kind (participant / exposant): the badge's kind and the holder's role in the event follow it,
  as in events/services/participants.py; an exposant gets its exhibitor profile. An email that
  belongs to the event's staff (organisateur, gestionnaire, contrôleur) is refused
  (``role_conflict``): staff badges are not imported;
* the rooms: names → access to those rooms only; an empty cell (or "toutes"/"all") → every room;
* the ateliers: a place is taken in each atelier listed (free or paid: a paid place stays to be
  paid at the desk, as with events/services/ateliers.py) while the atelier is open and has room;
  a place held already is kept as it is (paid or not); the import never gives a place back.

**Invitations** (``invite=True``) go, after the commit, to every person of the file whose account
has no usable password yet (``accounts.invitations.invite_if_needed`` decides and sends).

**Cost.** A fixed number of queries whatever the number of rows (chunks of :data:`CHUNK`): every
lookup is preloaded, every write is a bulk statement (on PostgreSQL, updates are one
``UPDATE … FROM (VALUES …)`` per chunk), the event totals are recounted once, exposants' exhibitor
profiles are made in bulk. ``bench/import_participants.py`` times 5,000 rows.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.invitations import invite_if_needed
from accounts.models import User
from events import badges
from events.counters import recount_events
from events.imports import ImportRow, RowError, Table, check_rows, names_of, read_table
from events.models import Event, Participant, Role, Session, SessionAccess, UserEventAssignment
from events.models.participants import BADGE_ALPHABET, BADGE_ID_LENGTH
from events.roles import BADGE_HOLDERS
from makeplus import read_cache
from makeplus.errors import AppError
from makeplus.jobs import job
from makeplus.jobs import once as job_once

CHUNK = 1000  # rows per lookup and per bulk statement
_USER_FIELDS = ("first_name", "last_name", "phone", "company")
_REGISTRATION_FIELDS = ("first_name", "last_name", "phone")  # Participant's copy (SPEC "Privacy")


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Row:
    """What one checked row does: the objects it creates or changes."""

    source: ImportRow
    user: User
    new_user: bool = False
    user_changed: bool = False
    assignment: UserEventAssignment | None = None
    assignment_changed: bool = False
    participant: Participant | None = None
    new_participant: bool = False
    participant_changed: bool = False
    rooms: set | None = None  # room ids, when the allowed rooms change
    places: list = field(default_factory=list)  # (session, existing cancelled access or None)

    @property
    def outcome(self) -> str:
        if self.new_participant:
            return "created"
        changed = self.user_changed or self.assignment_changed or self.participant_changed
        return "updated" if changed or self.rooms is not None or self.places else "unchanged"


@dataclass
class _Existing:
    """Everything the rows need to know about the database, read in bulk."""

    users: dict  # email → User
    assignments: dict  # user id → UserEventAssignment of this event
    participants: dict  # user id → Participant of this event
    allowed: dict  # participant id → set of room ids
    accesses: dict  # (participant id, session id) → SessionAccess
    taken: dict  # session id → places taken


def _existing(event: Event, rows: list[ImportRow], sessions: list[Session]) -> _Existing:
    users = {}
    for emails in _chunks([row.email for row in rows]):
        users.update({user.email: user for user in User.objects.filter(email__in=emails)})
    user_ids = [user.pk for user in users.values()]
    assignments, participants = {}, {}
    for ids in _chunks(user_ids):
        assignments.update({a.user_id: a for a in UserEventAssignment.objects.filter(event=event, user_id__in=ids)})
        participants.update({p.user_id: p for p in Participant.objects.filter(event=event, user_id__in=ids)})
    participant_ids = [p.pk for p in participants.values()]
    allowed: dict = {pk: set() for pk in participant_ids}
    accesses = {}
    through = Participant.allowed_rooms.through
    session_ids = [session.pk for session in sessions]
    for ids in _chunks(participant_ids):
        for participant_id, room_id in through.objects.filter(participant_id__in=ids).values_list(
            "participant_id", "room_id"
        ):
            allowed[participant_id].add(room_id)
        if session_ids:
            for access in SessionAccess.objects.filter(participant_id__in=ids, session_id__in=session_ids):
                accesses[(access.participant_id, access.session_id)] = access
    taken = dict.fromkeys(session_ids, 0)
    if session_ids:
        rows_taken = (
            SessionAccess.objects.filter(session_id__in=session_ids, status__in=SessionAccess.PLACE_STATUSES)
            .order_by()
            .values_list("session_id")
        )
        for session_id, count in rows_taken.annotate(n=Count("pk")).values_list("session_id", "n"):
            taken[session_id] = count
    return _Existing(users, assignments, participants, allowed, accesses, taken)


def _claimed(user: User) -> bool:
    """Whether the account is its owner's (a password, or a sign-in): then the file fills blanks only."""
    return user.has_usable_password() or user.last_login is not None


def _plan_user(row: ImportRow, existing: _Existing) -> tuple[User, bool, bool]:
    user = existing.users.get(row.email)
    values = {name: getattr(row, name) for name in _USER_FIELDS}
    if user is None:
        # The format of set_unusable_password(), with one call to the system's random source.
        user = User(email=row.email, password=UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20), **values)
        return user, True, False
    claimed = _claimed(user)
    changed = False
    for name, value in values.items():
        if value and getattr(user, name) != value and (not claimed or not getattr(user, name)):
            setattr(user, name, value)
            changed = True
    return user, False, changed


def _atelier_open(session: Session, now) -> bool:
    """The ateliers service's rule for taking a place (events/services/ateliers.py: _check_open)."""
    return session.status not in (Session.Status.CANCELLED, Session.Status.COMPLETED) and session.end_time > now


def _plan(event: Event, table: Table, rows: list[ImportRow], by: User | None) -> tuple[list[_Row], list[RowError]]:
    """What each row does, and the errors only the database can tell (``role_conflict``,
    ``atelier_closed``, ``atelier_full``: places are counted in file order)."""
    sessions = list({s.pk: s for row in rows for s in (row.ateliers or ())}.values())
    existing = _existing(event, rows, sessions)
    now = timezone.now()
    planned, errors = [], []
    for row in rows:
        user, new_user, user_changed = _plan_user(row, existing)
        step = _Row(source=row, user=user, new_user=new_user, user_changed=user_changed)
        assignment = None if new_user else existing.assignments.get(user.pk)
        if assignment is not None and assignment.role not in BADGE_HOLDERS:
            errors.append(
                RowError(
                    row.line,
                    table.column("email"),
                    "role_conflict",
                    _("This person is on the event's staff (%(role)s); change that role before giving a badge.")
                    % {"role": Role(assignment.role).label},
                )
            )
            continue
        participant = None if new_user else existing.participants.get(user.pk)
        kind = row.kind or (participant.kind if participant else Participant.Kind.PARTICIPANT)
        if assignment is None:
            assignment = UserEventAssignment(event=event, user=user, role=kind, assigned_by=by)
            step.assignment_changed = True
        elif assignment.role != kind or not assignment.is_active:
            assignment.role, assignment.is_active = kind, True
            step.assignment_changed = True
        step.assignment = assignment
        # Registration data (what the event shows until the holder accepts): the file's, or the profile's
        # once the holder accepted the event (events/services/membership.py).
        accepted = assignment.pk is not None and assignment.accepted_at is not None
        source = user if accepted else row
        registration = {name: getattr(source, name) or "" for name in _REGISTRATION_FIELDS}
        if participant is None:
            participant = Participant(  # its badge id is drawn when written (_unique_badge_ids)
                event=event,
                user=user,
                kind=kind,
                access_all_rooms=row.all_rooms is not False,
                badge_id="",
                **registration,
            )
            step.new_participant = True
            if row.all_rooms is False:
                step.rooms = {room.pk for room in row.rooms}
        else:
            if participant.kind != kind:
                participant.kind = kind
                step.participant_changed = True
            for name, value in registration.items():  # an empty cell erases nothing
                if value and getattr(participant, name) != value:
                    setattr(participant, name, value)
                    step.participant_changed = True
            if row.all_rooms is not None:
                if participant.access_all_rooms != row.all_rooms:
                    participant.access_all_rooms = row.all_rooms
                    step.participant_changed = True
                wanted = set() if row.all_rooms else {room.pk for room in row.rooms}
                if wanted != existing.allowed.get(participant.pk, set()):
                    step.rooms = wanted
        step.participant = participant
        row_errors = []
        for session in row.ateliers or ():
            access = None if step.new_participant else existing.accesses.get((participant.pk, session.pk))
            if access is not None and access.status in SessionAccess.PLACE_STATUSES:
                continue  # a place held already (paid or not) is kept as it is
            if not _atelier_open(session, now):
                row_errors.append(("atelier_closed", _("The atelier “%(title)s” is closed (cancelled or over).")))
            elif existing.taken[session.pk] >= session.room.capacity:
                row_errors.append(("atelier_full", _("The atelier “%(title)s” is full.")))
            else:
                existing.taken[session.pk] += 1
                step.places.append((session, access))
                continue
            code, message = row_errors[-1]
            row_errors[-1] = RowError(row.line, table.column("ateliers"), code, message % {"title": session.title})
        if row_errors:
            errors.extend(row_errors)
            continue
        planned.append(step)
    return planned, errors


# --- writing ---------------------------------------------------------------------------------------


def _badge_ids(count: int) -> set[str]:
    """``count`` random badge ids (events.models.participants.new_badge_id's alphabet and length), from
    one read of the system's random source: bytes past the last multiple of the alphabet's size are
    dropped, so every character is equally likely."""
    alphabet, length = BADGE_ALPHABET, BADGE_ID_LENGTH
    usable = 256 - 256 % len(alphabet)
    chars = [alphabet[b % len(alphabet)] for b in secrets.token_bytes(count * length * 2) if b < usable]
    ids = {"".join(chars[i : i + length]) for i in range(0, len(chars) - length + 1, length)}
    return ids if len(ids) >= count else ids | _badge_ids(count - len(ids))


def _unique_badge_ids(count: int) -> list[str]:
    ids: set[str] = set()
    while len(ids) < count:
        fresh = _badge_ids(count - len(ids)) - ids
        for chunk in _chunks(sorted(fresh)):
            fresh -= set(Participant.objects.filter(badge_id__in=chunk).values_list("badge_id", flat=True))
        ids |= fresh
    return sorted(ids)[:count]


def _badge_signer(event: Event) -> Callable[[Participant], str]:
    """``badges.sign_badge`` with the event's key read once (not once per badge). Built from the badges
    module's own pieces; the first badge is compared with ``sign_badge`` itself by the caller (Ed25519
    signatures are deterministic), so a change of the payload format cannot go unnoticed."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.from_private_bytes(bytes(badges.badge_key_for(event).private_key))
    event_bytes = event.pk.bytes

    def sign(participant: Participant) -> str:
        body = badges._BODY.pack(badges.FORMAT_VERSION, event_bytes, participant.pk, participant.badge_version)
        return badges.PREFIX + badges._b32(body + private.sign(body))

    return sign


def _bulk_update(model, objects: list, fields) -> None:
    """``bulk_update``, in one ``UPDATE … FROM (VALUES …)`` per chunk on PostgreSQL: Django's
    ``CASE WHEN`` per row and field costs time in the square of the chunk (90 s for 5,000 rows)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields, batch_size=CHUNK)
        return
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    qn = connection.ops.quote_name
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    assignments = ", ".join(
        f"{qn(field.column)} = v.c{i}::{field.db_type(connection)}" for i, field in enumerate(columns) if i
    )
    pk_type = meta.pk.db_type(connection)
    for chunk in _chunks(objects):
        params, rows = [], []
        for obj in chunk:
            rows.append("(" + ", ".join(["%s"] * len(columns)) + ")")
            params += [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        sql = (
            f"UPDATE {qn(meta.db_table)} AS t SET {assignments} FROM (VALUES {', '.join(rows)}) AS v({names}) "
            f"WHERE t.{qn(meta.pk.column)} = v.c0::{pk_type}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _write(event: Event, planned: list[_Row]) -> None:
    now = timezone.now()
    new_users = [step.user for step in planned if step.new_user]
    User.objects.bulk_create(new_users, batch_size=CHUNK)
    _bulk_update(User, [s.user for s in planned if s.user_changed], _USER_FIELDS)

    new_assignments, changed_assignments = [], []
    for step in planned:  # a new user's id, known now, is read from the instance by bulk_create
        if step.assignment.pk is None:
            new_assignments.append(step.assignment)
        elif step.assignment_changed:
            changed_assignments.append(step.assignment)
    UserEventAssignment.objects.bulk_create(new_assignments, batch_size=CHUNK)
    _bulk_update(UserEventAssignment, changed_assignments, ["role", "is_active"])

    new_participants = [step.participant for step in planned if step.new_participant]
    for participant, badge_id in zip(new_participants, _unique_badge_ids(len(new_participants)), strict=True):
        participant.badge_id = badge_id
    Participant.objects.bulk_create(new_participants, batch_size=CHUNK)
    changed = [step.participant for step in planned if step.participant_changed]
    for participant in changed:
        participant.updated_at = now
    _bulk_update(Participant, changed, ["kind", "access_all_rooms", *_REGISTRATION_FIELDS, "updated_at"])
    if new_participants:
        sign = _badge_signer(event)
        first = new_participants[0]
        if sign(first) != badges.sign_badge(first):  # pragma: no cover (a change of events/badges.py)
            raise AssertionError("events.badges changed its payload format: update _badge_signer.")
        for participant in new_participants:
            participant.qr_code_data = sign(participant)
        _bulk_update(Participant, new_participants, ["qr_code_data"])

    through = Participant.allowed_rooms.through
    moved = [step for step in planned if step.rooms is not None]
    for chunk in _chunks([step.participant.pk for step in moved if not step.new_participant]):
        through.objects.filter(participant_id__in=chunk).delete()
    through.objects.bulk_create(
        [through(participant_id=step.participant.pk, room_id=room) for step in moved for room in step.rooms],
        batch_size=CHUNK,
    )

    new_places, reopened = [], []
    for step in planned:
        for session, access in step.places:
            if access is None:
                new_places.append(SessionAccess(session=session, participant=step.participant))
            else:
                access.status = SessionAccess.Status.REGISTERED
                access.amount, access.payment_method, access.paid_at, access.recorded_by = None, "", None, None
                access.updated_at = now
                reopened.append(access)
    SessionAccess.objects.bulk_create(new_places, batch_size=CHUNK)
    fields = ["status", "amount", "payment_method", "paid_at", "recorded_by", "updated_at"]
    _bulk_update(SessionAccess, reopened, fields)

    _exposant_profiles(event, [s.user for s in planned if s.assignment_changed and s.assignment.role == Role.EXPOSANT])
    recount_events([event.pk])  # the bulk inserts bypassed the counter signals
    read_cache.changed(event.pk)  # and the cached reads' (places left, exposants listed)


def _exposant_profiles(event: Event, users: list[User]) -> None:
    """What ``role_given`` does for a new exposant (events/services/__init__.py), for many at once: the
    exhibitor profile exposants.services.ensure_exposant_profile would create, made in bulk."""
    from exposants.models import Exposant
    from exposants.services import _default_company_name

    having = set()
    for chunk in _chunks([user.pk for user in users]):
        having |= set(Exposant.objects.filter(event=event, user_id__in=chunk).values_list("user_id", flat=True))
    Exposant.objects.bulk_create(
        [Exposant(event=event, user=u, company_name=_default_company_name(u)) for u in users if u.pk not in having],
        batch_size=CHUNK,
    )


# --- the import --------------------------------------------------------------------------------------


def _invite(users: list[User], event: Event, by: User | None, once=None) -> int:
    """Invitations to the accounts without a usable password (none twice while one is pending)."""
    sent = 0
    for user in users:
        if user.has_usable_password():
            continue
        if once is None:
            sent += invite_if_needed(user=user, event=event, invited_by=by)
            continue
        outcome = []
        once(
            f"invite:{user.pk}",
            lambda user=user, outcome=outcome: outcome.append(invite_if_needed(user=user, event=event, invited_by=by)),
        )
        sent += bool(outcome and outcome[0])
    return sent


def _report(table: Table, planned: list[_Row], errors: list[RowError], *, dry_run: bool, written: bool) -> dict:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    order = {header: index for index, header in enumerate(table.columns.values())}  # the file's column order
    if not errors:
        for step in planned:
            counts[step.outcome] += 1
    return {
        "dry_run": dry_run,
        "written": written,
        "rows": len(table.rows),
        **counts,
        "errors": [error.as_dict() for error in sorted(errors, key=lambda e: (e.line, order.get(e.column, -1)))],
        "columns": dict(table.columns),
        "ignored_columns": list(table.ignored),
        "invited": 0,
    }


def import_participants(
    *,
    event: Event,
    table: Table,
    by: User | None,
    invite: bool = False,
    dry_run: bool = False,
    progress: Callable | None = None,
    once: Callable | None = None,
) -> dict:
    """Check every row, then (real run without errors) write them all in one transaction.

    Returns the report: ``{dry_run, written, rows, created, updated, unchanged, errors:[{line,
    column, code, detail}], columns, ignored_columns, invited}``; in a dry run the counts say what
    a real run would do. ``progress(done, total)`` is told as the work goes; ``once(key, work)``
    (a job's at-most-once record) wraps each invitation. Raises ``import_conflict`` when the
    participants changed in the database during the write (nothing is written; run it again)."""
    total = len(table.rows)
    if dry_run:
        rows, errors = check_rows(table, names_of(event))
        planned, plan_errors = _plan(event, table, rows, by)
        return _report(table, planned, errors + plan_errors, dry_run=True, written=False)
    try:
        with transaction.atomic():
            # The same lock order as events/services/participants.py: the event row, then the rows.
            list(Event.objects.select_for_update().filter(pk=event.pk).values_list("pk"))
            rows, errors = check_rows(table, names_of(event))
            _lock_ateliers(rows)
            planned, plan_errors = _plan(event, table, rows, by)
            errors += plan_errors
            if progress:
                progress(0, total=total)
            if errors:
                return _report(table, planned, errors, dry_run=False, written=False)
            _write(event, planned)
    except IntegrityError:
        raise AppError(
            _("The participants changed while the file was imported; nothing was written. Import it again."),
            "import_conflict",
        ) from None
    report = _report(table, planned, [], dry_run=False, written=True)
    if progress:
        progress(total, total=total)
    if invite:
        report["invited"] = _invite([step.user for step in planned], event, by, once)
    return report


def _lock_ateliers(rows: list[ImportRow]) -> None:
    """The ateliers the file takes places in, locked (FOR UPDATE OF the session) like the ateliers
    service does, in primary-key order; their places are then counted under the lock."""
    ids = sorted({session.pk for row in rows for session in (row.ateliers or ())})
    if ids:
        list(Session.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk").values_list("pk"))


@job("import_participants")
def run_import(current, progress) -> dict:
    """The real run of an import started from the API or the admin (``params``: ``{"invite": bool}``,
    ``input_file``: the file as uploaded). A retried attempt imports again (idempotent) and sends
    no invitation twice."""
    with current.input_file.open("rb") as file:
        table = read_table(file)
    return import_participants(
        event=current.event,
        table=table,
        by=current.created_by,
        invite=bool(current.params.get("invite")),
        progress=progress,
        once=lambda key, work: job_once(current, key, work),
    )
