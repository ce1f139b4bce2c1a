"""The isolation matrix: every API operation, who may call it, and what event B's objects answer.

One row per operation of the OpenAPI schema (test_isolation_matrix.py fails while an operation
has no row, or a row names an operation that no longer exists). Each row says:

- ``kind``: the object whose id fills the path's parameter (``{id}``, or ``{event_id}`` for an
  event; isolation_world.KINDS), or ``None`` when the path names no object (collections, the
  caller's own things, auth, signed file links: ``path_args`` then fills parameters such as
  ``{token}``, from the cell's side);
- ``a``: the status each caller gets on event A's object (the callers are the five roles of
  event A, tokens selecting A, and an anonymous client);
- ``b``: the status on event B's object. For a row with an object this is never a 2xx: 404 for
  whoever passes the role check (B's object does not exist for A's members), the role refusal
  (403) where the role is refused before any lookup, 401 for the anonymous client. For a row
  without an object, B's ids go into the body or the query (a B room filter, a B badge's QR
  payload, B's event to select...), and a 2xx is allowed when the answer holds nothing of B;
- ``body``/``query``: built for each cell (isolation_requests.py): valid on A, so that a declared
  2xx really happens, and naming B's ids in the B cell. A row whose request cannot name anything
  of B (my-events, dashboard, read_all...) sends the same request in the B cell, which checks
  again that nothing of B appears;
- ``x`` (some rows): A's object with B's ids in the body (cross-reference), e.g. A's session
  moved to B's room; ``check_b``/``check_x``: what a 2xx answer must say besides leaking nothing
  (called with the JSON body, or the text of any other body); ``format``: ``multipart`` for an
  upload (isolation_requests.Upload: its text counts as sent).

In every cell, A or B, the response may contain nothing of event B (isolation_world.find_b_leaks).

Statuses are written ``S(organisateur, gestionnaire, controlleur, exposant, participant, anonymous)``.
The world the statuses are about (isolation_world.build_side): the gestionnaire and the controller are
on duty now at the side's room (``room``), where the conference ``session`` runs; the paid ``atelier``
is in another room; the participant holds a badge, an unpaid place in the atelier and asked ``question``;
the exposant holds a badge and its profile ``exposant`` with a plan and a lead ``exposant-scan``;
``annonce`` is by the organisateur; ``participant`` and ``user-assignment`` are a visitor's badge and role;
``eposter`` (a PDF) is by the organisateur; ``job`` is the organisateur's finished badge-PDF job with its file.
"""

from collections.abc import Callable
from dataclasses import dataclass

from makeplus.tests import isolation_requests as req
from makeplus.tests.isolation_requests import CTRL, PART, Call
from makeplus.tests.isolation_world import CALLERS, PASSWORD


def S(o, g, c, e, p, anon=401) -> dict:
    """Expected status per caller: organisateur, gestionnaire, controlleur, exposant, participant, anonymous."""
    return dict(zip(CALLERS, (o, g, c, e, p, anon), strict=True))


def ALL(code, anon=401):
    return S(code, code, code, code, code, anon)


def ORGANISER(code):
    """Organisateurs only: every other role is refused before any lookup."""
    return S(code, 403, 403, 403, 403)


def STAFF(code):
    """Organisateurs, gestionnaires and controllers."""
    return S(code, code, code, 403, 403)


def MODERATORS(code):
    """Organisateurs and gestionnaires (object level: on duty at the room)."""
    return S(code, code, 403, 403, 403)


def EXPOSANT(code):
    return S(403, 403, 403, code, 403)


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    kind: str | None
    a: dict
    b: dict
    body: Callable[[Call], dict] | None = None
    query: Callable[[Call], dict] | None = None
    x: dict | None = None
    check_b: Callable[[dict], bool] | None = None
    check_x: Callable[[dict], bool] | None = None
    path_args: Callable[[Call], dict] | None = None  # parameters of a path without an object ({token})
    format: str = "json"  # "multipart" for an upload

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    def __str__(self):
        return f"{self.method} {self.path}"


# --- the table -----------------------------------------------------------------------------------

TABLE: list[Op] = [
    # auth/: no event object; B = B's accounts, tokens and event.
    Op(
        "POST",
        "/api/auth/change-password/",
        None,
        a=ALL(200),
        b=ALL(200),
        body=lambda c: {"old_password": PASSWORD, "new_password": "Un-nouveau-mot-de-passe-2025"},
    ),
    Op("POST", "/api/auth/login/", None, a=ALL(200, anon=200), b=ALL(401, anon=401), body=req.login),
    Op("POST", "/api/auth/logout/", None, a=ALL(204), b=ALL(400), body=req.logout),
    Op("GET", "/api/auth/me/export/", None, a=ALL(200), b=ALL(200)),
    Op("GET", "/api/auth/my-events/", None, a=ALL(200), b=ALL(200)),
    # Leaving one's event: the last organisateur may not (400 last_organisateur); another event is not "mine".
    Op("POST", "/api/auth/my-events/{event_id}/leave/", "event", a=S(400, 204, 204, 204, 204), b=ALL(404)),
    Op("GET", "/api/auth/profile/", None, a=ALL(200), b=ALL(200)),
    Op("PATCH", "/api/auth/profile/", None, a=ALL(200), b=ALL(400), body=req.profile),
    Op("POST", "/api/auth/register/", None, a=ALL(201, anon=201), b=ALL(400, anon=400), body=req.register),
    Op(
        "POST",
        "/api/auth/select-event/",
        None,
        a=ALL(200),
        b=ALL(404),
        body=lambda c: {"event_id": str(c.ref.event.pk)},
    ),
    Op(
        "POST",
        "/api/auth/switch-event/",
        None,
        a=ALL(200),
        b=ALL(404),
        body=lambda c: {"event_id": str(c.ref.event.pk)},
    ),
    Op(
        "POST",
        "/api/auth/token/refresh/",
        None,
        a=ALL(200, anon=200),
        b=ALL(200, anon=200),
        body=req.refresh,
        check_b=req.no_event_in_tokens,
    ),
    Op("GET", "/api/health/", None, a=ALL(200, anon=200), b=ALL(200, anon=200)),
    Op("GET", "/api/dashboard/stats/", None, a=ALL(200), b=ALL(200)),
    Op(
        "GET",
        "/api/controller/room-stats/",
        None,
        a=STAFF(200),
        b=STAFF(404),
        query=lambda c: {"room": str(c.ref.room.pk)},
    ),
    # events: the event itself is the tenant.
    Op(
        "GET",
        "/api/events/",
        None,
        a=ALL(200),
        b=ALL(200),
        query=lambda c: {"search": c.ref.event.name},
        check_b=req.empty_page,
    ),
    Op("POST", "/api/events/", None, a=ALL(201), b=ALL(201), body=req.event_fields),
    Op("GET", "/api/events/{id}/", "event", a=ALL(200), b=ALL(404)),
    Op("PUT", "/api/events/{id}/", "event", a=S(200, 403, 403, 403, 403), b=ALL(404), body=req.event_fields),
    Op(
        "PATCH",
        "/api/events/{id}/",
        "event",
        a=S(200, 403, 403, 403, 403),
        b=ALL(404),
        body=lambda c: {"president": "Mme Nouvelle"},
    ),
    Op(
        "DELETE",
        "/api/events/{id}/",
        "event",
        a=S(204, 403, 403, 403, 403),
        b=ALL(404),
        query=lambda c: {"confirm": "true"},
    ),
    Op("GET", "/api/events/{id}/badge-key/", "event", a=STAFF(200), b=ALL(404)),
    Op("GET", "/api/events/{id}/guide/", "event", a=ALL(200), b=ALL(404)),
    Op("GET", "/api/events/{id}/programme/", "event", a=ALL(200), b=ALL(404)),
    Op("GET", "/api/events/{id}/statistics/", "event", a=S(200, 403, 403, 403, 403), b=ALL(404)),
    # exposant/: the calling exposant's leads.
    Op("POST", "/api/exposant/scan/", None, a=EXPOSANT(201), b=EXPOSANT(400), body=req.qr),
    Op(
        "GET",
        "/api/exposant/scans/",
        None,
        a=EXPOSANT(200),
        b=EXPOSANT(200),
        query=lambda c: {"search": c.ref.visitor.first_name},
        check_b=req.empty_page,
    ),
    Op("GET", "/api/exposant/scans/{id}/", "exposant-scan", a=EXPOSANT(200), b=EXPOSANT(404)),
    Op(
        "PATCH",
        "/api/exposant/scans/{id}/",
        "exposant-scan",
        a=EXPOSANT(200),
        b=EXPOSANT(404),
        body=lambda c: {"notes": "Rappeler lundi", "rating": 4},
    ),
    Op(
        "GET",
        "/api/exposant/scans/export/",
        None,
        a=EXPOSANT(200),
        b=EXPOSANT(200),
        query=lambda c: {"search": c.ref.visitor.first_name},
        check_b=req.csv_header_only,
    ),
    Op(
        "GET",
        "/api/exposant/statistics/",
        None,
        a=S(200, 403, 403, 200, 403),
        b=S(404, 403, 403, 404, 403),
        query=lambda c: {"exposant": c.ref.exposant.pk},
    ),
    # exposants/: the directory.
    Op(
        "GET",
        "/api/exposants/",
        None,
        a=ALL(200),
        b=ALL(200),
        query=lambda c: {"search": c.ref.exposant.company_name},
        check_b=req.empty_page,
    ),
    Op("GET", "/api/exposants/{id}/", "exposant", a=ALL(200), b=ALL(404)),
    Op(
        "PATCH",
        "/api/exposants/{id}/",
        "exposant",
        a=S(200, 403, 403, 200, 403),
        b=ALL(404),
        body=lambda c: {"description": "Nouveautés de l'année"},
    ),
    Op("GET", "/api/exposants/{id}/plan/", "exposant", a=ALL(200), b=ALL(404)),
    Op("GET", "/api/exposants/me/", None, a=EXPOSANT(200), b=EXPOSANT(200)),
    Op(
        "PATCH",
        "/api/exposants/me/",
        None,
        a=EXPOSANT(200),
        b=EXPOSANT(200),  # B's stand number is free in A: stands are numbered per event
        body=lambda c: {"stand_number": c.ref.exposant.stand_number},
    ),
    # participants/ and badges.
    Op(
        "GET",
        "/api/participants/",
        None,
        a=ORGANISER(200),
        b=ORGANISER(200),
        query=lambda c: {"search": c.ref.visitor_badge.badge_id},
        check_b=req.empty_page,
    ),
    Op("POST", "/api/participants/", None, a=ORGANISER(201), b=ORGANISER(400), body=req.new_participant),
    Op("GET", "/api/participants/{id}/", "participant", a=ORGANISER(200), b=ORGANISER(404)),
    Op(
        "PATCH",
        "/api/participants/{id}/",
        "participant",
        a=ORGANISER(200),
        b=ORGANISER(404),
        body=lambda c: {"access_all_rooms": False, "allowed_rooms": [str(c.ref.room.pk)]},
        x=ORGANISER(400),
    ),
    Op("DELETE", "/api/participants/{id}/", "participant", a=ORGANISER(204), b=ORGANISER(404)),
    Op("GET", "/api/participants/{id}/badge/png/", "participant", a=ORGANISER(200), b=ORGANISER(404)),
    # The caller's own badge: organisateurs and staff hold none (403 no_badge).
    Op("GET", "/api/participants/me/", None, a=S(403, 403, 403, 200, 200), b=S(403, 403, 403, 200, 200)),
    Op("GET", "/api/participants/me/badge/", None, a=S(403, 403, 403, 200, 200), b=S(403, 403, 403, 200, 200)),
    Op(
        "GET",
        "/api/participants/me/badge/png/",
        None,
        a=S(403, 403, 403, 200, 200),
        b=S(403, 403, 403, 200, 200),
    ),
    Op(
        "POST",
        "/api/qr/generate/",
        None,
        a=ORGANISER(200),
        b=ORGANISER(404),
        body=lambda c: {"participant_id": c.ref.visitor_badge.pk},
    ),
    Op(
        "POST",
        "/api/qr/verify/",
        None,
        a=STAFF(200),
        b=STAFF(200),
        # The typed badge id here (badge ids are unique across events); QR payloads in the other scan rows.
        body=lambda c: {"badge_id": c.ref.visitor_badge.badge_id, "check_in": True},
        check_b=req.refused_badge,
    ),
    # questions/: one question of the live Q&A (asked by the participant).
    Op("GET", "/api/questions/{id}/", "question", a=ALL(200), b=ALL(404)),
    Op("DELETE", "/api/questions/{id}/", "question", a=S(403, 403, 403, 403, 204), b=ALL(404)),
    Op(
        "PATCH",
        "/api/questions/{id}/answer/",
        "question",
        a=MODERATORS(200),
        b=MODERATORS(404),
        body=lambda c: {"answer": "Oui, en salle plénière."},
    ),
    Op("POST", "/api/questions/{id}/hide/", "question", a=MODERATORS(200), b=MODERATORS(404)),
    Op("POST", "/api/questions/{id}/unhide/", "question", a=MODERATORS(200), b=MODERATORS(404)),
    # Upvote: a badge of the event is needed (403 no_badge), not on one's own question (400).
    Op("POST", "/api/questions/{id}/upvote/", "question", a=S(403, 403, 403, 200, 400), b=ALL(404)),
    # room-access/: the door log.
    Op(
        "GET",
        "/api/room-access/",
        None,
        a=STAFF(200),
        b=STAFF(200),
        query=lambda c: {
            "room": str(c.ref.room.pk),
            "session": str(c.ref.session.pk),
            "participant": c.ref.visitor_badge.pk,
        },
        check_b=req.empty_page,
    ),
    Op(
        "POST",
        "/api/room-access/",
        None,
        a=ORGANISER(201),
        b=ORGANISER(400),
        body=lambda c: {"room": str(c.ref.room.pk), **req.qr(c)},
    ),
    Op("GET", "/api/room-access/{id}/", "room-access", a=STAFF(200), b=STAFF(404)),
    # room-assignments/: staff shifts; the object is the controller's shift (the gestionnaire reads only its own).
    Op(
        "GET",
        "/api/room-assignments/",
        None,
        a=STAFF(200),
        b=STAFF(400),  # B's room and user are unknown choices, like ids that do not exist
        query=lambda c: {"room": str(c.ref.room.pk), "user": c.ref.user(CTRL).pk},
    ),
    Op("POST", "/api/room-assignments/", None, a=ORGANISER(201), b=ORGANISER(400), body=req.new_shift),
    Op("GET", "/api/room-assignments/{id}/", "room-assignment", a=S(200, 404, 200, 403, 403), b=STAFF(404)),
    Op(
        "PATCH",
        "/api/room-assignments/{id}/",
        "room-assignment",
        a=ORGANISER(200),
        b=ORGANISER(404),
        body=lambda c: {"notes": "Porte nord", "room": str(c.ref.room.pk)},
        x=ORGANISER(400),
    ),
    Op("DELETE", "/api/room-assignments/{id}/", "room-assignment", a=ORGANISER(204), b=ORGANISER(404)),
    # rooms/
    Op(
        "GET",
        "/api/rooms/",
        None,
        a=ALL(200),
        b=ALL(200),
        query=lambda c: {"search": c.ref.room.name},
        check_b=req.empty_page,
    ),
    Op(
        "POST",
        "/api/rooms/",
        None,
        a=ORGANISER(201),
        b=ORGANISER(201),
        body=lambda c: {"name": "Salle neuve", "capacity": 40},
    ),
    Op("GET", "/api/rooms/{id}/", "room", a=ALL(200), b=ALL(404)),
    Op(
        "PATCH",
        "/api/rooms/{id}/",
        "room",
        a=ORGANISER(200),
        b=ORGANISER(404),
        body=lambda c: {"description": "Climatisée"},
    ),
    Op("DELETE", "/api/rooms/{id}/", "spare-room", a=ORGANISER(204), b=ORGANISER(404)),
    Op("GET", "/api/rooms/{id}/current-staff/", "room", a=STAFF(200), b=STAFF(404)),
    Op("GET", "/api/rooms/{id}/participants/", "room", a=MODERATORS(200), b=MODERATORS(404)),
    Op("POST", "/api/rooms/{id}/reset_occupancy/", "room", a=MODERATORS(200), b=MODERATORS(404)),
    Op("GET", "/api/rooms/{id}/sessions/", "room", a=ALL(200), b=ALL(404)),
    Op(
        "POST",
        "/api/rooms/{id}/verify_access/",
        "room",
        a=STAFF(200),
        b=STAFF(404),
        body=req.qr,
        x=STAFF(200),
        check_x=req.denied_wrong_event,
    ),
    Op("POST", "/api/scans/sync/", None, a=STAFF(200), b=S(400, 400, 400, 403, 403), body=req.sync),
    # sessions/: the conference running in the room; atelier actions on the paid atelier.
    Op(
        "GET",
        "/api/sessions/",
        None,
        a=ALL(200),
        b=ALL(400),  # B's room is an unknown choice, like a room that does not exist
        query=lambda c: {"room": str(c.ref.room.pk)},
    ),
    Op("POST", "/api/sessions/", None, a=ORGANISER(201), b=ORGANISER(400), body=req.new_session),
    Op("GET", "/api/sessions/{id}/", "session", a=ALL(200), b=ALL(404)),
    Op(
        "PATCH",
        "/api/sessions/{id}/",
        "session",
        a=ORGANISER(200),
        b=ORGANISER(404),
        body=lambda c: {"title": "Titre modifié", "room": str(c.ref.room.pk)},
        x=ORGANISER(400),
    ),
    Op("DELETE", "/api/sessions/{id}/", "session", a=ORGANISER(204), b=ORGANISER(404)),
    # A gestionnaire on duty gets mark_scheduled/ (the app's "Pas encore"): the conference is not live (409).
    Op(
        "POST",
        "/api/sessions/{id}/cancel/",
        "session",
        a=S(200, 409, 403, 403, 403),
        b=MODERATORS(404),
        body=lambda c: {"reason": "Intervenant absent"},
    ),
    Op("POST", "/api/sessions/{id}/mark_completed/", "session", a=MODERATORS(200), b=MODERATORS(404)),
    Op("POST", "/api/sessions/{id}/mark_live/", "session", a=MODERATORS(200), b=MODERATORS(404)),
    Op(
        "POST",
        "/api/sessions/{id}/payments/",
        "atelier",
        a=ORGANISER(200),
        b=ORGANISER(404),
        body=lambda c: {"participant_id": c.ref.badges[PART].pk, "method": "cash"},
        x=ORGANISER(400),
    ),
    Op("GET", "/api/sessions/{id}/questions/", "session", a=ALL(200), b=ALL(404)),
    # Asking needs a badge of the event (403 no_badge).
    Op(
        "POST",
        "/api/sessions/{id}/questions/",
        "session",
        a=S(403, 403, 403, 201, 201),
        b=ALL(404),
        body=lambda c: {"text": "Les slides seront-elles partagées ?"},
    ),
    # Registering needs a badge (403 no_badge); the participant already holds a place (200).
    Op("POST", "/api/sessions/{id}/register/", "atelier", a=S(403, 403, 403, 201, 200), b=ALL(404)),
    Op("GET", "/api/sessions/{id}/registrations/", "atelier", a=ORGANISER(200), b=ORGANISER(404)),
    Op("POST", "/api/sessions/{id}/unregister/", "atelier", a=S(403, 403, 403, 409, 200), b=ALL(404)),
    # user-assignments/: roles in the current event. Creating takes any existing account's email
    # (the product's way to add people): B's members are not used there, B = the same request.
    # Gestionnaires and controllers list their own row only (the app finds its room there).
    Op(
        "GET",
        "/api/user-assignments/",
        None,
        a=STAFF(200),
        b=STAFF(200),
        query=lambda c: {"search": c.ref.visitor.email},
        check_b=req.empty_page,
    ),
    Op(
        "POST",
        "/api/user-assignments/",
        None,
        a=ORGANISER(201),
        b=ORGANISER(201),
        body=lambda c: {"email": c.a.outsider.email, "role": PART},
    ),
    Op("GET", "/api/user-assignments/{id}/", "user-assignment", a=ORGANISER(200), b=ORGANISER(404)),
    Op(
        "PATCH",
        "/api/user-assignments/{id}/",
        "user-assignment",
        a=ORGANISER(200),
        b=ORGANISER(404),
        body=lambda c: {"is_active": False},
    ),
    Op("DELETE", "/api/user-assignments/{id}/", "user-assignment", a=ORGANISER(204), b=ORGANISER(404)),
    # annonces/ (by the organisateur, for everyone)
    Op(
        "GET",
        "/api/annonces/",
        None,
        a=ALL(200),
        b=ALL(200),
        query=lambda c: {"search": c.ref.annonce.title},
        check_b=req.empty_page,
    ),
    Op(
        "POST",
        "/api/annonces/",
        None,
        a=ORGANISER(201),
        b=ORGANISER(201),
        body=lambda c: {"title": "Nouvelle annonce", "content": "Le déjeuner est servi."},
    ),
    Op("GET", "/api/annonces/{id}/", "annonce", a=ALL(200), b=ALL(404)),
    # Room managers write annonces too (to the staff only), their own: 403 not_owner on the organisateur's.
    Op(
        "PATCH",
        "/api/annonces/{id}/",
        "annonce",
        a=ORGANISER(200),
        b=MODERATORS(404),
        body=lambda c: {"title": "Titre modifié"},
    ),
    Op("DELETE", "/api/annonces/{id}/", "annonce", a=ORGANISER(204), b=MODERATORS(404)),
    Op("POST", "/api/annonces/{id}/read/", "annonce", a=ALL(200), b=ALL(404)),
    Op("POST", "/api/annonces/read_all/", None, a=ALL(200), b=ALL(200)),
    Op("GET", "/api/annonces/unread_count/", None, a=ALL(200), b=ALL(200)),
    # --- rows added by "isolation" (issues 18 and 19) ----------------------------------------------
    # The mobile app's account routes (mobile/auth.py): the caller itself, nothing of B to name but
    # B's organisateur at login (a wrong password, as in /api/auth/login/).
    Op("POST", "/api/auth/token/", None, a=ALL(200, anon=200), b=ALL(401, anon=401), body=req.login),
    Op("GET", "/api/auth/me/", None, a=ALL(200), b=ALL(200)),
    Op("PATCH", "/api/auth/me/", None, a=ALL(200), b=ALL(200), body=lambda c: {"first_name": "Nouveau"}),
    # The only organisateur of a running event cannot leave it (last_organisateur).
    Op(
        "DELETE",
        "/api/auth/me/",
        None,
        a=S(400, 204, 204, 204, 204),
        b=S(400, 204, 204, 204, 204),
        body=lambda c: {"password": PASSWORD},
    ),
    # Codes by email (accounts/views_codes.py): public, the same answer whether the address has an
    # account; B = B's organisateur's address. A code opens only the address it was sent to.
    Op("POST", "/api/auth/signup/request/", None, a=ALL(200, anon=200), b=ALL(200, anon=200), body=req.signup_request),
    Op("POST", "/api/auth/signup/resend/", None, a=ALL(200, anon=200), b=ALL(200, anon=200), body=req.signup_request),
    Op("POST", "/api/auth/signup/verify/", None, a=ALL(200, anon=200), b=ALL(400, anon=400), body=req.signup_verify),
    Op("POST", "/api/auth/password-reset/", None, a=ALL(200, anon=200), b=ALL(200, anon=200), body=req.reset_link),
    Op(
        "POST",
        "/api/auth/password-reset/request/",
        None,
        a=ALL(200, anon=200),
        b=ALL(200, anon=200),
        body=req.reset_request,
    ),
    Op(
        "POST",
        "/api/auth/password-reset/resend/",
        None,
        a=ALL(200, anon=200),
        b=ALL(200, anon=200),
        body=req.reset_request,
    ),
    Op(
        "POST",
        "/api/auth/password-reset/verify/",
        None,
        a=ALL(200, anon=200),
        b=ALL(400, anon=400),
        body=req.reset_verify,
    ),
    Op(
        "POST",
        "/api/auth/invitation/accept/",
        None,
        a=ALL(200, anon=200),
        b=ALL(400, anon=400),
        body=req.invitation_accept,
    ),
    # B's visitor is not a member of A: 404, like any other event's object.
    Op(
        "POST",
        "/api/auth/invitation/resend/",
        None,
        a=ORGANISER(200),
        b=ORGANISER(404),
        body=req.invitation_resend,
    ),
    # Signed file links: the token is the right (no authentication); B = a forged link to B's file.
    Op(
        "GET",
        "/api/files/{token}/",
        None,
        a=ALL(200, anon=200),
        b=ALL(404, anon=404),
        path_args=req.file_token,
    ),
    # e-posters (events/views/eposters.py): members read, organisateurs write.
    Op(
        "GET",
        "/api/eposters/",
        None,
        a=ALL(200),
        b=ALL(200),
        query=lambda c: {"search": c.ref.eposter.title},
        check_b=req.empty_page,
    ),
    Op("POST", "/api/eposters/", None, a=ORGANISER(201), b=ORGANISER(201), body=req.new_eposter, format="multipart"),
    Op("GET", "/api/eposters/{id}/", "eposter", a=ALL(200), b=ALL(404)),
    Op(
        "PATCH",
        "/api/eposters/{id}/",
        "eposter",
        a=ORGANISER(200),
        b=ORGANISER(404),
        body=lambda c: {"title": "Titre modifié"},
    ),
    Op("DELETE", "/api/eposters/{id}/", "eposter", a=ORGANISER(204), b=ORGANISER(404)),
    # The app's gallery (mobile/eposters.py): members of the event in the path (A's is not public).
    Op("GET", "/api/eposter/{event_id}/gallery/", "event", a=ALL(200), b=ALL(404)),
    # Jobs (makeplus/views_jobs.py): organisateurs of the job's event.
    Op("GET", "/api/jobs/", None, a=ORGANISER(200), b=ORGANISER(200)),
    Op("GET", "/api/jobs/{id}/", "job", a=ORGANISER(200), b=ORGANISER(404)),
    Op("GET", "/api/jobs/{id}/download/", "job", a=ORGANISER(200), b=ORGANISER(404)),
    # Badge delivery and import (organisateurs): whole-event jobs name nothing of B.
    Op("POST", "/api/participants/send-badges/", None, a=ORGANISER(202), b=ORGANISER(202)),
    Op("POST", "/api/participants/badges-pdf/", None, a=ORGANISER(202), b=ORGANISER(202)),
    Op("POST", "/api/participants/{id}/send-badge/", "participant", a=ORGANISER(200), b=ORGANISER(404)),
    # A dry run; B's room and atelier are unknown names in A: row errors, nothing written.
    Op(
        "POST",
        "/api/participants/import/",
        None,
        a=ORGANISER(200),
        b=ORGANISER(200),
        body=req.participant_list,
        format="multipart",
        check_b=req.import_refused,
    ),
    # The mobile app's event day (mobile/event_day.py). The scan always answers 200: B's badge is refused.
    Op(
        "POST",
        "/api/participants/scan/",
        None,
        a=STAFF(200),
        b=STAFF(200),
        body=req.app_scan,
        check_b=req.app_scan_refused,
    ),
    Op("GET", "/api/my-room/statistics/", None, a=STAFF(200), b=STAFF(200)),
    Op("POST", "/api/sessions/swap-times/", None, a=MODERATORS(200), b=MODERATORS(404), body=req.swap_times),
    Op("POST", "/api/sessions/{id}/start/", "session", a=MODERATORS(200), b=MODERATORS(404)),
    Op("POST", "/api/sessions/{id}/end/", "session", a=MODERATORS(200), b=MODERATORS(404)),
    Op(
        "POST",
        "/api/sessions/{id}/mark_scheduled/",
        "session",
        a=MODERATORS(200),
        b=MODERATORS(404),
        body=req.session_live,
    ),
    # B's session is an unknown choice (400), as in /api/sessions/?room=.
    Op(
        "GET",
        "/api/session-questions/",
        None,
        a=ALL(200),
        b=ALL(400),
        query=lambda c: {"session": str(c.ref.session.pk)},
    ),
    Op(
        "POST",
        "/api/session-questions/",
        None,
        a=S(403, 403, 403, 201, 201),
        b=ALL(400),
        body=lambda c: {"session": str(c.ref.session.pk), "question_text": "Les slides seront-elles partagées ?"},
    ),
    Op("POST", "/api/session-questions/{id}/answer/", "question", a=MODERATORS(200), b=MODERATORS(404)),
    # The mobile app's exposant screens (mobile/exposants.py): the caller's own stand.
    Op(
        "POST",
        "/api/exposant-scans/scan_participant/",
        None,
        a=EXPOSANT(201),
        b=EXPOSANT(400),
        body=req.app_scan,
    ),
    Op(
        "GET",
        "/api/exposant-scans/my_scans/",
        None,
        a=EXPOSANT(200),
        b=EXPOSANT(400),  # event_id naming B: wrong_event
        query=lambda c: {"event_id": str(c.ref.event.pk)},
    ),
    Op("GET", "/api/exposant-scans/export_excel/", None, a=EXPOSANT(200), b=EXPOSANT(200)),
    # --- end rows added by "isolation" -------------------------------------------------------------
]

# Routes of the URL configuration that are not API operations of the schema, and why.
NON_SCHEMA_ROUTES = {
    "/admin/": "Django admin: session login, staff only; its event scoping is tested in events/tests/test_admin.py",
    "/api/": "DRF router root: links to the collections, no data",
    "/api/schema/": "the OpenAPI document itself",
    "/api/docs/": "Swagger UI page (reads /api/schema/)",
    "/api/.*": "catch-all: unknown API routes answer 404 in the error format",
    "/api/participants/": "mobile/exposants.py participants_collection (a plain function view before the "
    "router): GET/POST go to ParticipantViewSet (rows GET/POST /api/participants/); GET ?user_id= is the "
    "exposant's badge look-up (VisitorLookupView, refused for another event's badge: exposants.services."
    "visitor_for_badge), tested in mobile/tests",
    "/account/password-reset/": "web page (HTML form) asking for a reset link: no event data; accounts/tests",
    "/account/reset/{uidb64}/{token}/": "web page of the emailed reset link (Django's token): accounts/tests",
    "/account/password-done/": "web page: the password was saved",
    "/account/invitation/{token}/": "web page of the emailed invitation link (signed token): accounts/tests",
    "/i18n/setlang/": "the back office's language switch (Django's set_language + the account's language): no "
    "event data; makeplus/tests/test_admin_i18n.py",
}
