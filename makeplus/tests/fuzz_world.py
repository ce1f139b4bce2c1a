"""The world the schema fuzz runs in (test_schema_fuzz.py): a seeded running event, and the real
ids, badges, accounts and tokens the generated cases draw from."""

import time
from collections import defaultdict
from dataclasses import dataclass, field

from hypothesis import strategies as st

from events.models import Role

TOKEN_REUSE_SECONDS = 5 * 60
ANONYMOUS = "anonymous"  # no token of ours: whatever Authorization header the generator sends, if any
OTHER_ROLES = [r for r in Role.values if r != Role.ORGANISATEUR]

# Path prefix -> the kind of object its {id} names.
PATH_IDS = {
    "/api/annonces/{id}/": "annonce",
    "/api/events/{id}/": "event",
    "/api/exposant/scans/{id}/": "exposant_scan",
    "/api/exposants/{id}/": "exposant",
    "/api/participants/{id}/": "participant",
    "/api/questions/{id}/": "question",
    "/api/room-access/{id}/": "room_access",
    "/api/room-assignments/{id}/": "room_assignment",
    "/api/rooms/{id}/": "room",
    "/api/sessions/{id}/": "session",
    "/api/user-assignments/{id}/": "user_assignment",
}
# Query parameter or body field -> the kind of value it takes (in lists and nested objects too).
FIELD_VALUES = {
    "room": "room",
    "session": "session",
    "participant": "participant",
    "participant_id": "participant",
    "user": "user",
    "user_id": "user",
    "verified_by": "user",
    "event_id": "event",
    "exposant": "exposant",
    "allowed_rooms": "room",
    "badge_id": "badge_id",
    "qr_code": "qr_code",
    "email": "email",
    "password": "password",
    "old_password": "password",
    "current_password": "password",
    "refresh": "refresh",
}


# Accept-Language: the usual ones, or any printable header value (no surrounding spaces: not a valid header).
LANGUAGES = st.sampled_from(["fr", "en", "ar", "ar-DZ,ar;q=0.9,fr;q=0.8", "en-US,en;q=0.5", "*"]) | st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40
).map(str.strip)


@dataclass
class FuzzWorld:
    # Empty lists until seeded: schemathesis draws the schema's explicit examples (the door scan's) at collection.
    values_of: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    members: dict = field(default_factory=dict)  # role -> (user, event): whose token each role's cases send
    _tokens: dict = field(default_factory=dict)  # role -> (access token, when issued)

    def access_token(self, role: str) -> str:
        """A fresh access token (they live 15 minutes; a long run lasts longer), event selected."""
        from accounts.services import issue_tokens

        token, issued = self._tokens.get(role, (None, 0.0))
        if token is None or time.monotonic() - issued > TOKEN_REUSE_SECONDS:
            user, event = self.members[role]
            token = issue_tokens(user=user, event_id=event.pk, role=role)["access"]
            self._tokens[role] = (token, time.monotonic())
        return token

    def path_parameters(self, path: str, generated: dict):
        kind = next((kind for prefix, kind in PATH_IDS.items() if path.startswith(prefix)), None)
        if kind is None or "id" not in generated:
            return st.just(generated)
        return st.sampled_from([*self.values_of[kind], generated["id"]]).map(lambda v: {**generated, "id": v})

    def headers(self, case):
        """Every case also says which language it reads (the messages change, never the codes)."""

        def with_language(language):
            case.headers = {**(case.headers or {}), "Accept-Language": language}
            return case

        return LANGUAGES.map(with_language)

    def values(self, generated):
        """Each known field keeps its generated value or takes a real one (Hypothesis chooses)."""
        if isinstance(generated, dict):
            return st.fixed_dictionaries({name: self._value(name, value) for name, value in generated.items()})
        if isinstance(generated, list):
            return st.tuples(*(self.values(item) for item in generated)).map(list)
        return st.just(generated)

    def _value(self, name: str, generated):
        kind = FIELD_VALUES.get(name)
        if kind is None:
            return self.values(generated)
        if isinstance(generated, list):  # allowed_rooms: a list of ids
            return st.lists(st.sampled_from(self.values_of[kind]), max_size=3) | st.just(generated)
        return st.sampled_from([*self.values_of[kind], generated])


def seed_fuzz_world(world: FuzzWorld) -> None:
    """TechSummit (running today) with every kind of object, StartupWeek for another event's ids."""
    from django.utils import timezone

    from accounts.services import issue_tokens
    from annonces.models import Annonce
    from events.models import (
        Event,
        Participant,
        Room,
        RoomAccess,
        RoomAssignment,
        Session,
        SessionAccess,
        SessionQuestion,
        UserEventAssignment,
    )
    from events.services.ateliers import record_payment, register_for_session
    from exposants.models import Exposant, ExposantScan
    from makeplus.errors import AppError
    from seeds.common import DEMO_PASSWORD
    from seeds.demo import STARTUPWEEK, TECHSUMMIT, seed_event

    seed_event(TECHSUMMIT)
    seed_event(STARTUPWEEK)
    event = Event.objects.get(name=TECHSUMMIT.name)
    organisateur = UserEventAssignment.objects.get(event=event, role=Role.ORGANISATEUR).user
    # Atelier registrations and a payment (the seed makes none); refused if the atelier is over.
    holders = list(Participant.objects.filter(event=event, kind=Role.PARTICIPANT).order_by("badge_id"))
    for session in Session.objects.filter(event=event, session_type=Session.Type.ATELIER).order_by("start_time"):
        try:
            if session.is_paid:
                record_payment(session=session, participant=holders[-1], actor=organisateur, method="cash")
            else:
                register_for_session(session=session, participant=holders[0])
        except AppError:
            # Over at this time of day (the seed's ateliers are today): the fuzz needs the rows anyway.
            paid = session.is_paid
            SessionAccess.objects.get_or_create(
                session=session,
                participant=holders[-1] if paid else holders[0],
                defaults={
                    "status": SessionAccess.Status.PAID if paid else SessionAccess.Status.REGISTERED,
                    "amount": session.price if paid else None,
                    "payment_method": "cash" if paid else "",
                    "paid_at": timezone.now() if paid else None,
                    "recorded_by": organisateur if paid else None,
                },
            )

    def ids(model, column="pk"):
        values = model.objects.values_list(column, flat=True)
        return sorted({v if isinstance(v, int) else str(v) for v in values}, key=str)

    world.values_of = {
        "event": ids(Event),
        "annonce": ids(Annonce),
        "exposant_scan": ids(ExposantScan),
        "exposant": ids(Exposant),
        "participant": ids(Participant),
        "question": ids(SessionQuestion),
        "room_access": ids(RoomAccess),
        "room_assignment": ids(RoomAssignment),
        "room": ids(Room),
        "session": ids(Session),
        "session_access": ids(SessionAccess),
        "user_assignment": ids(UserEventAssignment),
        "user": ids(UserEventAssignment, "user_id"),
        "email": ids(UserEventAssignment, "user__email"),
        "badge_id": ids(Participant, "badge_id"),
        "qr_code": ids(Participant, "qr_code_data"),
        "password": [DEMO_PASSWORD],
    }
    refresh = []
    world._tokens.clear()
    for role in Role.values:
        member = UserEventAssignment.objects.filter(event=event, role=role).order_by("user__email").first()
        world.members[role] = (member.user, event)
        refresh.append(issue_tokens(user=member.user, event_id=event.pk, role=role)["refresh"])
    world.values_of["refresh"] = refresh
    assert all(world.values_of.values()), {kind: len(values) for kind, values in world.values_of.items()}
