"""How the isolation matrix builds each cell's request (isolation_table.py says which, and what it answers).

A builder gets a ``Call``: the side whose object is in the URL (``obj``), the side whose ids go
into the body and query (``ref``: B in the B cell, so that B's rooms, badges, users and event are
what the caller names), event A (``a``, the callers' event) and the caller (``me``). Bodies are
valid on A, so that the 2xx the table declares really happens there. The ``check`` functions say
what a 2xx must answer besides leaking nothing of B.
"""

from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

from django.utils import timezone

from accounts.services import issue_tokens
from makeplus.tests.isolation_world import CALLERS, PASSWORD, Member, Side, jwt_claims

ORG, GEST, CTRL, EXPO, PART = CALLERS[:5]


@dataclass
class Call:
    obj: Side  # whose object is in the URL
    ref: Side  # whose ids go into the body and query
    a: Side  # the callers' event
    me: Member | None  # None: anonymous

    @property
    def other(self) -> bool:
        """The body and query name event B's things."""
        return self.ref is not self.a

    @property
    def me_or_visitor(self):
        """The caller, or for the anonymous client a user of A (for auth bodies)."""
        return self.me.user if self.me else self.a.visitor

    def refresh(self) -> str:
        return self.me.refresh if self.me else issue_tokens(user=self.a.visitor)["refresh"]

    @staticmethod
    def nonce() -> str:
        return uuid4().hex

    def at(self, hours: float) -> str:
        """An instant inside the ref side's event, ``hours`` after its start."""
        return (self.ref.event.start_date + timedelta(hours=hours)).isoformat()


def qr(c: Call) -> dict:
    return {"qr_code": c.ref.visitor_badge.qr_code_data, "nonce": c.nonce()}


def login(c: Call) -> dict:
    if c.other:  # B's organisateur, without its password
        return {"email": c.ref.user(ORG).email, "password": "pas-le-bon-mot-de-passe"}
    return {"email": c.me_or_visitor.email, "password": PASSWORD}


def register(c: Call) -> dict:
    email = c.ref.user(ORG).email if c.other else "nouveau.compte@makeplus.test"
    return {"email": email, "password": "Un-mot-de-passe-solide-2025", "first_name": "Nouveau"}


def refresh(c: Call) -> dict:
    if c.other:  # a refresh token naming event B, where the caller has no role
        return {"refresh": issue_tokens(user=c.me_or_visitor, event_id=c.ref.event.pk, role=ORG)["refresh"]}
    return {"refresh": c.refresh()}


def logout(c: Call) -> dict:
    return {"refresh": c.ref.members[ORG].refresh if c.other else c.refresh()}


def profile(c: Call) -> dict:
    if c.other:  # B's organisateur's email
        return {"email": c.ref.user(ORG).email, "current_password": PASSWORD}
    return {"first_name": "Nouveau"}


def event_fields(c: Call) -> dict:
    return {"name": "Nouvel événement", "start_date": c.at(240), "end_date": c.at(264), "location": "Oran"}


def new_participant(c: Call) -> dict:
    rooms = {"access_all_rooms": False, "allowed_rooms": [str(c.ref.room.pk)]}
    if c.other:  # B's visitor, by id, for B's room
        return {"user_id": c.ref.visitor.pk, **rooms}
    return {"email": "nouveau.badge@makeplus.test", "first_name": "Nouveau", **rooms}


def new_session(c: Call) -> dict:
    return {"room": str(c.ref.room.pk), "title": "Nouvelle conférence", "start_time": c.at(6), "end_time": c.at(7)}


def new_shift(c: Call) -> dict:
    return {
        "user": c.ref.user(CTRL).pk,
        "room": str(c.ref.room2.pk),
        "role": CTRL,
        "start_time": c.at(5),
        "end_time": c.at(6),
    }


def sync(c: Call) -> dict:
    scan = {
        "nonce": c.nonce(),
        "room": str(c.ref.room.pk),
        "qr_code": c.ref.visitor_badge.qr_code_data,
        "scanned_at": (timezone.now() - timedelta(minutes=10)).isoformat(),
        "device_status": "granted",
    }
    return {"scans": [scan]}


def denied_wrong_event(data) -> bool:
    return data["status"] == "denied" and data["reason"] == "wrong_event" and data["participant"] is None


def refused_badge(data) -> bool:
    return data["valid"] is False and data["reason"] == "wrong_event" and data["participant"] is None


def empty_page(data) -> bool:
    return data["count"] == 0 and data["results"] == []


def csv_header_only(text) -> bool:
    return len(text.strip().splitlines()) == 1


def no_event_in_tokens(data) -> bool:
    """The refreshed tokens carry no event: the caller has no role in the event its old token named."""
    return all("event_id" not in jwt_claims(data[name].split(".")[1]) for name in ("access", "refresh"))
