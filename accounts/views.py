from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    AuthResponseSerializer,
    ChangePasswordSerializer,
    EventSummarySerializer,
    LoginSerializer,
    LogoutSerializer,
    ProfileSerializer,
    RefreshSerializer,
    RegisterSerializer,
    SelectEventResponseSerializer,
    SelectEventSerializer,
    TokensSerializer,
    UserSerializer,
)
from accounts.throttles import LoginEmailThrottle
from events.selectors import event_summaries_for_user
from makeplus.openapi import ErrorResponse401Serializer
from makeplus.parsers import FormParser, JSONParser, MultiPartParser  # our limits

# Codes of the password validators (settings.AUTH_PASSWORD_VALIDATORS), for the API schema.
PASSWORD_CODES = ["password_too_similar", "password_too_short", "password_too_common", "password_entirely_numeric"]


def _auth_response(user, request):
    # With the request, the photo is an absolute URL (as the schema says: format uri).
    return {**services.login_session(user=user), "user": UserSerializer(user, context={"request": request}).data}


@extend_validation_errors(PASSWORD_CODES, field_name="password")
@extend_validation_errors(["email_taken"], field_name="email")
class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegisterSerializer, responses={201: AuthResponseSerializer}, tags=["auth"])
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register_user(**serializer.validated_data)
        return Response(_auth_response(user, request), status=status.HTTP_201_CREATED)


class LoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle, LoginEmailThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=LoginSerializer,
        responses={200: AuthResponseSerializer, 401: ErrorResponse401Serializer},  # invalid_credentials
        tags=["auth"],
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.authenticate_user(request=request, **serializer.validated_data)
        return Response(_auth_response(user, request))


class TokenRefreshView(APIView):
    """Rotates the refresh token: the one sent is blacklisted and a new pair is returned,
    keeping the selected event while the user's assignment in it is active."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=RefreshSerializer, responses={200: TokensSerializer, 401: ErrorResponse401Serializer}, tags=["auth"]
    )
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.refresh_tokens(refresh=serializer.validated_data["refresh"]))


class SelectEventView(APIView):
    """New tokens carrying the chosen event (one of the caller's active events) and the role in it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=SelectEventSerializer, responses={200: SelectEventResponseSerializer}, tags=["auth"])
    def post(self, request):
        serializer = SelectEventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = services.select_event(
            user=request.user,
            event_id=serializer.validated_data["event_id"],
            # Tokens of a mobile login keep its session (events/authentication.py sets it).
            session_id=getattr(request, "login_session_id", None),
        )
        return Response(SelectEventResponseSerializer(body).data)


class SwitchEventView(SelectEventView):
    """Like select-event, later, without a new login. Tokens without an event yet (several events at login)
    are accepted too: select-event takes the same tokens, so refusing them here protected nothing (issue 21)."""


class MyEventsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: EventSummarySerializer(many=True)}, tags=["auth"])
    def get(self, request):
        return Response(EventSummarySerializer(event_summaries_for_user(request.user), many=True).data)


class LeaveEventView(APIView):
    """An event someone else put the caller in, or any event it no longer wants: its role there ends
    and its badge is removed (SPEC "Privacy"). Refused for the last organisateur and for a badge with
    paid atelier places."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Leave one of my events",
        tags=["auth"],
    )
    def post(self, request, event_id):
        from events.services.membership import leave_event

        leave_event(user=request.user, event_id=event_id)
        return Response(status=204)


# refresh is optional in the serializer (the mobile app sends no body) but required for tokens without a session.
@extend_validation_errors(["required"], field_name="refresh")
class LogoutView(APIView):
    """Ends a login: the refresh token sent is blacklisted. Tokens of the mobile app's login (``/auth/token/``)
    carry a login session: the app logs out without a body, which ends that session and every token of it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=LogoutSerializer,
        responses={204: None},
        description="Send `refresh` to revoke it. The mobile app sends no body: with a token of its login "
        "(`/api/auth/token/`) that login session ends, access and refresh tokens alike. Without a body and "
        "without such a token, `refresh` is required.",
        tags=["auth"],
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refresh = serializer.validated_data.get("refresh")
        session_id = getattr(request, "login_session_id", None)
        if refresh is None and not session_id:
            raise ValidationError({"refresh": [ErrorDetail(_("This field is required."), code="required")]})
        services.logout_user(user=request.user, refresh=refresh, session_id=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: ProfileSerializer}, tags=["auth"])
    def get(self, request):
        return Response(ProfileSerializer(request.user, context={"request": request}).data)

    @extend_schema(request=ProfileSerializer, responses={200: ProfileSerializer}, tags=["auth"])
    def patch(self, request):
        serializer = ProfileSerializer(request.user, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = services.update_profile(user=request.user, **serializer.validated_data)
        return Response(ProfileSerializer(user, context={"request": request}).data)


@extend_validation_errors(PASSWORD_CODES, field_name="new_password")
class ChangePasswordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ChangePasswordSerializer, responses={200: TokensSerializer}, tags=["auth"])
    def post(self, request):
        serializer = ChangePasswordSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        tokens = services.change_password(user=request.user, **serializer.validated_data)
        return Response(tokens)
