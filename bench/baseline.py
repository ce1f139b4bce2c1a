"""The baselines: the cheapest Django implementation of each benchmarked path's database work.

Bare Django function views — no DRF, no authentication, no serializers, hand-written SQL through
Django's connection — served by the same gunicorn as the API (bench/urls.py, benchmark settings only).
What the API costs on top of them is what our code adds to the unavoidable.

**The door scan** (``POST /bench/baseline/rooms/<room>/scan/``, the same body as verify_access) does
the database work of one decision and nothing else, in one transaction:

1. badge lookup: the participant row by the id in the QR code (or the typed badge id), locked
   (``FOR UPDATE``) since presence is read and changed from it — one statement;
2. for a badge restricted to some rooms, its allowed-room row;
3. the room rows locked in primary-key order (the door's, and the one the holder is in);
4. presence and capacity decided on the locked rows: ``UPDATE`` of the occupancies, of the holder;
5. one ``INSERT`` into the access log (also for denials), one upsert of the statistics' door-scan counter.

Left out, on purpose (the API does them; they are what "our code" means here): the JWT and the
caller's role, the on-duty check, the badge signature, the nonce replay probe, the session and
atelier rules (the ``session`` field is ignored: an atelier entry the API denies is granted here,
more work for the baseline), check-in, translated messages, the full answer.

The read baselines run the SQL of the API's read paths written by hand (same rows, same joins and
aggregates, the same page), and answer them with ``JsonResponse``; event and viewer come in the
query string instead of a token.
"""

import base64
import binascii
import json
import struct
import uuid

from django.db import connection, transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from events.calendar import event_today, event_zone

_PREFIX = "MP1."
_BODY = struct.Struct(">B16sQI")  # format, event uuid, participant id, badge version (events/badges.py)
_PAYLOAD_BYTES = _BODY.size + 64

_PARTICIPANT = """
    SELECT p.id, p.event_id, p.badge_version, p.access_all_rooms, p.current_room_id, u.first_name, u.last_name
    FROM events_participant p JOIN accounts_user u ON u.id = p.user_id
    WHERE {where} FOR UPDATE OF p
"""
_BY_PK = _PARTICIPANT.format(where="p.id = %s AND p.event_id = %s")
_BY_BADGE_ID = _PARTICIPANT.format(where="p.badge_id = %s")
_ALLOWED = "SELECT 1 FROM events_participant_allowed_rooms WHERE participant_id = %s AND room_id = %s"
_LOCK_ROOMS = """
    SELECT id, event_id, name, capacity, current_participants, is_active
    FROM events_room WHERE id = ANY(%s) ORDER BY id FOR UPDATE
"""
_ROOM = "SELECT id, event_id, name, capacity, current_participants, is_active FROM events_room WHERE id = %s"
_ROOM_DELTA = "UPDATE events_room SET current_participants = current_participants + %s WHERE id = %s"
_PRESENCE = """
    UPDATE events_participant SET current_room_id = %s,
        is_checked_in = TRUE, checked_in_at = COALESCE(checked_in_at, %s)
    WHERE id = %s
"""
_LOG = """
    INSERT INTO events_roomaccess (participant_id, badge_input, room_id, session_id, direction, status,
        denial_reason, already_inside, verified_by_id, scanned_at, received_at, nonce, offline, server_reason)
    VALUES (%s, %s, %s, NULL, %s, %s, %s, %s, NULL, %s, %s, %s, FALSE, '')
    RETURNING id
"""

_COUNT = """
    INSERT INTO events_roomscancount (room_id, day, hour, status, denial_reason, count) VALUES (%s, %s, %s, %s, %s, 1)
    ON CONFLICT (room_id, day, hour, status, denial_reason) DO UPDATE SET count = events_roomscancount.count + 1
"""


def _badge(body: dict):
    """(participant id, event id, badge version) from a QR code, or (None, None, None) with the typed badge id."""
    qr = body.get("qr_code")
    if not qr:
        return None, None, None, str(body.get("badge_id") or "").upper()
    encoded = str(qr).strip().upper()[len(_PREFIX) :]
    try:
        raw = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    except (binascii.Error, ValueError):
        return None, None, None, None
    if len(raw) != _PAYLOAD_BYTES:
        return None, None, None, None
    _fmt, event_bytes, participant_id, version = _BODY.unpack(raw[: _BODY.size])
    return participant_id, uuid.UUID(bytes=event_bytes), version, None


def _decide(cursor, room_id: uuid.UUID, body: dict, now) -> dict:
    direction = "exit" if body.get("direction") == "exit" else "entry"
    participant_id, event_id, version, typed = _badge(body)
    person = None
    if participant_id is not None:
        cursor.execute(_BY_PK, [participant_id, event_id])
        person = cursor.fetchone()
        if person is not None and person[2] != version:
            person = None
    elif typed:
        cursor.execute(_BY_BADGE_ID, [typed])
        person = cursor.fetchone()
    reason, already_inside = "", False
    if person is None:
        reason = "invalid_badge"
        cursor.execute(_ROOM, [room_id])
        room = cursor.fetchone()
    else:
        pk, person_event, _version, all_rooms, current, *_names = person
        if direction == "entry" and not all_rooms:
            cursor.execute(_ALLOWED, [pk, room_id])
            if cursor.fetchone() is None:
                reason = "not_allowed_room"
        cursor.execute(_LOCK_ROOMS, [[room_id] if current in (None, room_id) else [room_id, current]])
        room = next(r for r in cursor.fetchall() if r[0] == room_id)
        if room[1] != person_event:
            reason = "wrong_event"
        elif reason:
            pass
        elif direction == "exit":
            if current == room_id:
                cursor.execute(_ROOM_DELTA, [-1, room_id])
                cursor.execute(_PRESENCE, [None, now, pk])
                room = (*room[:4], room[4] - 1, room[5])
        elif not room[5]:
            reason = "room_closed"
        elif current == room_id:
            already_inside = True
        elif room[4] >= room[3]:
            reason = "room_full"
        else:
            if current is not None:
                cursor.execute(_ROOM_DELTA, [-1, current])
            cursor.execute(_ROOM_DELTA, [1, room_id])
            cursor.execute(_PRESENCE, [room_id, now, pk])
            room = (*room[:4], room[4] + 1, room[5])
    status = "denied" if reason else "granted"
    badge_input = str(body.get("badge_id") or body.get("qr_code") or "")[:255]
    nonce = str(body.get("nonce") or "")[:64]
    cursor.execute(
        _LOG,
        [person and person[0], badge_input, room_id, direction, status, reason, already_inside, now, now, nonce],
    )
    access_id = cursor.fetchone()[0]
    local = now.astimezone(event_zone())
    cursor.execute(_COUNT, [room_id, local.date(), local.hour, status, reason])
    return {
        "status": status,
        "reason": reason or None,
        "direction": direction,
        "already_inside": already_inside,
        "participant": None if person is None else {"id": person[0], "name": f"{person[5]} {person[6]}".strip()},
        "room": {"id": room_id, "name": room[2], "capacity": room[3], "current_participants": room[4]},
        "access_id": access_id,
    }


@csrf_exempt
@require_POST
def scan(request, room_id):
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    with transaction.atomic(), connection.cursor() as cursor:
        return JsonResponse(_decide(cursor, room_id, body, timezone.now()))


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
