"""The mobile app's sign-in and account routes (contract §1, §3.1): aliases over accounts.services.

* ``POST /api/auth/token/`` — the app's login. One active event (or none): tokens of a new login session and
  the app's keys (``user``, ``role``, ``event``/``current_event``, ``qr_code``). Several: a ``temp_token``
  (accounts/tokens.py: signed, 10 minutes, accepted by select-event only) and ``available_events``, no tokens.
* ``POST /api/auth/select-event/`` — ours, also with ``Bearer <temp_token>``, answering with the app's keys too.
* ``GET/PATCH/DELETE /api/auth/me/`` — the caller with its badge, the token's event and its atelier places.

The badge the app renders is ``qr_code.user_id`` as text: it holds our signed, revocable badge payload
(events/badges.py), never the user's numeric id. Tokens of the app's login carry a login session (``sid``) and
live MOBILE_ACCESS_HOURS (settings: the app never refreshes at start); logout, a password change or reset and
account deletion end the session, and authentication refuses its tokens (events/authentication.py).
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.models import User
from accounts.serializers import LoginSerializer, SelectEventResponseSerializer, SelectEventSerializer
from accounts.throttles import LoginEmailThrottle
from accounts.views import SelectEventView
from events.authentication import EventJWTAuthentication, SelectionTokenAuthentication
from events.badges import sign_badge
from events.models import Event, Participant, Role, SessionAccess
from makeplus.openapi import ErrorResponse401Serializer
from makeplus.parsers import JSONParser  # our limits
from makeplus.signed_files import signed_file_url

APP_NOTE = 'Alias for the MakePlus mobile app (Flutter); see README "The mobile app".'
DEFAULT_ROLE = Role.PARTICIPANT  # what the app assumes without a role


# --- reads -------------------------------------------------------------------------------------------


def badge_of(user: User, event) -> Participant | None:
    """The user's badge in the event (one query), None without event or badge."""
    if event is None:
        return None
    return Participant.objects.filter(user=user, event=event).order_by().first()


def badge_qr(participant: Participant | None) -> dict | None:
    """The app's ``qr_code``: ``user_id`` is what its QR renders — our signed badge payload (the stored one
    is the current version's; signed afresh when missing), never the numeric id."""
    if participant is None:
        return None
    return {"user_id": participant.qr_code_data or sign_badge(participant), "badge_id": participant.badge_id}


def atelier_places(participant: Participant) -> QuerySet[SessionAccess]:
    """The participant's places in ateliers (cancelled ones gave it back), with their session: one query."""
    return (
        SessionAccess.objects.filter(participant=participant, status__in=SessionAccess.PLACE_STATUSES)
        .select_related("session")
        .order_by("session__start_time", "pk")
    )


def paid_item(access: SessionAccess) -> dict:
    """One row of the app's "Articles payés": the door's rule (a paid atelier needs a paid place)."""
    session = access.session
    if access.status == SessionAccess.Status.PAID:
        payment_status, amount, has_access = "paid", float(access.amount or 0), True
    elif session.is_paid:
        payment_status, amount, has_access = "pending", 0.0, False
    else:
        payment_status, amount, has_access = "free", 0.0, True
    return {
        "type": "session",
        "id": str(session.pk),
        "title": session.title,
        "payment_status": payment_status,
        "amount_paid": amount,
        "has_access": has_access,
    }


# --- shapes ------------------------------------------------------------------------------------------


def _absolute(request, url: str) -> str | None:
    if not url:
        return None
    return url if "://" in url else request.build_absolute_uri(url)


class AppEventSerializer(serializers.Serializer):
    """The app's EventModel: an Event with the caller's role in it (``my_role``)."""

    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    start_date = serializers.DateTimeField()
    end_date = serializers.DateTimeField()
    location = serializers.CharField()
    status = serializers.ChoiceField(choices=Event.Status.choices)
    role = serializers.SerializerMethodField()
    logo = serializers.SerializerMethodField()
    banner = serializers.SerializerMethodField()
    primary_color = serializers.SerializerMethodField()
    programme_file = serializers.SerializerMethodField(help_text=_("A short-lived signed link (no Authorization)."))
    guide_file = serializers.SerializerMethodField(help_text=_("A short-lived signed link (no Authorization)."))

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_role(self, event) -> str | None:
        return getattr(event, "my_role", None)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_logo(self, event):
        return _absolute(self.context["request"], event.logo_url)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_banner(self, event):
        return _absolute(self.context["request"], event.banner_url)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_primary_color(self, event):
        return getattr(event, "primary_color", "") or None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_programme_file(self, event):
        return signed_file_url(self.context["request"], event.programme_file)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_guide_file(self, event):
        return signed_file_url(self.context["request"], event.guide_file)


class AppQrCodeSerializer(serializers.Serializer):
    user_id = serializers.CharField(help_text=_("The signed badge payload (what the app's QR code shows)."))
    badge_id = serializers.CharField()


class AppUserSerializer(serializers.ModelSerializer):
    """The app's UserModel. Context: ``request``, ``role`` (in the current event), ``qr_code``."""

    username = serializers.CharField(source="email", read_only=True)
    role = serializers.SerializerMethodField()
    profile_photo_url = serializers.SerializerMethodField()
    qr_code = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "username",
            "role",
            "profile_photo_url",
            "is_active",
            "qr_code",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices))
    def get_role(self, user) -> str:
        return self.context.get("role") or DEFAULT_ROLE

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_profile_photo_url(self, user):
        return self.context["request"].build_absolute_uri(user.photo.url) if user.photo else None

    @extend_schema_field(AppQrCodeSerializer(allow_null=True))
    def get_qr_code(self, user):
        return self.context.get("qr_code")


def app_event(request, event, role: str | None) -> dict | None:
    if event is None:
        return None
    event.my_role = role
    return AppEventSerializer(event, context={"request": request}).data


def app_user(request, user: User, *, role: str | None, qr_code: dict | None) -> dict:
    return AppUserSerializer(user, context={"request": request, "role": role, "qr_code": qr_code}).data


def app_session(request, user: User, event, role: str | None) -> dict:
    """The keys the app reads after login and select-event, besides the tokens."""
    qr_code = badge_qr(badge_of(user, event))
    event_data = app_event(request, event, role)
    return {
        "user": app_user(request, user, role=role, qr_code=qr_code),
        "role": role,
        "event": event_data,
        "current_event": event_data,
        "qr_code": qr_code,
    }


class AppLoginResponseSerializer(serializers.Serializer):
    access = serializers.CharField(allow_null=True, help_text=_("Null when an event must be selected."))
    refresh = serializers.CharField(allow_null=True, help_text=_("Null when an event must be selected."))
    user = AppUserSerializer()
    role = serializers.ChoiceField(choices=Role.choices, allow_null=True)
    event = AppEventSerializer(allow_null=True)
    current_event = AppEventSerializer(allow_null=True)
    qr_code = AppQrCodeSerializer(allow_null=True)
    requires_event_selection = serializers.BooleanField()
    temp_token = serializers.CharField(
        required=False,
        help_text=_("Several events: a selection token, only for select-event (Bearer), valid 10 minutes."),
    )
    available_events = AppEventSerializer(many=True, required=False)


class AppSelectEventResponseSerializer(SelectEventResponseSerializer):
    user = AppUserSerializer()
    event = AppEventSerializer()
    qr_code = AppQrCodeSerializer(allow_null=True)


class AppPaidItemSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()
    title = serializers.CharField()
    payment_status = serializers.ChoiceField(choices=["free", "paid", "pending"])
    amount_paid = serializers.FloatField()
    has_access = serializers.BooleanField()


class AppQrCodeDataSerializer(serializers.Serializer):
    badge_id = serializers.CharField()
    paid_items = AppPaidItemSerializer(many=True)
    total_paid_items = serializers.IntegerField()
    total_amount = serializers.FloatField()


class AppParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    badge_id = serializers.CharField()
    kind = serializers.ChoiceField(choices=Participant.Kind.choices)
    is_checked_in = serializers.BooleanField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    qr_code_data = AppQrCodeDataSerializer()


class AppMeSerializer(AppUserSerializer):
    event = AppEventSerializer(allow_null=True, read_only=True)
    participant = AppParticipantSerializer(allow_null=True, read_only=True)

    class Meta(AppUserSerializer.Meta):
        fields = AppUserSerializer.Meta.fields + ["event", "participant"]
        read_only_fields = fields


class AppProfileSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)


class AppDeleteAccountSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


def participant_data(participant: Participant | None) -> dict | None:
    if participant is None:
        return None
    # The app titles this list "Articles payés" and labels every item that is not free "PAYÉ": a place
    # still to pay would read as paid (and the door would refuse it), so only places that open the door
    # are listed. The unpaid ones stay in our own API (GET /api/sessions/ my_access_status).
    items = [item for item in map(paid_item, atelier_places(participant)) if item["has_access"]]
    return {
        "id": participant.pk,
        "badge_id": participant.badge_id,
        "kind": participant.kind,
        "is_checked_in": participant.is_checked_in,
        "checked_in_at": serializers.DateTimeField().to_representation(participant.checked_in_at)
        if participant.checked_in_at
        else None,
        "qr_code_data": {
            "badge_id": participant.badge_id,
            "paid_items": items,
            "total_paid_items": sum(1 for item in items if item["payment_status"] == "paid"),
            "total_amount": sum(item["amount_paid"] for item in items),
        },
    }


# --- views -------------------------------------------------------------------------------------------


class AppLoginView(APIView):
    """The app's login: same credentials check and throttles as ``/api/auth/login/``."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle, LoginEmailThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary="Log in (mobile app)",
        description=f"{APP_NOTE} With one active event (or none) the tokens are issued at once (access tokens "
        "live MOBILE_ACCESS_HOURS and end at logout); with several, `requires_event_selection` is true and "
        "`temp_token` must be sent as `Authorization: Bearer` to `/api/auth/select-event/` within 10 minutes. "
        "`qr_code.user_id` is the signed badge payload. Our own API: `/api/auth/login/`.",
        request=LoginSerializer,
        responses={200: AppLoginResponseSerializer, 401: ErrorResponse401Serializer},
        tags=["auth", "mobile"],
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.authenticate_user(request=request, **serializer.validated_data)
        login = services.app_login(user=user)
        if login["temp_token"] is not None:
            return Response(
                {
                    "access": None,
                    "refresh": None,
                    "user": app_user(request, user, role=None, qr_code=None),
                    "role": None,
                    "event": None,
                    "current_event": None,
                    "qr_code": None,
                    "requires_event_selection": True,
                    "temp_token": login["temp_token"],
                    "available_events": [app_event(request, event, event.my_role) for event in login["events"]],
                }
            )
        return Response(
            {
                **login["tokens"],
                **app_session(request, user, login["event"], login["role"]),
                "requires_event_selection": False,
            }
        )


class AppSelectEventView(SelectEventView):
    """Ours (JWT), also with the app's ``Bearer <temp_token>``, answering with the app's keys too."""

    # The selection token is accepted here and nowhere else (it is not a JWT: other routes refuse it).
    authentication_classes = [SelectionTokenAuthentication, EventJWTAuthentication]

    @extend_schema(
        summary="Select the event of the tokens",
        description="New tokens carrying one of the caller's active events and its role there. Authenticate "
        "with an access token, or (mobile app, after a multi-event `/api/auth/token/`) with its `temp_token`. "
        "Tokens of a mobile login keep its session. `user`, `event` and `qr_code` are the mobile app's keys.",
        request=SelectEventSerializer,
        responses={200: AppSelectEventResponseSerializer, 401: ErrorResponse401Serializer},
        tags=["auth"],
    )
    def post(self, request):
        serializer = SelectEventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = services.select_event(
            user=request.user,
            event_id=serializer.validated_data["event_id"],
            session_id=getattr(request, "login_session_id", None),
        )
        assignment = body.pop("assignment")
        extra = app_session(request, request.user, assignment.event, assignment.role)
        del extra["current_event"]  # ours keeps its shape
        return Response({**SelectEventResponseSerializer(body).data, **extra})


# DELETE carries a body (the password): its validation errors, which the schema would not list for DELETE.
@extend_validation_errors(
    ["required", "blank", "null", "invalid", "max_length"], field_name="password", methods=["delete"]
)
class AppMeView(APIView):
    """The caller, its badge in the token's event and its atelier places (mobile app)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    def _body(self, request) -> dict:
        assignment = getattr(request, "event_assignment", None)
        event, role = (assignment.event, assignment.role) if assignment is not None else (None, None)
        participant = badge_of(request.user, event)
        qr_code = badge_qr(participant)
        return {
            **app_user(request, request.user, role=role, qr_code=qr_code),
            "event": app_event(request, event, role),
            "participant": participant_data(participant),
        }

    @extend_schema(
        summary="The signed-in user (mobile app)",
        description=f"{APP_NOTE} `event` is the token's event (null when none is selected), `qr_code.user_id` "
        "the signed badge payload, `participant.qr_code_data.paid_items` the caller's atelier places.",
        responses={200: AppMeSerializer},
        tags=["auth", "mobile"],
    )
    def get(self, request):
        return Response(self._body(request))

    @extend_schema(
        summary="Edit the name (mobile app)",
        description=f"{APP_NOTE} Our own API: `PATCH /api/auth/profile/`.",
        request=AppProfileSerializer,
        responses={200: AppMeSerializer},
        tags=["auth", "mobile"],
    )
    def patch(self, request):
        serializer = AppProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_profile(user=request.user, **serializer.validated_data)
        return Response(self._body(request))

    @extend_schema(
        summary="Delete the account (mobile app)",
        description=f"{APP_NOTE} The password confirms it; the account's personal data is erased "
        "(accounts/privacy.py) and every sign-in ends.",
        request=AppDeleteAccountSerializer,
        responses={204: None},
        tags=["auth", "mobile"],
    )
    def delete(self, request):
        from accounts.privacy import delete_account  # the privacy helper's module

        serializer = AppDeleteAccountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        delete_account(user=request.user, password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
