"""The demo world the seed commands build, and the steps that build it.

The documented data (events, accounts, roles) is plain data at the top of this module;
README "Demo accounts" describes the same world. Every write goes through the services
(``create_event``, ``assign_user``, ...), as a real client's would, so the data obeys the
same rules and the event counters stay exact. Each step finds what already exists and
resets it to the documented state, so re-running a command creates no duplicates.

Dates are relative to the day the command runs, counted in Africa/Algiers: an event opens
at 09:00 on its first day and closes at 18:00 on its last (``seeds.common``).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from events.models import (
    Event,
    Participant,
    QuestionUpvote,
    Role,
    Room,
    RoomAssignment,
    Session,
    SessionQuestion,
    UserEventAssignment,
)
from events.roles import SHIFT_ROLES
from events.services import assign_user, create_event, update_assignment, update_event
from events.services.membership import accept_event
from events.services.participants import add_participant, ensure_badge, update_participant
from events.services.programme import create_room, create_session, update_room, update_session
from events.services.questions import answer_question, ask_question, toggle_upvote
from events.services.staff import assign_staff, remove_staff_assignment
from seeds.access import ensure_access_logs
from seeds.annonces import ensure_annonces
from seeds.common import (
    CLOSING,
    OPENING,
    Credential,
    Log,
    algiers_today,
    changed_fields,
    ensure_user,
    local_day,
    local_time,
    quiet,
)
from seeds.eposters import ensure_app_showcase
from seeds.exposants import ensure_exposants

# The legacy single-event accounts (README "Demo accounts"): create_test_users makes them,
# create_test_data gives them the event "MakePlus Demo".
TEST_USERS = [
    # email, first name, last name, superuser
    ("admin@makeplus.dz", "Admin", "MakePlus", True),
    ("organisateur@makeplus.dz", "Samir", "Haddad", False),
    ("gestionnaire@makeplus.dz", "Nassima", "Brahimi", False),
    ("controlleur@makeplus.dz", "Yacine", "Ould-Ali", False),
    ("participant1@makeplus.dz", "Amina", "Kaci", False),
    ("participant2@makeplus.dz", "Walid", "Cherif", False),
    ("exposant1@makeplus.dz", "Rania", "Mansouri", False),
    ("exposant2@makeplus.dz", "Karim", "Belkacem", False),
]


@dataclass(frozen=True)
class Member:
    email: str
    first_name: str
    last_name: str
    role: str
    superuser: bool = False


@dataclass(frozen=True)
class EventSpec:
    name: str
    status: str
    first_day: int  # days from today (Algiers) to the opening day; negative = in the past
    days: int  # length in days
    location: str
    location_details: str
    description: str
    themes: tuple[str, ...]
    president: str
    organizer_contact: str
    members: tuple[Member, ...]  # exactly one organisateur: it creates the event and assigns the others

    @property
    def organisateur(self) -> Member:
        (organisateur,) = (m for m in self.members if m.role == Role.ORGANISATEUR)
        return organisateur


@dataclass(frozen=True)
class MultiEventUser:
    email: str
    first_name: str
    last_name: str
    roles: tuple[tuple[str, str], ...]  # (event name, role)


# Per multi-event event: the 7 members, emails "<slot>@<domain>", in this order.
SLOTS = (
    ("organisateur", Role.ORGANISATEUR),
    ("controlleur", Role.CONTROLLEUR_DES_BADGES),
    ("gestionnaire", Role.GESTIONNAIRE_DES_SALLES),
    ("participant1", Role.PARTICIPANT),
    ("participant2", Role.PARTICIPANT),
    ("exposant1", Role.EXPOSANT),
    ("exposant2", Role.EXPOSANT),
)


def _members(domain: str, *names: tuple[str, str]) -> tuple[Member, ...]:
    assert len(names) == len(SLOTS)
    return tuple(
        Member(f"{slot}@{domain}", first, last, role) for (slot, role), (first, last) in zip(SLOTS, names, strict=True)
    )


TECHSUMMIT = EventSpec(
    name="TechSummit Algeria",
    status=Event.Status.ACTIVE,
    first_day=-1,  # yesterday 09:00 → tomorrow 18:00: running today
    days=3,
    location="Alger",
    location_details=(
        "Centre International de Conférences Abdelatif Rahal (CIC), Club des Pins, Staouéli — "
        "salle plénière, salles A et B, hall d'exposition au rez-de-chaussée."
    ),
    description=(
        "Le rendez-vous annuel des professionnels du numérique en Algérie : trois jours de conférences, "
        "d'ateliers pratiques et de démonstrations autour de l'intelligence artificielle, de la cybersécurité "
        "et du cloud, avec les principaux acteurs publics et privés du secteur."
    ),
    themes=("Intelligence artificielle", "Cybersécurité", "Cloud et données", "Transformation numérique"),
    president="Pr. Abdelhamid Benyahia",
    organizer_contact="contact@techsummit.dz",
    members=_members(
        "techsummit.dz",
        ("Mourad", "Benali"),
        ("Sofiane", "Meziane"),
        ("Lamia", "Boudiaf"),
        ("Imane", "Saadi"),
        ("Redouane", "Khelifi"),
        ("Yasmine", "Hamidi"),
        ("Nabil", "Zerrouki"),
    ),
)

STARTUPWEEK = EventSpec(
    name="StartupWeek Oran",
    status=Event.Status.UPCOMING,
    first_day=30,
    days=3,
    location="Oran",
    location_details=(
        "Centre des Conventions d'Oran Mohamed Benahmed (CCO), route des Falaises — "
        "auditorium principal et espace startups au niveau 1."
    ),
    description=(
        "Trois journées consacrées à l'entrepreneuriat dans l'Ouest algérien : pitchs de startups, rencontres "
        "avec les investisseurs et les incubateurs, ateliers sur le financement, le label « Startup » et "
        "le développement à l'international."
    ),
    themes=("Entrepreneuriat", "Financement", "Fintech", "Innovation sociale"),
    president="Mme Kenza Ouali",
    organizer_contact="contact@startupweek.dz",
    members=_members(
        "startupweek.dz",
        ("Fatima Zohra", "Bensalem"),
        ("Abdelkader", "Benamar"),
        ("Houda", "Mekki"),
        ("Ilyes", "Boumediene"),
        ("Sara", "Belhadj"),
        ("Mehdi", "Taleb"),
        ("Nour El Houda", "Chikhi"),
    ),
)

INNOFEST = EventSpec(
    name="InnoFest Constantine",
    status=Event.Status.COMPLETED,
    first_day=-60,
    days=2,
    location="Constantine",
    location_details="Palais de la Culture Malek Haddad — grande salle, salles d'ateliers et esplanade d'exposition.",
    description=(
        "Le festival de l'innovation de l'Est algérien : deux journées d'expositions, de conférences et de "
        "démonstrations consacrées à l'industrie 4.0, aux énergies renouvelables, à l'agritech et à la santé "
        "connectée, avec les universités et les entreprises de la région."
    ),
    themes=("Industrie 4.0", "Énergies renouvelables", "Agritech", "Santé connectée"),
    president="Pr. Rachid Boughaba",
    organizer_contact="contact@innofest.dz",
    members=_members(
        "innofest.dz",
        ("Salim", "Bouchama"),
        ("Hichem", "Boukhalfa"),
        ("Meriem", "Bencheikh"),
        ("Anis", "Benmoussa"),
        ("Khadidja", "Laib"),
        ("Farid", "Belaid"),
        ("Selma", "Kerrouche"),
    ),
)

MULTI_EVENTS = (TECHSUMMIT, STARTUPWEEK, INNOFEST)


@dataclass(frozen=True)
class RoomSpec:
    name: str
    capacity: int
    location: str


@dataclass(frozen=True)
class SessionSpec:
    title: str
    room: str
    day: int  # 0 = the event's first day
    start: str  # "HH:MM", Algiers time
    end: str
    session_type: str = "conference"
    price: int = 0  # DZD; > 0 makes a paid atelier
    speaker: tuple[str, str] = ("", "")  # name, title
    theme: str = ""
    youtube_live_url: str = ""


# Per event: 4 rooms and 3 sessions (a conference, a free atelier, a paid atelier). The running
# event's sessions are today (its day 1), so scanning and live sessions work in the quick start.
PROGRAMMES = {
    TECHSUMMIT.name: (
        (
            RoomSpec("Salle Plénière", 400, "Rez-de-chaussée"),
            RoomSpec("Salle A", 120, "Niveau 1"),
            RoomSpec("Salle B", 40, "Niveau 1"),
            RoomSpec("Hall d'exposition", 600, "Rez-de-chaussée"),
        ),
        (
            SessionSpec(
                "L'IA au service de l'administration algérienne",
                "Salle Plénière",
                1,
                "09:30",
                "11:00",
                speaker=("Dr. Karima Benamara", "Directrice de la transformation numérique"),
                theme="Intelligence artificielle",
                youtube_live_url="https://www.youtube.com/live/dQw4w9WgXcQ",
            ),
            SessionSpec(
                "Atelier : sécuriser une API Django",
                "Salle A",
                1,
                "11:30",
                "13:00",
                session_type="atelier",
                speaker=("Yacine Ferhat", "Ingénieur sécurité"),
                theme="Cybersécurité",
            ),
            SessionSpec(
                "Atelier avancé : déployer sur le cloud souverain",
                "Salle B",
                1,
                "14:00",
                "17:00",
                session_type="atelier",
                price=2500,
                speaker=("Amel Rahmani", "Architecte cloud"),
                theme="Cloud et données",
                youtube_live_url="https://youtu.be/9bZkp7q19f0",
            ),
        ),
    ),
    STARTUPWEEK.name: (
        (
            RoomSpec("Auditorium", 300, "Niveau 0"),
            RoomSpec("Espace Startups", 150, "Niveau 1"),
            RoomSpec("Salle Atelier 1", 40, "Niveau 1"),
            RoomSpec("Salle Atelier 2", 40, "Niveau 1"),
        ),
        (
            SessionSpec(
                "Financer sa startup en Algérie",
                "Auditorium",
                0,
                "10:00",
                "11:30",
                speaker=("Karim Boudjemaa", "Fonds algérien des startups"),
                theme="Financement",
            ),
            SessionSpec(
                "Atelier : construire son pitch",
                "Salle Atelier 1",
                0,
                "14:00",
                "16:00",
                session_type="atelier",
                speaker=("Lina Cherfaoui", "Coach en entrepreneuriat"),
                theme="Entrepreneuriat",
            ),
            SessionSpec(
                "Atelier : modéliser sa fintech",
                "Salle Atelier 2",
                1,
                "10:00",
                "12:30",
                session_type="atelier",
                price=1500,
                speaker=("Omar Kaci", "Consultant fintech"),
                theme="Fintech",
            ),
        ),
    ),
    INNOFEST.name: (
        (
            RoomSpec("Grande Salle", 500, "Rez-de-chaussée"),
            RoomSpec("Salle Conférences", 150, "Niveau 1"),
            RoomSpec("Salle Ateliers", 60, "Niveau 1"),
            RoomSpec("Esplanade", 800, "Extérieur"),
        ),
        (
            SessionSpec(
                "L'industrie 4.0 dans l'Est algérien",
                "Grande Salle",
                0,
                "09:30",
                "11:00",
                speaker=("Pr. Nadir Bouarroudj", "Université Constantine 1"),
                theme="Industrie 4.0",
            ),
            SessionSpec(
                "Atelier : capteurs pour l'agriculture",
                "Salle Ateliers",
                0,
                "14:00",
                "16:00",
                session_type="atelier",
                speaker=("Wafa Ghanem", "Ingénieure agronome"),
                theme="Agritech",
            ),
            SessionSpec(
                "Atelier : dimensionner une installation solaire",
                "Salle Ateliers",
                1,
                "10:00",
                "12:00",
                session_type="atelier",
                price=2000,
                speaker=("Rafik Ait Saada", "Ingénieur énergie"),
                theme="Énergies renouvelables",
            ),
        ),
    ),
}

# Accounts in several events with a different role in each, to try event selection and switching.
MULTI_EVENT_USERS = (
    MultiEventUser(
        "multi.organisateur@makeplus.dz",
        "Djamel",
        "Bouzid",
        (
            (TECHSUMMIT.name, Role.ORGANISATEUR),
            (STARTUPWEEK.name, Role.PARTICIPANT),
            (INNOFEST.name, Role.EXPOSANT),
        ),
    ),
    MultiEventUser(
        "multi.staff@makeplus.dz",
        "Leila",
        "Hamdani",
        (
            (TECHSUMMIT.name, Role.CONTROLLEUR_DES_BADGES),
            (STARTUPWEEK.name, Role.GESTIONNAIRE_DES_SALLES),
        ),
    ),
)

# The legacy single-event set: TEST_USERS (names come from there) in "MakePlus Demo".
# admin@makeplus.dz stays a superuser without any event role.
LEGACY_ROLES = {
    "organisateur@makeplus.dz": Role.ORGANISATEUR,
    "gestionnaire@makeplus.dz": Role.GESTIONNAIRE_DES_SALLES,
    "controlleur@makeplus.dz": Role.CONTROLLEUR_DES_BADGES,
    "participant1@makeplus.dz": Role.PARTICIPANT,
    "participant2@makeplus.dz": Role.PARTICIPANT,
    "exposant1@makeplus.dz": Role.EXPOSANT,
    "exposant2@makeplus.dz": Role.EXPOSANT,
}

DEMO_EVENT = EventSpec(
    name="MakePlus Demo",
    status=Event.Status.ACTIVE,
    first_day=-1,
    days=3,
    location="Alger",
    location_details="Palais des Expositions (SAFEX), Pins Maritimes, Mohammadia — pavillon central.",
    description=(
        "Événement de démonstration de la plateforme MakePlus : conférences, ateliers et stands d'exposants "
        "pour essayer l'application de bout en bout."
    ),
    themes=("Démonstration", "Numérique"),
    president="Samir Haddad",
    organizer_contact="contact@makeplus.dz",
    members=tuple(
        Member(email, first, last, LEGACY_ROLES[email], superuser)
        for email, first, last, superuser in TEST_USERS
        if email in LEGACY_ROLES
    ),
)

PROGRAMMES[DEMO_EVENT.name] = (
    (
        RoomSpec("Salle Principale", 200, "Pavillon central"),
        RoomSpec("Salle Conférence", 100, "Pavillon central"),
        RoomSpec("Salle Atelier", 30, "Pavillon central"),
        RoomSpec("Hall", 300, "Pavillon central"),
    ),
    (
        SessionSpec(
            "Découvrir MakePlus",
            "Salle Principale",
            1,
            "10:00",
            "11:00",
            speaker=("Samir Haddad", "Organisateur"),
            theme="Démonstration",
        ),
        SessionSpec(
            "Atelier : scanner les badges",
            "Salle Atelier",
            1,
            "11:30",
            "12:30",
            session_type="atelier",
            speaker=("Yacine Ould-Ali", "Contrôleur des badges"),
            theme="Démonstration",
        ),
        SessionSpec(
            "Atelier payant : l'application exposant",
            "Salle Atelier",
            1,
            "14:00",
            "16:00",
            session_type="atelier",
            price=1000,
            speaker=("Rania Mansouri", "Exposante"),
            theme="Numérique",
        ),
    ),
)


# --- Building it ---------------------------------------------------------------------------------


def event_window(spec: EventSpec, today: date) -> tuple[datetime, datetime]:
    """Opening 09:00 on the first day, closing 18:00 on the last, Algiers time."""
    first = today + timedelta(days=spec.first_day)
    last = first + timedelta(days=spec.days - 1)
    return local_time(first, OPENING), local_time(last, CLOSING)


def event_fields(spec: EventSpec, today: date) -> dict:
    start, end = event_window(spec, today)
    return {
        "description": spec.description,
        "start_date": start,
        "end_date": end,
        "location": spec.location,
        "location_details": spec.location_details,
        "status": spec.status,
        "themes": list(spec.themes),
        "president": spec.president,
        "organizer_contact": spec.organizer_contact,
    }


def find_event(name: str) -> Event | None:
    return Event.objects.filter(name=name).order_by("created_at", "pk").first()


def ensure_event(spec: EventSpec, *, organisateur: User, today: date, log: Log = quiet) -> Event:
    """Create the event as its organisateur would, or put its fields back to the documented state."""
    fields = event_fields(spec, today)
    event = find_event(spec.name)
    if event is None:
        event = create_event(created_by=organisateur, name=spec.name, **fields)
        log(f"created event {spec.name}")
        return event
    changed = changed_fields(event, fields)
    if changed:
        event = update_event(event=event, actor=organisateur, **changed)
        log(f"reset event {spec.name} ({', '.join(changed)})")
    else:
        log(f"kept event {spec.name}")
    return event


def ensure_assignment(
    event: Event, user: User, role: str, *, assigned_by: User | None, log: Log = quiet
) -> UserEventAssignment:
    """The user holds exactly this role, active, in the event."""
    assignment = UserEventAssignment.objects.filter(event=event, user=user).first()
    if assignment is None:
        assignment = assign_user(event=event, user=user, role=role, assigned_by=assigned_by)
        log(f"assigned {user.email} as {role} in {event.name}")
    elif assignment.role != role or not assignment.is_active:
        assignment = update_assignment(assignment=assignment, actor=assigned_by, role=role, is_active=True)
        log(f"reset {user.email} to {role} (active) in {event.name}")
    # Demo people have opened their events already (selecting accepts, events/services/membership.py).
    if accept_event(user=user, event_id=event.pk):
        assignment.refresh_from_db(fields=["accepted_at"])
    return assignment


def ensure_room(event: Event, spec: RoomSpec, *, actor: User, log: Log = quiet) -> Room:
    room = Room.objects.filter(event=event, name=spec.name).first()
    if room is None:
        log(f"created room {spec.name}")
        return create_room(event=event, actor=actor, name=spec.name, capacity=spec.capacity, location=spec.location)
    if (room.capacity, room.location, room.is_active) != (spec.capacity, spec.location, True):
        room = update_room(room=room, actor=actor, capacity=spec.capacity, location=spec.location, is_active=True)
    return room


def session_fields(spec: SessionSpec, event: Event, rooms: dict[str, Room]) -> dict:
    day = local_day(event.start_date) + timedelta(days=spec.day)
    return {
        "room": rooms[spec.room],
        "start_time": local_time(day, spec.start),
        "end_time": local_time(day, spec.end),
        "session_type": spec.session_type,
        "is_paid": spec.price > 0,
        "price": Decimal(spec.price),
        "speaker_name": spec.speaker[0],
        "speaker_title": spec.speaker[1],
        "theme": spec.theme,
        "youtube_live_url": spec.youtube_live_url,
    }


def ensure_session(event: Event, spec: SessionSpec, rooms: dict[str, Room], *, actor: User, log: Log = quiet):
    fields = session_fields(spec, event, rooms)
    session = Session.objects.filter(event=event, title=spec.title).first()
    if session is None:
        log(f"created session {spec.title}")
        return create_session(event=event, actor=actor, title=spec.title, **fields)
    changed = changed_fields(session, fields)
    if changed:
        session = update_session(session=session, actor=actor, **changed)
    return session


def ensure_programme(event: Event, *, actor: User, log: Log = quiet) -> None:
    room_specs, session_specs = PROGRAMMES[event.name]
    rooms = {spec.name: ensure_room(event, spec, actor=actor, log=log) for spec in room_specs}
    for spec in session_specs:
        ensure_session(event, spec, rooms, actor=actor, log=log)


BADGE_ROLES = (Role.PARTICIPANT, Role.EXPOSANT)


def shift_plan(event: Event) -> list[tuple[Room, datetime, datetime]]:
    """Shifts that follow the programme room by room: each covers its sessions, the hand-over
    is halfway between two sessions, and the first and last reach the event's opening and
    closing — so the running event always has someone on duty, whatever the hour."""
    sessions = list(Session.objects.filter(event=event).exclude(status="cancelled").select_related("room"))
    sessions.sort(key=lambda s: s.start_time)
    plan: list[list] = []
    for session in sessions:
        if plan and plan[-1][0] == session.room:
            plan[-1][2] = session.end_time
            continue
        if plan:
            handover = plan[-1][2] + (session.start_time - plan[-1][2]) / 2
            plan[-1][2] = handover
            plan.append([session.room, handover, session.end_time])
        else:
            plan.append([session.room, event.start_date, session.end_time])
    if plan:
        plan[-1][2] = event.end_date
    return [tuple(step) for step in plan]


def ensure_shifts(event: Event, user: User, role: str, plan, *, actor: User, log: Log = quiet) -> None:
    """The user's shifts in this event are exactly ``plan`` (room, start, end), all active."""
    wanted = {(room.pk, start, end) for room, start, end in plan}
    existing = list(RoomAssignment.objects.filter(user=user, room__event=event))
    for shift in existing:
        if (shift.room_id, shift.start_time, shift.end_time) not in wanted or shift.role != role or not shift.is_active:
            remove_staff_assignment(assignment=shift, actor=actor)
    kept = {
        (s.room_id, s.start_time, s.end_time)
        for s in RoomAssignment.objects.filter(user=user, room__event=event, is_active=True, role=role)
    }
    for room, start, end in plan:
        if (room.pk, start, end) not in kept:
            assign_staff(room=room, user=user, role=role, start_time=start, end_time=end, assigned_by=actor)
            log(f"shift for {user.email} at {room.name}")


def ensure_staff_shifts(event: Event, staff: list[tuple[User, str]], *, actor: User, log: Log = quiet) -> None:
    plan = shift_plan(event)
    for user, role in staff:
        if role in SHIFT_ROLES:
            ensure_shifts(event, user, role, plan, actor=actor, log=log)


def ensure_badge_holder(event: Event, user: User, role: str, *, actor: User, log: Log = quiet) -> None:
    """Participants and exposants hold a signed badge of the event (kind = their role)."""
    if role not in BADGE_ROLES:
        return
    badge = Participant.objects.filter(event=event, user=user).first()
    if badge is None:
        add_participant(event=event, actor=actor, user=user, kind=role)
        log(f"issued a badge to {user.email} in {event.name}")
        return
    if badge.kind != role:
        badge = update_participant(participant=badge, actor=actor, kind=role)
    ensure_badge(participant=badge)


DEMO_QUESTIONS = (
    # (badge holder slot, text, anonymous, answered by the organisateur)
    (0, "Quelles données faut-il pour commencer un projet comme celui-ci ?", False, True),
    (1, "Les supports de la présentation seront-ils partagés après la séance ?", True, False),
)


def ensure_questions(event: Event, *, organisateur: User, log: Log = quiet) -> None:
    """Live Q&A on the event's first conference: two questions (one anonymous), a vote, an answer."""
    session = (
        Session.objects.filter(event=event, session_type="conference")
        .exclude(status__in=["completed", "cancelled"])
        .order_by("start_time")
        .first()
    )
    holders = list(Participant.objects.filter(event=event).select_related("user").order_by("kind", "user__email"))
    if session is None or len(holders) < 3:
        return
    for slot, text, anonymous, answered in DEMO_QUESTIONS:
        author = holders[slot].user
        question = SessionQuestion.objects.filter(session=session, asked_by=author, text=text).first()
        if question is None:
            question = ask_question(session=session, user=author, text=text, is_anonymous=anonymous)
            log(f"question by {author.email}")
        voter = holders[-1].user
        if not QuestionUpvote.objects.filter(question=question, user=voter).exists():
            toggle_upvote(question=question, user=voter)
        if answered and not question.answer:
            answer_question(
                question=question, actor=organisateur, answer="Des données propres et un cas d'usage précis."
            )


def ensure_member(member: Member | MultiEventUser, *, superuser: bool = False) -> User:
    user, _created = ensure_user(member.email, member.first_name, member.last_name, superuser=superuser)
    return user


@transaction.atomic
def seed_event(spec: EventSpec, *, today: date | None = None, log: Log = quiet) -> list[Credential]:
    """The event and its members, organisateur first (it creates the event and assigns the others)."""
    today = today or algiers_today()
    members = sorted(spec.members, key=lambda m: m.role != Role.ORGANISATEUR)
    users = {m.email: ensure_member(m, superuser=m.superuser) for m in members}
    organisateur = users[spec.organisateur.email]
    event = ensure_event(spec, organisateur=organisateur, today=today, log=log)
    for member in members:
        ensure_assignment(event, users[member.email], member.role, assigned_by=organisateur, log=log)
        ensure_badge_holder(event, users[member.email], member.role, actor=organisateur, log=log)
    ensure_programme(event, actor=organisateur, log=log)
    ensure_staff_shifts(event, [(users[m.email], m.role) for m in members], actor=organisateur, log=log)
    ensure_access_logs(event, log=log)
    ensure_questions(event, organisateur=organisateur, log=log)
    ensure_annonces(event, organisateur=organisateur, log=log)
    ensure_exposants(event, log=log)
    ensure_app_showcase(event, organisateur=organisateur, log=log)  # e-posters, colour, staff annonce
    return [Credential(m.email, m.role, spec.name) for m in spec.members]


@transaction.atomic
def seed_multi_event_data(*, today: date | None = None, log: Log = quiet) -> list[Credential]:
    today = today or algiers_today()
    return [row for spec in MULTI_EVENTS for row in seed_event(spec, today=today, log=log)]


@transaction.atomic
def seed_multi_event_users(*, today: date | None = None, log: Log = quiet) -> list[Credential]:
    """The multi-event accounts; seeds the events they belong to first if those are missing."""
    for spec in MULTI_EVENTS:
        if find_event(spec.name) is None:
            log(f"{spec.name} is missing: seeding it as create_multi_event_data does")
            seed_event(spec, today=today, log=log)
    specs = {spec.name: spec for spec in MULTI_EVENTS}
    rows = []
    for person in MULTI_EVENT_USERS:
        user = ensure_member(person)
        for event_name, role in person.roles:
            event = find_event(event_name)
            assigner = User.objects.filter(email=specs[event_name].organisateur.email).first()
            ensure_assignment(event, user, role, assigned_by=assigner, log=log)
            ensure_badge_holder(event, user, role, actor=assigner, log=log)
            if role == Role.CONTROLLEUR_DES_BADGES:  # at the entrance hall, the whole event
                hall = Room.objects.filter(event=event).order_by("-capacity").first()
                ensure_shifts(event, user, role, [(hall, event.start_date, event.end_date)], actor=assigner, log=log)
            elif role in SHIFT_ROLES:
                ensure_staff_shifts(event, [(user, role)], actor=assigner, log=log)
            rows.append(Credential(person.email, role, event_name))
    return rows


@transaction.atomic
def seed_test_users() -> list[tuple[str, bool]]:
    """The legacy accounts, created or reset: (email, created) of each."""
    return [
        (email, ensure_user(email, first_name, last_name, superuser=superuser)[1])
        for email, first_name, last_name, superuser in TEST_USERS
    ]


@transaction.atomic
def seed_test_data(*, today: date | None = None, log: Log = quiet) -> list[Credential]:
    """The legacy accounts (reset), and the legacy event "MakePlus Demo" with their roles."""
    rows = []
    for email, first_name, last_name, superuser in TEST_USERS:
        if email not in LEGACY_ROLES:
            ensure_user(email, first_name, last_name, superuser=superuser)
            rows.append(Credential(email, "superuser" if superuser else "—", "—"))
    return rows + seed_event(DEMO_EVENT, today=today, log=log)
