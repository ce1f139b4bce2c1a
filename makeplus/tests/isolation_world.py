"""The world of the isolation matrix (test_isolation_matrix.py): two events built the same way.

Each side holds one object of every kind the API exposes by id, and one user per role whose
situation lets every action succeed on its own event's object: the gestionnaire and the
controller are on duty now at the side's room, the exposant has its badge, profile, plan and a
lead, the participant has its badge, a place in the paid atelier and a question of its own.

Event B is the other tenant. Everything of B carries the marker ``ZZ-EVENT-B`` (names, titles,
emails, notes) and its integer primary keys are set by hand in ranges that nothing else uses
(``B_PKS``), so that :func:`find_b_leaks` can say whether a response shows anything of B:
a string of B (marker, names, UUIDs, badge ids, QR payloads), an integer id of B, or a JWT
whose claims name B's event or one of B's users.
"""

import base64
import binascii
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.services import issue_tokens
from accounts.tests.factories import UserFactory
from annonces.tests.factories import AnnonceFactory
from events.models import EPoster, Role, RoomAccess, Session, SessionAccess
from events.tests.factories import AssignmentFactory, EventFactory
from events.tests.factories_participants import ParticipantFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_questions import SessionQuestionFactory
from events.tests.factories_staff import RoomAssignmentFactory
from events.tests.pdfs import pdf_upload
from exposants.tests.factories import ExposantFactory, ExposantScanFactory
from makeplus.models import Job

MARKER = "ZZ-EVENT-B"
PASSWORD = "makeplus2025"
ANONYMOUS = "anonymous"
ROLES = (
    Role.ORGANISATEUR.value,
    Role.GESTIONNAIRE_DES_SALLES.value,
    Role.CONTROLLEUR_DES_BADGES.value,
    Role.EXPOSANT.value,
    Role.PARTICIPANT.value,
)
CALLERS = (*ROLES, ANONYMOUS)

# Integer primary keys of B's rows, one range per table; nothing else in the world uses them. On
# SQLite (AUTOINCREMENT) rows created later follow the highest id of their table: each range is
# used from its start and far from the next, so a new row never takes an id of B.
B_PK_BASES = {
    "user": 9_100_001,
    "assignment": 9_200_001,
    "participant": 9_300_001,
    "session_access": 9_350_001,
    "exposant": 9_400_001,
    "exposant_scan": 9_500_001,
    "question": 9_600_001,
    "room_access": 9_700_001,
    "room_assignment": 9_800_001,
    "eposter": 9_900_001,
}


@dataclass
class Member:
    role: str
    user: object
    access: str
    refresh: str


@dataclass
class Side:
    """One event and its objects. ``obj(kind)`` is the id that goes into a URL."""

    label: str
    event: object
    members: dict  # role -> Member
    visitor: object  # a participant's user who is none of the callers: the badge the scans read
    visitor_badge: object
    visitor_assignment: object
    badges: dict  # role -> Participant (exposant, participant)
    room: object
    room2: object
    spare_room: object
    session: object
    atelier: object
    exposant: object
    exposant_scan: object
    question: object
    annonce: object
    room_access: object
    shifts: dict  # role -> RoomAssignment (gestionnaire, controller) at ``room``
    b_pks: set = field(default_factory=set)
    outsider: object = None  # event A only: an account with no role anywhere
    eposter: object = None  # an e-poster (PDF) uploaded by the organisateur
    job: object = None  # a finished badge-PDF job of the organisateur, with its result file

    def user(self, role):
        return self.members[role].user

    def obj(self, kind: str):
        return {
            "event": self.event.pk,
            "room": self.room.pk,
            "spare-room": self.spare_room.pk,
            "session": self.session.pk,
            "atelier": self.atelier.pk,
            "participant": self.visitor_badge.pk,
            "annonce": self.annonce.pk,
            "exposant": self.exposant.pk,
            "exposant-scan": self.exposant_scan.pk,
            "question": self.question.pk,
            "room-access": self.room_access.pk,
            "room-assignment": self.shifts[Role.CONTROLLEUR_DES_BADGES].pk,
            "user-assignment": self.visitor_assignment.pk,
            "eposter": self.eposter.pk,
            "job": self.job.pk,
        }[kind]


KINDS = (
    "event",
    "room",
    "spare-room",
    "session",
    "atelier",
    "participant",
    "annonce",
    "exposant",
    "exposant-scan",
    "question",
    "room-access",
    "room-assignment",
    "user-assignment",
    "eposter",
    "job",
)


def build_side(label: str, *, other_tenant: bool) -> Side:
    """Event ``label`` with one object of every kind. ``other_tenant``: event B (marker, fixed ids)."""
    counters = {name: itertools.count(base) for name, base in B_PK_BASES.items()}
    b_pks: set[int] = set()

    def pk(table):
        if not other_tenant:
            return None
        value = next(counters[table])
        b_pks.add(value)
        return value

    tag = f"{MARKER} " if other_tenant else ""
    slug = "zz-event-b" if other_tenant else "event-a"
    event = EventFactory(
        name=f"{tag}{label}",
        description=f"{tag}Salon",
        president=f"{tag}Président",
        programme_file=pdf_upload("programme.pdf"),
        guide_file=pdf_upload("guide.pdf"),
    )
    start = event.start_date  # two hours ago; the event lasts two days

    def new_user(name, **fields):
        return UserFactory(
            id=pk("user"),
            email=f"{slug}.{name}@makeplus.test",
            first_name=f"{tag}{name.capitalize()}",
            last_name=f"{tag}Benali",
            **fields,
        )

    members, assignments = {}, {}
    for role in ROLES:
        user = new_user(role.split("_")[0])
        assignments[role] = AssignmentFactory(id=pk("assignment"), user=user, event=event, role=role)
        tokens = issue_tokens(user=user, event_id=event.pk, role=role)
        members[role] = Member(role, user, tokens["access"], tokens["refresh"])

    visitor = new_user("visiteur", share_contact_with_exposants=True, company=f"{tag}Visiteur SARL")
    visitor_assignment = AssignmentFactory(id=pk("assignment"), user=visitor, event=event, role=Role.PARTICIPANT)
    visitor_badge = ParticipantFactory(id=pk("participant"), user=visitor, event=event, signed=True)
    badges = {
        Role.EXPOSANT: ParticipantFactory(
            id=pk("participant"), user=members[Role.EXPOSANT].user, event=event, kind="exposant", signed=True
        ),
        Role.PARTICIPANT: ParticipantFactory(
            id=pk("participant"), user=members[Role.PARTICIPANT].user, event=event, signed=True
        ),
    }

    room = RoomFactory(event=event, name=f"{tag}Salle {label} plénière")
    room2 = RoomFactory(event=event, name=f"{tag}Salle {label} ateliers")
    spare_room = RoomFactory(event=event, name=f"{tag}Salle {label} vide")
    # Running now (scans find it), free: a conference.
    session = SessionFactory(
        room=room,
        title=f"{tag}Conférence {label}",
        start_time=start + timedelta(hours=1),
        end_time=start + timedelta(hours=3),
    )
    atelier = SessionFactory(
        room=room2,
        title=f"{tag}Atelier {label}",
        session_type=Session.Type.ATELIER,
        is_paid=True,
        price=Decimal("1500.00"),
        start_time=start + timedelta(hours=4),
        end_time=start + timedelta(hours=5),
    )
    SessionAccess.objects.create(
        id=pk("session_access"),
        session=atelier,
        participant=badges[Role.PARTICIPANT],
        status=SessionAccess.Status.REGISTERED,
    )

    shifts = {
        role: RoomAssignmentFactory(
            id=pk("room_assignment"),
            room=room,
            user=members[role].user,
            role=role,
            start_time=start,
            end_time=start + timedelta(hours=4),
            notes=f"{tag}Porte principale",
        )
        for role in (Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES)
    }

    exposant = ExposantFactory(
        id=pk("exposant"),
        event=event,
        user=members[Role.EXPOSANT].user,
        company_name=f"{tag}Stand {label}",
        stand_number="B-07" if other_tenant else "A-12",
        plan_file=pdf_upload("plan.pdf"),
    )
    exposant_scan = ExposantScanFactory(
        id=pk("exposant_scan"), exposant=exposant, participant=visitor_badge, notes=f"{tag}Lead à rappeler"
    )
    question = SessionQuestionFactory(
        id=pk("question"), session=session, asked_by=members[Role.PARTICIPANT].user, text=f"{tag}Question {label} ?"
    )
    annonce = AnnonceFactory(
        event=event,
        created_by=members[Role.ORGANISATEUR].user,
        title=f"{tag}Annonce {label}",
        content=f"{tag}Ouverture des portes.",
    )
    room_access = RoomAccess.objects.create(
        id=pk("room_access"),
        participant=visitor_badge,
        room=room,
        session=session,
        status=RoomAccess.Status.GRANTED,
        verified_by=members[Role.CONTROLLEUR_DES_BADGES].user,
        scanned_at=timezone.now() - timedelta(minutes=30),
    )
    eposter = EPoster.objects.create(
        id=pk("eposter"),
        event=event,
        title=f"{tag}Poster {label}",
        authors=f"{tag}Auteurs {label}",
        theme="Cardiologie",
        contribution_number="P-001",
        file=pdf_upload("poster.pdf"),
        uploaded_by=members[Role.ORGANISATEUR].user,
    )
    now = timezone.now()
    job = Job.objects.create(
        kind="badges_pdf",
        event=event,
        created_by=members[Role.ORGANISATEUR].user,
        status=Job.Status.DONE,
        progress=3,
        total=3,
        result={"count": 3, "filename": f"badges-{slug}.pdf"},
        result_file=pdf_upload("badges.pdf"),
        started_at=now - timedelta(minutes=2),
        finished_at=now - timedelta(minutes=1),
    )
    return Side(
        label=label,
        event=event,
        members=members,
        visitor=visitor,
        visitor_badge=visitor_badge,
        visitor_assignment=visitor_assignment,
        badges=badges,
        room=room,
        room2=room2,
        spare_room=spare_room,
        session=session,
        atelier=atelier,
        exposant=exposant,
        exposant_scan=exposant_scan,
        question=question,
        annonce=annonce,
        room_access=room_access,
        shifts=shifts,
        b_pks=b_pks,
        outsider=None if other_tenant else UserFactory(email="sans.evenement@makeplus.test", first_name="Sans"),
        eposter=eposter,
        job=job,
    )


# --- what of B may not appear in a response ------------------------------------------------------


@dataclass
class Fingerprint:
    strings: set  # lower-case
    ints: set
    event_ids: set  # str
    user_ids: set  # str


def fingerprint(side: Side) -> Fingerprint:
    """Every identifier and text of the side that a response could leak."""
    for badge in [side.visitor_badge, *side.badges.values()]:
        badge.refresh_from_db()
    users = [m.user for m in side.members.values()] + [side.visitor]
    strings = {MARKER}
    strings |= {str(x) for x in (side.event.pk, side.room.pk, side.room2.pk, side.spare_room.pk)}
    strings |= {str(x) for x in (side.session.pk, side.atelier.pk, side.annonce.pk)}
    strings |= {side.event.name, side.room.name, side.room2.name, side.spare_room.name}
    strings |= {side.session.title, side.atelier.title, side.exposant.company_name, side.question.text}
    strings |= {side.annonce.title, side.annonce.content, side.exposant_scan.notes}
    for user in users:
        strings |= {user.email, user.first_name, user.last_name}
    for badge in [side.visitor_badge, *side.badges.values()]:
        strings |= {badge.badge_id, badge.qr_code_data}
    strings |= {x.hex for x in (side.event.pk, side.room.pk, side.session.pk, side.atelier.pk)}
    strings |= {side.eposter.title, side.eposter.authors, str(side.job.pk), side.job.pk.hex}
    strings |= {side.job.result["filename"]}
    return Fingerprint(
        strings={s.lower() for s in strings if s},
        ints=set(side.b_pks),
        event_ids={str(side.event.pk)},
        user_ids={str(u.pk) for u in users},
    )


_JWT = re.compile(r"eyJ[\w-]+\.(eyJ[\w-]+)\.[\w-]+")
_LONG_INT = re.compile(r"(?<!\d)\d{7}(?!\d)")


def jwt_claims(segment: str) -> dict:
    """The claims of a JWT's payload segment (no signature check: this is about what it says)."""
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError):
        return {}


def _ints(data):
    if isinstance(data, bool):
        return
    if isinstance(data, int):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _ints(value)
    elif isinstance(data, list):
        for value in data:
            yield from _ints(value)


def find_b_leaks(fp: Fingerprint, *, text: str, json_data, sent: str) -> list[str]:
    """What of B the response text shows and the request did not send itself (an error message
    may echo the caller's own input: that tells it nothing)."""
    lowered, sent = text.lower(), sent.lower()
    leaks = sorted(s for s in fp.strings if s in lowered and s not in sent)
    numbers = set(_ints(json_data)) | {int(n) for n in _LONG_INT.findall(text)}
    leaks += [f"id {n}" for n in sorted(numbers & fp.ints) if str(n) not in sent]
    for segment in _JWT.findall(text):
        claims = jwt_claims(segment)
        if str(claims.get("event_id")) in fp.event_ids:
            leaks.append(f"token for event {claims['event_id']}")
        if str(claims.get("user_id")) in fp.user_ids:
            leaks.append(f"token for user {claims['user_id']}")
    return leaks
