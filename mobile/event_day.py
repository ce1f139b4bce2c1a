"""The mobile app's event day: the badge controller's scan and statistics, the room manager's screens
and the live Q&A (contract: /work/shared/reference/mobile-app-contract.md §3.2–3.5).

Translation only: each view reads the app's request, calls the services and selectors our own API
calls, and answers in the app's shapes. The rules stay where they are:

* ``POST participants/scan/`` ``{qr_data}``: the scanned text is a badge as our scanners send it — the
  signed ``MP1.`` payload (a bare user id, or the app's old JSON, is an unknown badge:
  ``invalid_badge``); a typed badge id only where the event allows it (``settings.scan_accepts_badge_id``
  true), never a guessable id. Where the caller is on duty now (events/selectors/access.py
  ``duty_room_id``), it is the door decision at that room (events/services/access.py
  ``verify_room_access``: logged, occupancy counted, exactly as ``rooms/{id}/verify_access/``); elsewhere
  the entrance check that checks the holder in (``check_badge``, as ``qr/verify/`` with ``check_in``).
  Always 200 for a readable request: ``status`` success/error is the decision, our localised
  ``message`` says why.
* ``GET my-room/statistics/``: the caller's own door scans today (the door log: entrance checks have no
  room and no log row).
* ``POST sessions/{id}/start/``, ``end/``: ``mark_live``/``mark_completed``; ``cancel/`` is our own route
  (events/views/programme.py: a gestionnaire's "Pas encore" goes back to scheduled).
  ``POST sessions/swap-times/``: events/services/programme.py ``swap_session_times``. Organisateurs, and
  the gestionnaire on duty at the sessions' room (MODERATE).
* ``/session-questions/``: the Q&A of events/services/questions.py; questions asked here are anonymous
  (the app shows every question as anonymous: its users expect it), and no asker identity is shown.

Participant emails in the scan answers: organisateurs only (they read them in the participant list);
for staff the field is an empty string.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from events.badges import parse_badge, typed_badge_id
from events.calendar import event_today
from events.models import Role, RoomAccess, Session
from events.models.access import MESSAGES
from events.models.questions import QUESTION_MAX_LENGTH
from events.permissions import MEMBERS, MODERATE, SCAN
from events.roles import MODERATORS
from events.scoping import EventRelatedField, EventScoped
from events.selectors.access import duty_room_id, scans_by_status, scans_by_verifier
from events.selectors.programme import paid_places, paid_totals, sessions_for_event
from events.selectors.questions import questions_for_event, questions_for_session
from events.serializers.access import AccessRoomSerializer, ScanRoomSerializer, ScanSessionSerializer, decision_payload
from events.serializers.programme import SessionSerializer
from events.services.access import check_badge, verify_room_access
from events.services.programme import change_session_status, swap_session_times
from events.services.questions import ask_question, toggle_question_answered
from events.sql.access import door_for_scan
from events.views.programme import ProgrammePagination
from events.views.questions import QuestionRateThrottle
from makeplus.datetimes import DateTimeField
from mobile.auth import AppPaidItemSerializer, paid_item

_TAGS = ["mobile"]
# Event.settings key: the scanned text may be a badge id typed on the badge (random, 8+ characters),
# for events whose printed badges show it; never a user id.
TYPED_BADGE_SETTING = "scan_accepts_badge_id"
RECENT_SCANS = 50
GRANTED = RoomAccess.Status.GRANTED
# The app's scan statuses: success, not_registered (it reads "not registered for this event") or error.
NOT_REGISTERED_REASONS = (RoomAccess.Reason.WRONG_EVENT, RoomAccess.Reason.NOT_REGISTERED)


def _context(view) -> dict:
    assignment = view.assignment
    return {"request": view.request, "event": assignment.event, "role": assignment.role}


# --- shapes --------------------------------------------------------------------------------------


class AppScanRequestSerializer(serializers.Serializer):
    qr_data = serializers.CharField(max_length=512, help_text="The scanned text, verbatim (the signed badge payload).")


class AppScanHolderSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField(help_text="Organisateurs only; an empty string for staff.")
    badge_id = serializers.CharField()


class AppScanEventSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class AppScanAnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["success", "error"], help_text="success: granted (door) or valid.")
    message = serializers.CharField(help_text="Why, in the request's language.")
    participant = AppScanHolderSerializer(allow_null=True, help_text="Null when the badge is refused.")
    event = AppScanEventSerializer()
    paid_items = AppPaidItemSerializer(many=True)
    total_paid_items = serializers.IntegerField()
    total_amount = serializers.FloatField()
    checkpoint = serializers.ChoiceField(
        choices=["door", "entrance"], help_text="door: the room where the caller is on duty now; else the entrance."
    )
    decision = serializers.ChoiceField(choices=RoomAccess.Status.choices)
    reason = serializers.ChoiceField(choices=RoomAccess.Reason.choices, allow_null=True)
    room = ScanRoomSerializer(allow_null=True)
    session = ScanSessionSerializer(allow_null=True)
    access_id = serializers.IntegerField(allow_null=True, help_text="The door log row (null at the entrance).")
    already_inside = serializers.BooleanField()
    is_checked_in = serializers.BooleanField()
    checked_in_now = serializers.BooleanField()


class AppRecentScanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = AppScanHolderSerializer()
    status = serializers.ChoiceField(choices=["success", "not_registered", "error"])
    reason = serializers.ChoiceField(choices=RoomAccess.Reason.choices, allow_null=True)
    room = AccessRoomSerializer()
    scanned_at = serializers.DateTimeField()
    error_message = serializers.CharField(allow_null=True)
    total_paid_items = serializers.IntegerField()
    total_amount = serializers.FloatField()


class AppMyRoomStatisticsSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Today at the event (Algiers time).")
    my_check_ins_today = serializers.IntegerField(help_text="Door scans the caller made today, granted or denied.")
    successful_scans_today = serializers.IntegerField()
    denied_scans_today = serializers.IntegerField()
    recent_scans = AppRecentScanSerializer(many=True, help_text=f"Today's last {RECENT_SCANS}, newest first.")
    event = AppScanEventSerializer()
    role = serializers.CharField()


class AppSwapTimesSerializer(serializers.Serializer):
    session_1_id = serializers.UUIDField()
    session_2_id = serializers.UUIDField()


class AppSwapTimesAnswerSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()
    sessions = SessionSerializer(many=True)


class AppQuestionSerializer(serializers.Serializer):
    """A question as the app reads it: no asker identity."""

    id = serializers.IntegerField()
    session = serializers.CharField(source="session_id")
    question_text = serializers.CharField(source="text")
    asked_at = DateTimeField(source="created_at")
    is_answered = serializers.BooleanField()
    answer_text = serializers.SerializerMethodField()
    answered_by = serializers.IntegerField(source="answered_by_id", allow_null=True, help_text="User id.")
    answered_at = DateTimeField(allow_null=True)
    session_title = serializers.CharField(source="session.title")
    answered_by_name = serializers.SerializerMethodField()

    def get_answer_text(self, question) -> str | None:
        return question.answer or None

    def get_answered_by_name(self, question) -> str | None:
        return question.answered_by.get_full_name() if question.answered_by_id else None


class AppQuestionPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AppQuestionSerializer(many=True)


class AppQuestionQuerySerializer(serializers.Serializer):
    session = EventRelatedField(sessions_for_event, model=Session, help_text="A session of the current event.")


class AppQuestionAskSerializer(AppQuestionQuerySerializer):
    question_text = serializers.CharField(max_length=QUESTION_MAX_LENGTH)


# --- the badge controller ------------------------------------------------------------------------


def _holder(participant, role: str) -> dict:
    user = participant.user
    return {
        "name": participant.shown_name() or participant.badge_id,
        "email": user.email if role == Role.ORGANISATEUR else "",
        "badge_id": participant.badge_id,
    }


def _paid_items(participant) -> dict:
    # Paid places only (the scan shows every item as paid); each row as /auth/me/ shows it.
    items = [] if participant is None else [paid_item(place) for place in paid_places([participant.pk])]
    return {
        "paid_items": items,
        "total_paid_items": len(items),
        "total_amount": float(sum(item["amount_paid"] for item in items)),
    }


def _badge(event, text: str) -> dict:
    """How the scanned text is shown to the door: a QR payload, or (where the event allows it) a typed
    badge id. Anything else goes as a QR payload, which the door refuses as ``invalid_badge``."""
    if parse_badge(text) is None and event.settings.get(TYPED_BADGE_SETTING) is True:
        typed = typed_badge_id(text)
        if typed is not None:
            return {"badge_id": typed}
    return {"qr_code": text}


@extend_validation_errors(["blank", "max_length", "required", "null", "invalid"], field_name="qr_data")
class ParticipantScanView(EventScoped, APIView):
    """The badge controller's scan (mobile app): the door decision at the room where the caller is
    on duty now (logged and counted as `rooms/{id}/verify_access/`), else the entrance check, which
    checks a valid badge's holder in. Organisateurs, gestionnaires and controllers; always 200 with
    `status` success or error and our localised `message`. Only our signed badge opens (`MP1.`…): a
    bare user id is `invalid_badge`; a typed badge id only if the event's settings say
    `scan_accepts_badge_id: true`."""

    event_roles = SCAN

    @extend_schema(request=AppScanRequestSerializer, responses={200: AppScanAnswerSerializer}, tags=_TAGS)
    def post(self, request):
        serializer = AppScanRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = self.assignment
        event = assignment.event
        badge = _badge(event, serializer.validated_data["qr_data"].strip())
        door = None
        room_id = duty_room_id(user=request.user, event=event)
        if room_id is not None:
            door = door_for_scan(event=event, room_id=room_id, user=request.user)
        if door is not None and door.caller_on_duty:
            answer = self._at_door(door, badge, assignment.role)
        else:
            answer = self._at_entrance(event, badge, assignment.role)
        answer["event"] = {"id": event.pk, "name": event.name}
        return Response(AppScanAnswerSerializer(answer).data)

    def _at_door(self, door, badge: dict, role: str) -> dict:
        decision = verify_room_access(room=door.room, door=door, verifier=self.request.user, **badge)
        ours = decision_payload(decision, self.request)
        access, participant = decision.access, decision.access.participant
        granted_entry = access.status == GRANTED and access.direction == RoomAccess.Direction.ENTRY
        was_in = bool(participant and participant.is_checked_in)  # read before this scan
        return {
            "status": "success" if access.status == GRANTED else "error",
            "message": ours["message"],
            "participant": _holder(participant, role) if participant else None,
            **_paid_items(participant),
            "checkpoint": "door",
            "decision": access.status,
            "reason": ours["reason"],
            "room": ours["room"],
            "session": ours["session"],
            "access_id": access.pk,
            "already_inside": access.already_inside,
            "is_checked_in": was_in or granted_entry,
            "checked_in_now": granted_entry and not was_in,
        }

    def _at_entrance(self, event, badge: dict, role: str) -> dict:
        result = check_badge(event=event, check_in=True, **badge)
        participant = result.participant if result.valid else None
        if not result.valid:
            message = MESSAGES[result.check.reason]
        elif result.checked_in_now:
            message = _("Checked in.")
        else:
            message = _("Already checked in.")
        return {
            "status": "success" if result.valid else "error",
            "message": str(message),
            "participant": _holder(participant, role) if participant else None,
            **_paid_items(participant),
            "checkpoint": "entrance",
            "decision": RoomAccess.Status.GRANTED if result.valid else RoomAccess.Status.DENIED,
            "reason": result.check.reason,
            "room": None,
            "session": None,
            "access_id": None,
            "already_inside": False,
            "is_checked_in": bool(participant and participant.is_checked_in),
            "checked_in_now": result.checked_in_now,
        }


def _scan_status(access: RoomAccess) -> str:
    if access.status == GRANTED:
        return "success"
    return "not_registered" if access.denial_reason in NOT_REGISTERED_REASONS else "error"


class MyRoomStatisticsView(EventScoped, APIView):
    """The caller's own door scans today (Algiers time), wherever it was on duty (mobile app):
    totals and the last 50, newest first, each with the holder's paid ateliers now. Entrance
    checks (no room) are not door scans and are not counted. Organisateurs, gestionnaires and
    controllers."""

    event_roles = SCAN

    @extend_schema(responses={200: AppMyRoomStatisticsSerializer}, tags=_TAGS)
    def get(self, request):
        assignment = self.assignment
        event = assignment.event
        today = event_today(event)
        scans = scans_by_verifier(event=event, user=request.user, day=today)
        counts = scans_by_status(scans)
        recent = list(scans.select_related("participant__user", "room").order_by("-scanned_at", "-pk")[:RECENT_SCANS])
        totals = paid_totals({access.participant_id for access in recent if access.participant_id})
        unknown = {"name": _("Unknown badge"), "email": "", "badge_id": ""}
        rows = []
        for access in recent:
            n, total = totals.get(access.participant_id, (0, 0))
            denied = access.status != GRANTED
            rows.append(
                {
                    "id": access.pk,
                    "participant": _holder(access.participant, assignment.role) if access.participant else unknown,
                    "status": _scan_status(access),
                    "reason": access.denial_reason or None,
                    "room": {"id": access.room_id, "name": access.room.name},
                    "scanned_at": access.scanned_at,
                    "error_message": str(MESSAGES[access.denial_reason]) if denied else None,
                    "total_paid_items": n,
                    "total_amount": float(total),
                }
            )
        payload = {
            "date": today,
            "my_check_ins_today": counts["granted"] + counts["denied"],
            "successful_scans_today": counts["granted"],
            "denied_scans_today": counts["denied"],
            "recent_scans": rows,
            "event": {"id": event.pk, "name": event.name},
            "role": assignment.role,
        }
        return Response(AppMyRoomStatisticsSerializer(payload).data)


# --- the room manager ----------------------------------------------------------------------------


class SessionStatusView(EventScoped, APIView):
    """Aliases of `mark_live/` (start) and `mark_completed/` (end) for the mobile app: organisateurs,
    and the gestionnaire on duty at the session's room (403 `not_assigned_to_room`); 409
    `invalid_transition` as there."""

    event_roles = MODERATE
    target: str = ""

    @extend_schema(request=None, responses={200: SessionSerializer}, tags=_TAGS)
    def post(self, request, pk):
        event = self.current_event()
        session = get_object_or_404(sessions_for_event(event, viewer=request.user), pk=pk)
        self.check_object_permissions(request, session)
        session = change_session_status(session=session, actor=request.user, to=self.target)
        return Response(SessionSerializer(session, context=_context(self)).data)


class SessionStartView(SessionStatusView):
    target = Session.Status.LIVE


class SessionEndView(SessionStatusView):
    target = Session.Status.COMPLETED


@extend_validation_errors(["required", "null", "invalid"], field_name="session_1_id")
@extend_validation_errors(["required", "null", "invalid"], field_name="session_2_id")
class SessionSwapTimesView(EventScoped, APIView):
    """Swap the time slots of two sessions of one room (mobile app's room manager): organisateurs,
    and the gestionnaire on duty at that room. 404 when either is not a session of the current
    event; 400 `different_rooms`, `same_session`; 409 `room_busy` (a cancelled session's slot
    taken by a live one would overlap another session)."""

    event_roles = MODERATE

    @extend_schema(request=AppSwapTimesSerializer, responses={200: AppSwapTimesAnswerSerializer}, tags=_TAGS)
    def post(self, request):
        serializer = AppSwapTimesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = [serializer.validated_data["session_1_id"], serializer.validated_data["session_2_id"]]
        event = self.current_event()
        found = {s.pk: s for s in sessions_for_event(event).filter(pk__in=ids)}
        if any(pk not in found for pk in ids):
            raise NotFound(_("One or both sessions were not found."))
        first, second = found[ids[0]], found[ids[1]]
        self.check_object_permissions(request, first)
        swap_session_times(first=first, second=second, actor=request.user)
        fresh = {s.pk: s for s in sessions_for_event(event, viewer=request.user).filter(pk__in=ids)}
        payload = {
            "success": True,
            "message": _("The two sessions swapped their times."),
            "sessions": SessionSerializer([fresh[pk] for pk in ids], many=True, context=_context(self)).data,
        }
        return Response(payload)


# --- Q&A -----------------------------------------------------------------------------------------


@extend_validation_errors(["required", "null", "does_not_exist", "incorrect_type", "invalid"], field_name="session")
@extend_validation_errors(["blank", "max_length", "required", "null", "invalid"], field_name="question_text")
class AppSessionQuestionsView(EventScoped, APIView):
    """The Q&A of a session for the mobile app. GET `?session=`: its visible questions, most upvoted
    first (members of the event). POST `{session, question_text}`: ask, anonymously (badge holders,
    while the session is scheduled or live; paid atelier: paid access; `no_badge`,
    `session_closed`, `payment_required`, `throttled`), as `sessions/{id}/questions/`."""

    event_roles = MEMBERS
    pagination_class = ProgrammePagination

    def get_throttles(self):
        return [QuestionRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(parameters=[AppQuestionQuerySerializer], responses={200: AppQuestionPageSerializer}, tags=_TAGS)
    def get(self, request):
        query = AppQuestionQuerySerializer(data=request.query_params, context=_context(self))
        query.is_valid(raise_exception=True)
        session = query.validated_data["session"]
        questions = questions_for_session(session, viewer=request.user, moderator=False).select_related("session")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(questions, request, view=self)
        return paginator.get_paginated_response(AppQuestionSerializer(page, many=True).data)

    @extend_schema(request=AppQuestionAskSerializer, responses={201: AppQuestionSerializer}, tags=_TAGS)
    def post(self, request):
        serializer = AppQuestionAskSerializer(data=request.data, context=_context(self))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        question = ask_question(
            session=data["session"], user=request.user, text=data["question_text"], is_anonymous=True
        )
        return Response(AppQuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionAnswerToggleView(EventScoped, APIView):
    """Toggle a question answered / unanswered (no body; mobile app): organisateurs, and the
    gestionnaire on duty at the session's room (403 `not_assigned_to_room`). Marking it
    unanswered clears its answer."""

    event_roles = MODERATE

    @extend_schema(request=None, responses={200: AppQuestionSerializer}, tags=_TAGS)
    def post(self, request, pk):
        assignment = self.assignment
        questions = questions_for_event(
            assignment.event, viewer=request.user, include_hidden=assignment.role in MODERATORS
        )
        question = get_object_or_404(questions, pk=pk)
        self.check_object_permissions(request, question)
        question = toggle_question_answered(question=question, actor=request.user)
        return Response(AppQuestionSerializer(question).data)
