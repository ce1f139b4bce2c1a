"""How the isolation matrix builds each cell's request (isolation_table.py says which, and what it answers).

A builder gets a ``Call``: the side whose object is in the URL (``obj``), the side whose ids go
into the body and query (``ref``: B in the B cell, so that B's rooms, badges, users and event are
what the caller names), event A (``a``, the callers' event) and the caller (``me``). Bodies are
valid on A, so that the 2xx the table declares really happens there. The ``check`` functions say
what a 2xx must answer besides leaking nothing of B.
"""

import io
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

from django.utils import timezone

from accounts.services import issue_tokens
from makeplus.tests.isolation_world import CALLERS, MARKER, PASSWORD, Member, Side, jwt_claims

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


# --- account codes, invitations (accounts/codes.py, accounts/invitations.py) ----------------------
# The builders below draw the emailed code themselves, inside the cell's savepoint (rolled back with
# it), as the request step would have: the cell then sends the code the mailbox would hold.

NEW_PASSWORD = "Un-mot-de-passe-solide-2025"


def _draw(purpose, user=None, *, email=None, event=None, **fields) -> str:
    from accounts.codes import draw_code

    email = email or user.email
    return draw_code(
        purpose=purpose, email=email, user=user, resend=False, event=event, check_limits=False, **fields
    ).code


def _invitable(user) -> None:
    """The account as an organisateur's addition leaves it: no usable password (no in-memory change)."""
    from django.contrib.auth.hashers import make_password

    type(user).objects.filter(pk=user.pk).update(password=make_password(None))


def signup_request(c: Call) -> dict:
    # B: B's organisateur's address (an account exists): the same answer, nothing said about it.
    email = c.ref.user(ORG).email if c.other else "nouveau.code@makeplus.test"
    return {"email": email, "password": NEW_PASSWORD, "first_name": "Nouveau"}


def signup_verify(c: Call) -> dict:
    from django.contrib.auth.hashers import make_password

    from accounts.models import AccountCode

    if c.other:  # B's organisateur's address: its sign-up row never opens (an account exists)
        email = c.ref.user(ORG).email
        code = _draw(AccountCode.Purpose.SIGNUP, c.ref.user(ORG), data={"noop": True})
    else:
        email = "nouveau.code@makeplus.test"
        code = _draw(
            AccountCode.Purpose.SIGNUP,
            email=email,
            password_hash=make_password(NEW_PASSWORD),
            data={"first_name": "Nouveau", "last_name": ""},
        )
    return {"email": email, "code": code}


def reset_request(c: Call) -> dict:
    email = c.ref.user(ORG).email if c.other else c.me_or_visitor.email
    return {"email": email, "new_password": NEW_PASSWORD}


def reset_link(c: Call) -> dict:
    return {"email": c.ref.user(ORG).email if c.other else c.me_or_visitor.email}


def reset_verify(c: Call) -> dict:
    """A: the caller's own reset code. B: B's organisateur's address (a reset pending there too)
    with the code the caller received for its own account."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import AccountCode

    mine = _draw(AccountCode.Purpose.PASSWORD_RESET, c.me_or_visitor, password_hash=make_password(NEW_PASSWORD))
    if not c.other:
        return {"email": c.me_or_visitor.email, "code": mine}
    target = c.ref.user(ORG)
    _draw(AccountCode.Purpose.PASSWORD_RESET, target, password_hash=make_password(NEW_PASSWORD))
    return {"email": target.email, "code": mine}


def invitation_accept(c: Call) -> dict:
    """A: A's visitor, invited (no password yet), with its code. B: B's visitor, invited too, with
    the code of A's visitor's invitation."""
    from accounts.models import AccountCode

    _invitable(c.a.visitor)
    mine = _draw(AccountCode.Purpose.INVITATION, c.a.visitor, event=c.a.event)
    if not c.other:
        return {"email": c.a.visitor.email, "code": mine, "password": NEW_PASSWORD}
    _invitable(c.ref.visitor)
    _draw(AccountCode.Purpose.INVITATION, c.ref.visitor, event=c.ref.event)
    return {"email": c.ref.visitor.email, "code": mine, "password": NEW_PASSWORD}


def invitation_resend(c: Call) -> dict:
    """The ref side's visitor, still without a password (an organisateur's addition)."""
    _invitable(c.ref.visitor)
    return {"user_id": c.ref.visitor.pk}


# --- signed file links (makeplus/signed_files.py) -------------------------------------------------


def file_token(c: Call) -> dict:
    """A: a link to A's programme as the API hands it out. B: a link to B's programme whose signature
    was altered (a forged link: the token is the only right to the file)."""
    from django.test import RequestFactory

    from makeplus.signed_files import signed_file_url

    url = signed_file_url(RequestFactory().get("/"), c.ref.event.programme_file)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    if c.other:  # another signature (its first character changed)
        value, signature = token.rsplit(":", 1)
        token = f"{value}:{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    return {"token": token}


# --- the mobile app's event day (mobile/event_day.py) ---------------------------------------------


def app_scan(c: Call) -> dict:
    return {"qr_data": c.ref.visitor_badge.qr_code_data}


def swap_times(c: Call) -> dict:
    """The ref side's conference and a second session of the same room (made in the cell's savepoint)."""
    from events.tests.factories_programme import SessionFactory

    start = c.ref.event.start_date
    tag = f"{MARKER} " if c.other else ""
    other = SessionFactory(
        room=c.ref.room,
        title=f"{tag}Conférence suivante",
        start_time=start + timedelta(hours=8),
        end_time=start + timedelta(hours=9),
    )
    return {"session_1_id": str(c.ref.session.pk), "session_2_id": str(other.pk)}


def session_live(c: Call) -> None:
    """No body: the session is put live first (in the cell's savepoint), so that it can go back."""
    from events.models import Session

    Session.objects.filter(pk=c.obj.session.pk).update(status=Session.Status.LIVE)


def app_scan_refused(data) -> bool:
    return data["status"] == "error" and data["participant"] is None


# --- uploads: multipart bodies -------------------------------------------------------------------


class Upload(io.BytesIO):
    """A file of a multipart body. Its text is what the request sent (the leak check does not count
    the caller's own input echoed back), so it is shown by ``str()``."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name

    def __str__(self):
        return self.getvalue().decode("utf-8", "replace")


def new_eposter(c: Call) -> dict:
    from events.tests.pdfs import pdf_bytes

    return {"title": "Nouveau poster", "authors": "Nouvel Auteur", "file": Upload("poster.pdf", pdf_bytes())}


def participant_list(c: Call) -> dict:
    """A dry-run import of one new person, with the ref side's room and atelier."""
    rows = ["email;prénom;nom;salles;ateliers", f"nouveau.import@makeplus.test;Nouveau;Import;{c.ref.room.name};"]
    rows[1] += c.ref.atelier.title
    return {"file": Upload("inscrits.csv", "\n".join(rows).encode()), "dry_run": "true"}


def import_refused(data) -> bool:
    return data["written"] is False and data["created"] == 0 and len(data["errors"]) >= 1
