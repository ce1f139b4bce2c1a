"""The baselines: the cheapest Django implementation of each benchmarked path's database work.

Bare Django function views — no DRF, no serializers, no permission classes — served by the same gunicorn
as the API (bench/urls.py, benchmark settings only). What the API costs on top of them is what our code
and the framework add to the unavoidable.

**The door scan** (``POST /bench/baseline/rooms/<room>/scan/``, the same body and the same
``Authorization: Bearer <access token>`` as verify_access) issues THE SAME STATEMENTS as the API's scan, by
calling the same functions of events/sql (so that it follows the API's SQL when that changes):

1. the caller: the access token's HS256 signature and expiry checked with the standard library (no JWT
   library), then ``events.sql.auth.caller`` (user, active assignment in the token's event, login session:
   one statement), the user active, the token's password hash claim, the session open — 401 otherwise;
2. the door: ``events.sql.access.door_for_scan`` (room, caller on duty, running session: one statement) —
   404 for another event's room, 403 when the caller is not on duty there;
3. in one transaction (BEGIN … COMMIT): the badge read with ``events.badges.parse_badge`` /
   ``typed_badge_id``, its holder with ``events.sql.access.holder_at_door`` (row locked), the signature and
   badge version judged with ``events.badges.judge_badge`` / ``judge_typed_badge``; for an entry, the
   allowed-room check (``Participant.may_enter`` on the holder row's flag); then :func:`_write`, the
   writes as the API makes them: ``events.sql.access.record`` (occupancy by conditional UPDATE — the
   capacity check —, presence, log row, door-scan counter: one statement), COMMIT. The one difference in
   statements: a holder moving from another room (rare in the mix), where the API locks both rooms then
   updates them, costs here two conditional UPDATEs in primary-key order (one statement fewer).

Left out, on purpose (the API does them; they are what "our code" means here): DRF (request parsing,
content negotiation, the permission classes, throttling, the exception handler), the request serializer
and its validation, the role check beyond "on duty", the closed-room and atelier rules (payment,
registration: an atelier entry the API denies is granted here, more work for the baseline), offline
scans, the nonce replay answer (fresh nonces: never needed), translated messages, the full answer
(a few fields by ``JsonResponse``).

The read baselines run the SQL of the API's read paths written by hand (same rows, same joins and
aggregates, the same page), and answer them with ``JsonResponse``; event and viewer come in the
query string instead of a token (no authentication, no cache, no ETag).
"""

import base64
import binascii
import hashlib
import hmac
import json
import time

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from events.badges import judge_badge, judge_typed_badge, parse_badge, typed_badge_id
from events.calendar import event_today
from events.models import RoomAccess
from events.sql import access as sql
from events.sql.auth import caller

Reason = RoomAccess.Reason
GRANTED, DENIED = RoomAccess.Status.GRANTED, RoomAccess.Status.DENIED
ENTRY, EXIT = RoomAccess.Direction.ENTRY, RoomAccess.Direction.EXIT


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _claims(request) -> dict | None:
    """The claims of a valid access token (HS256 signature with the signing key, not expired); None otherwise."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme != "Bearer":
        return None
    try:
        head, payload, signature = token.split(".")
        key = settings.SIMPLE_JWT.get("SIGNING_KEY", settings.SECRET_KEY).encode()
        expected = hmac.new(key, f"{head}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _b64(signature)):
            return None
        claims = json.loads(_b64(payload))
    except (ValueError, binascii.Error):
        return None
    if claims.get("token_type") != "access" or claims.get("exp", 0) <= time.time():
        return None
    return claims


def _caller(request):
    """The caller's assignment (with its user and event), or None: the token, then one statement."""
    claims = _claims(request)
    if claims is None:
        return None
    found = caller(claims.get("user_id"), claims.get("event_id"), claims.get("sid"))
    if found is None or found.assignment is None or not found.user.is_active:
        return None
    if claims.get("hash_password") != hashlib.md5(found.user.password.encode()).hexdigest().upper():
        return None
    if claims.get("sid") and not found.session_open:
        return None
    return found.assignment


def _write(*, room, participant, direction: str, reason: str, access: RoomAccess) -> tuple[str, bool]:
    """The decision's writes, as the API's service makes them (events/services/access.py ``_move``, ``_log``):
    ``events.sql.access.record`` — occupancy by conditional UPDATE (the capacity check), presence, log row
    and door-scan counter in one statement. A move from another room changes both rooms first, in
    primary-key order (no deadlock), by conditional UPDATEs. The one place to change when the API's
    writes change. Returns (reason, already inside)."""
    seat = presence = None
    already_inside = False
    if not reason and participant is not None:
        current = participant.current_room_id
        if direction == EXIT:
            if current == room.pk:
                seat, presence = "leave", sql.Presence(None)
        elif current == room.pk:
            already_inside = True
        else:
            checked_in_at = None if participant.is_checked_in else access.scanned_at
            presence = sql.Presence(room.pk, checked_in_at=checked_in_at)
            if current is None:
                seat = "take"
            elif not _move_seat(room.pk, current):
                reason, presence = Reason.ROOM_FULL, None
    access.status, access.denial_reason, access.already_inside = (DENIED if reason else GRANTED), reason, already_inside
    sql.record(access, seat=seat, presence=presence)
    return access.denial_reason, already_inside


def _move_seat(here, current) -> bool:
    """One seat from room ``current`` to room ``here``, both rows changed in primary-key order; False: full."""
    if here < current:
        taken = sql.take_seat(here) is not None
        if taken:
            sql.leave_seat(current)
        return taken
    sql.leave_seat(current)
    if sql.take_seat(here) is None:
        sql.take_seat(current, force=True)  # back where it was
        return False
    return True


def _decide(assignment, door, body: dict) -> dict:
    room, event, now = door.room, assignment.event, timezone.now()
    direction = EXIT if body.get("direction") == EXIT else ENTRY
    qr_code, badge_id = body.get("qr_code") or None, body.get("badge_id") or None
    with transaction.atomic():
        session = door.running if direction == ENTRY else None
        holder = None
        if qr_code:
            payload = parse_badge(qr_code)
            if payload is None:
                check_reason, participant = Reason.INVALID_BADGE, None
            else:
                holder = sql.holder_at_door(
                    room=room, session=session, participant_id=payload.participant_id, event_id=payload.event_id
                )
                check = judge_badge(payload, holder and holder.participant, holder and holder.public_key, event=event)
                check_reason, participant = check.reason, check.participant
        else:
            typed = typed_badge_id(badge_id)
            if typed is None:
                check_reason, participant = Reason.INVALID_BADGE, None
            else:
                holder = sql.holder_at_door(room=room, session=session, badge_id=typed)
                check = judge_typed_badge(holder and holder.participant, event=event)
                check_reason, participant = check.reason, check.participant
        reason = check_reason or ""
        if not reason and direction == ENTRY and not participant.may_enter(room, listed=holder.allowed_here):
            reason = Reason.NOT_ALLOWED_ROOM
        access = RoomAccess(
            participant=participant if not check_reason else None,
            badge_input=(badge_id or qr_code or "")[:255],
            room=room,
            session=session if not check_reason else None,
            direction=direction,
            verified_by=assignment.user,
            scanned_at=now,
            nonce=str(body.get("nonce") or "")[:64],
        )
        reason, already_inside = _write(
            room=room, participant=None if check_reason else participant, direction=direction, reason=reason,
            access=access,
        )  # fmt: skip
    holder_user = participant and participant.user
    return {
        "status": access.status,
        "reason": reason or None,
        "direction": direction,
        "already_inside": already_inside,
        "participant": None
        if check_reason
        else {"id": participant.pk, "name": f"{holder_user.first_name} {holder_user.last_name}".strip()},
        "room": {"id": room.pk, "name": room.name, "capacity": room.capacity},
        "access_id": access.pk,
    }


@csrf_exempt
@require_POST
def scan(request, room_id):
    assignment = _caller(request)
    if assignment is None:
        return HttpResponse(status=401)
    door = sql.door_for_scan(event=assignment.event, room_id=room_id, user=assignment.user)
    if door is None:
        return HttpResponse(status=404)
    if not door.caller_on_duty:
        return HttpResponse(status=403)
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    return JsonResponse(_decide(assignment, door, body))


# --- read paths -----------------------------------------------------------------------------------


def _rows(cursor, sql: str, params) -> list[dict]:
    cursor.execute(sql, params)
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _page(request) -> tuple[int, int]:
    size = min(int(request.GET.get("page_size", 20)), 100)
    return size, (int(request.GET.get("page", 1)) - 1) * size


_SESSIONS_WHERE = "s.event_id = %s AND (s.start_time AT TIME ZONE %s)::date = %s"
_SESSIONS = f"""
    SELECT s.id, s.event_id, s.room_id, r.name AS room_name, r.capacity AS room_capacity, s.title, s.description,
        s.start_time, s.end_time, s.speaker_name, s.speaker_title, s.speaker_bio, s.speaker_photo_url, s.theme,
        s.status, s.session_type, s.is_paid, s.price, s.youtube_live_url, s.cover_image_url, s.metadata,
        s.cancelled_at, s.cancel_reason, s.created_at, s.updated_at,
        (SELECT count(*) FROM events_sessionaccess a WHERE a.session_id = s.id AND a.status <> 'cancelled')
            AS registered_count,
        (SELECT a.status FROM events_sessionaccess a JOIN events_participant p ON p.id = a.participant_id
            WHERE a.session_id = s.id AND p.user_id = %s AND p.event_id = s.event_id LIMIT 1) AS my_access_status
    FROM events_session s JOIN events_room r ON r.id = s.room_id
    WHERE {_SESSIONS_WHERE}
    ORDER BY s.start_time, s.title LIMIT %s OFFSET %s
"""


@require_GET
def sessions(request):
    """The programme of one day, a page of it: ``?event=&user=&day=&page_size=``."""
    event, user, day = request.GET["event"], int(request.GET["user"]), request.GET["day"]
    size, offset = _page(request)
    zone = timezone.get_current_timezone_name()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM events_session s WHERE {_SESSIONS_WHERE}", [event, zone, day])
        count = cursor.fetchone()[0]
        results = _rows(cursor, _SESSIONS, [user, event, zone, day, size, offset])
    return JsonResponse({"count": count, "results": results})


_FEED_WHERE = """a.event_id = %s AND a.publish_at <= %s AND (a.expires_at IS NULL OR a.expires_at > %s)
    AND (a.target_roles = 0 OR (a.target_roles & %s) <> 0)"""
_ANNONCES = f"""
    SELECT a.id, a.event_id, a.title, a.content, a.target_roles, a.is_pinned, a.publish_at, a.expires_at,
        a.created_by_id, u.first_name, u.last_name, a.created_at, a.updated_at,
        EXISTS (SELECT 1 FROM annonces_annonceread r WHERE r.annonce_id = a.id AND r.user_id = %s) AS is_read
    FROM annonces_annonce a LEFT JOIN accounts_user u ON u.id = a.created_by_id
    WHERE {_FEED_WHERE}
    ORDER BY a.is_pinned DESC, a.publish_at DESC, a.created_at DESC LIMIT %s OFFSET %s
"""


@require_GET
def annonces(request):
    """A participant's feed, a page of it: ``?event=&user=&role_bit=&page_size=``."""
    event, user, bit = request.GET["event"], int(request.GET["user"]), int(request.GET["role_bit"])
    size, offset = _page(request)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM annonces_annonce a WHERE {_FEED_WHERE}", [event, now, now, bit])
        count = cursor.fetchone()[0]
        results = _rows(cursor, _ANNONCES, [user, event, now, now, bit, size, offset])
    return JsonResponse({"count": count, "results": results})


_QUESTIONS = """
    SELECT s.id, s.title, count(q.id) AS asked, count(q.id) FILTER (WHERE q.answered_at IS NOT NULL) AS answered,
        count(q.id) FILTER (WHERE q.is_hidden) AS hidden, top.id AS top_id, top.text AS top_text,
        top.upvote_count AS top_votes
    FROM events_session s JOIN events_sessionquestion q ON q.session_id = s.id
    LEFT JOIN LATERAL (SELECT t.id, t.text, t.upvote_count FROM events_sessionquestion t
        WHERE t.session_id = s.id AND NOT t.is_hidden ORDER BY t.upvote_count DESC, t.created_at, t.id LIMIT 1) top
        ON TRUE
    WHERE s.event_id = %s
    GROUP BY s.id, top.id, top.text, top.upvote_count
    ORDER BY asked DESC, s.start_time, s.title
"""


@require_GET
def statistics(request, event_id):
    """The organisateur statistics' aggregates (totals, members by role, occupancy, today's door scans by
    status and reason, Q&A per session), each counted once."""
    with connection.cursor() as cursor:
        event = _rows(
            cursor,
            """SELECT id, name, status, total_participants, total_exhibitors, total_rooms, programme_file, guide_file
            FROM events_event WHERE id = %s""",
            [event_id],
        )[0]
        members = _rows(
            cursor,
            """SELECT role, is_active, count(*) AS n FROM events_usereventassignment WHERE event_id = %s
            GROUP BY role, is_active""",
            [event_id],
        )
        rooms = _rows(
            cursor,
            """SELECT id, name, capacity, current_participants, is_active FROM events_room WHERE event_id = %s
            ORDER BY name, id""",
            [event_id],
        )
        # Today's door scans from the door-scan counters, as the API reads them (RoomScanCount).
        scans = _rows(
            cursor,
            """SELECT c.status, c.denial_reason, sum(c.count) AS n FROM events_roomscancount c
            JOIN events_room r ON r.id = c.room_id
            WHERE r.event_id = %s AND c.day = %s
            GROUP BY c.status, c.denial_reason""",
            [event_id, event_today()],
        )
        questions = _rows(cursor, _QUESTIONS, [event_id])
    return JsonResponse(
        {"event": event, "members": members, "rooms": rooms, "scans_today": scans, "questions": questions}
    )


@require_GET
def ping(request):
    return JsonResponse({"status": "ok"})
