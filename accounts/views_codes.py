"""Sign-up and password reset by emailed code, invitations, and the web pages of the emailed links.

API (under /api/auth/): ``signup/request|resend|verify/``, ``password-reset/request|resend|verify/``
(the mobile app's shapes: ``{success, message}``), ``password-reset/`` (a link for the web),
``invitation/accept/`` (tokens like login), ``invitation/resend/`` (an organisateur of the event).
The public routes have no authenticators: a stale Bearer the app attaches never causes a 401.
Web pages (under /account/): the reset link, the invitation link.
"""

import math

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import codes, invitations
from accounts.serializers_codes import (
    EmailSerializer,
    InvitationAcceptSerializer,
    InvitationSentSerializer,
    PasswordResetRequestSerializer,
    ResendInvitationSerializer,
    SignupRequestSerializer,
    SignupVerifyResponseSerializer,
    SuccessSerializer,
    TooEarlyResponseSerializer,
    VerifySerializer,
)
from accounts.services import issue_tokens, revoke_refresh_tokens
from accounts.views import PASSWORD_CODES, AuthResponseSerializer, _auth_response
from events.models import UserEventAssignment
from events.permissions import ORGANISATEUR_ONLY
from events.scoping import EventScoped
from makeplus.errors import AppError


class _WaitSeconds:
    """Adds ``wait_seconds`` (and Retry-After) to a 429: a resend too early (accounts.codes.TooEarly)
    or the client's rate limit."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        wait = getattr(exc, "wait_seconds", None)
        if wait is None and isinstance(exc, Throttled) and exc.wait is not None:
            wait = max(1, math.ceil(exc.wait))
        if wait is not None and isinstance(response.data, dict):
            response.data["wait_seconds"] = wait
            response["Retry-After"] = str(wait)
        return response


class PublicCodeView(_WaitSeconds, APIView):
    authentication_classes = []  # a stale Bearer from the app must not turn into a 401
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "account_codes"


def _ok(message) -> Response:
    return Response({"success": True, "message": str(message)})


def _sent_message(email: str) -> str:
    return _("A message has been sent to %(email)s: enter the 6-digit code it contains.") % {"email": email}


# --- sign-up --------------------------------------------------------------------------------------


@extend_validation_errors(PASSWORD_CODES, field_name="password")
class SignupRequestView(PublicCodeView):
    """Step 1 of sign-up: the code goes to the address (an address that already has an account gets
    a notice instead; the answer is the same). The password is validated now and kept hashed."""

    resend = False

    @extend_schema(
        request=SignupRequestSerializer,
        responses={200: SuccessSerializer, 429: TooEarlyResponseSerializer},
        tags=["auth"],
    )
    def post(self, request):
        serializer = SignupRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        codes.request_signup(**data, resend=self.resend, language=get_language())
        return _ok(_sent_message(data["email"]))


class SignupResendView(SignupRequestView):
    """A new code for a pending sign-up (at most one a minute: 429 with ``wait_seconds``)."""

    resend = True


@extend_validation_errors(["invalid"], field_name="code")
class SignupVerifyView(PublicCodeView):
    """Step 2 of sign-up: the account is created with the password given at step 1 (an account an
    organisateur created for this address is claimed). Answers tokens too (the app ignores them)."""

    throttle_scope = "account_code_verify"

    @extend_schema(request=VerifySerializer, responses={200: SignupVerifyResponseSerializer}, tags=["auth"])
    def post(self, request):
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = codes.verify_signup(**serializer.validated_data)
        return Response(
            {
                "success": True,
                "message": _("Your account has been created: you can sign in."),
                **issue_tokens(user=user),
            }
        )


# --- password reset -------------------------------------------------------------------------------


@extend_validation_errors(PASSWORD_CODES, field_name="new_password")
class PasswordResetRequestView(PublicCodeView):
    """Step 1 of a reset: a code goes to the account's address; the same answer when there is none.
    The new password is validated now and kept hashed until the code is verified."""

    resend = False

    @extend_schema(
        request=PasswordResetRequestSerializer,
        responses={200: SuccessSerializer, 429: TooEarlyResponseSerializer},
        tags=["auth"],
    )
    def post(self, request):
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        codes.request_password_reset(**data, resend=self.resend, language=get_language())
        return _ok(_("If an account uses %(email)s, a 6-digit code has been sent to it.") % {"email": data["email"]})


class PasswordResetResendView(PasswordResetRequestView):
    """A new code for a pending reset (at most one a minute: 429 with ``wait_seconds``)."""

    resend = True


@extend_validation_errors(["invalid"], field_name="code")
class PasswordResetVerifyView(PublicCodeView):
    """Step 2 of a reset: the new password is set; every session of the account is signed out."""

    throttle_scope = "account_code_verify"

    @extend_schema(request=VerifySerializer, responses={200: SuccessSerializer}, tags=["auth"])
    def post(self, request):
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        codes.verify_password_reset(**serializer.validated_data)
        return _ok(_("Your password has been changed: sign in with the new one."))


class PasswordResetLinkView(PublicCodeView):
    """A reset link for the web (a page where the new password is chosen); the same answer whether
    or not the address has an account. At most a few links per address per hour."""

    @extend_schema(
        request=EmailSerializer, responses={200: SuccessSerializer, 429: TooEarlyResponseSerializer}, tags=["auth"]
    )
    def post(self, request):
        serializer = EmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        codes.send_password_reset_link(email=email, language=get_language())
        return _ok(
            _("If an account uses %(email)s, a link to choose a new password has been sent to it.") % {"email": email}
        )


# --- invitations ----------------------------------------------------------------------------------


@extend_validation_errors(PASSWORD_CODES, field_name="password")
@extend_validation_errors(["invalid"], field_name="code")
class InvitationAcceptView(PublicCodeView):
    """The invited person chooses a password with the code of the invitation; answers like login."""

    throttle_scope = "account_code_verify"

    @extend_schema(request=InvitationAcceptSerializer, responses={200: AuthResponseSerializer}, tags=["auth"])
    def post(self, request):
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = invitations.accept_invitation(**serializer.validated_data)
        return Response(_auth_response(user, request))


@extend_validation_errors(["user_or_email_required"], field_name="non_field_errors", methods=["post"])
class InvitationResendView(_WaitSeconds, EventScoped, APIView):
    """An organisateur sends the invitation again to a member of the current event who has not chosen
    a password yet (a new code and link; the previous ones die). Another event's member is a 404."""

    event_roles = ORGANISATEUR_ONLY

    @extend_schema(
        request=ResendInvitationSerializer,
        responses={200: InvitationSentSerializer, 429: TooEarlyResponseSerializer},
        tags=["auth"],
    )
    def post(self, request):
        serializer = ResendInvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = self.current_event()
        members = UserEventAssignment.objects.filter(event=event).select_related("user")
        if serializer.validated_data.get("user_id"):
            members = members.filter(user_id=serializer.validated_data["user_id"])
        if serializer.validated_data.get("email"):
            members = members.filter(user__email=serializer.validated_data["email"])
        assignment = members.first()
        if assignment is None:
            raise NotFound(_("No such member in this event."), code="not_found")
        row = invitations.resend_invitation(user=assignment.user, event=event, actor=request.user)
        return Response(
            {
                "success": True,
                "message": _("The invitation has been sent again to %(email)s.") % {"email": assignment.user.email},
                "expires_at": row.expires_at,
            }
        )


# --- web pages (the links in the emails) ----------------------------------------------------------


class PasswordResetConfirmPage(auth_views.PasswordResetConfirmView):
    """Django's reset-link page (the token leaves the address bar at once), with our templates; the
    new password also signs out every session of the account."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("account-password-done")
    title = gettext_lazy("Choose a new password")

    def form_valid(self, form):
        response = super().form_valid(form)
        revoke_refresh_tokens(user=form.user)
        codes.close_codes_after_password_change(user=form.user)
        return response


class PasswordDonePage(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_done.html"
    title = gettext_lazy("Password saved")


class _EmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)


@method_decorator([csrf_protect, never_cache], name="dispatch")
class PasswordResetRequestPage(View):
    """Ask for a reset link on the web."""

    template_name = "accounts/password_reset_request.html"

    def get(self, request):
        return render(request, self.template_name, {"form": _EmailForm()})

    def post(self, request):
        form = _EmailForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        email = form.cleaned_data["email"]
        try:
            codes.send_password_reset_link(email=email, language=get_language())
        except AppError as exc:
            form.add_error(None, exc.message)
            return render(request, self.template_name, {"form": form}, status=429)
        return render(request, "accounts/password_reset_sent.html", {"email": email})


@method_decorator([sensitive_post_parameters(), csrf_protect, never_cache], name="dispatch")
class InvitationPage(View):
    """The invitation link: choose a password (the code is not needed: the link is its own secret)."""

    template_name = "accounts/invitation.html"

    def _context(self, row, form):
        return {"form": form, "row": row, "event": row.event if row else None, "validlink": row is not None}

    def get(self, request, token):
        row = invitations.row_for_link(token)
        form = SetPasswordForm(row.user) if row else None
        return render(request, self.template_name, self._context(row, form), status=200 if row else 404)

    def post(self, request, token):
        row = invitations.row_for_link(token)
        if row is None:
            return render(request, self.template_name, self._context(None, None), status=404)
        form = SetPasswordForm(row.user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self._context(row, form), status=400)
        try:
            invitations.accept_invitation_link(
                token=token,
                password=form.cleaned_data["new_password1"],
                share_contact_with_exposants=request.POST.get("share_contact_with_exposants") == "on",  # unticked
            )
        except (AppError, DjangoValidationError):
            return render(request, self.template_name, self._context(None, None), status=404)
        return render(request, "accounts/password_done.html", {"event": row.event})
