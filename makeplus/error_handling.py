"""One error format for the whole API, and the HTTP status of every error code.

Every 4xx/5xx is shaped by drf-standardized-errors:
``{"type": "validation_error|client_error|server_error",
   "errors": [{"code": "<stable code>", "detail": "<localised text>", "attr": "<field>|null"}],
   "message": "<the first error's text>", "detail": <same>, "error": <same>}``.
The three top-level strings repeat the first error's localised text: the MakePlus mobile app shows
whichever of them its screen reads (``message``, ``detail`` or ``error``), never ``errors``.
Services raise :class:`makeplus.errors.AppError`; here it becomes a response with the status its
code has in the one registry (``makeplus.errors.CODES_BY_STATUS``), and so does any DRF error
carrying one of those codes. This module also covers what happens outside DRF views (unknown
routes, crashes).
"""

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler as BaseExceptionHandler
from drf_standardized_errors.types import ErrorResponse
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework_simplejwt.exceptions import InvalidToken

from makeplus.errors import STATUS_OF, SUMMARY_KEYS, AppError, status_of


def api_error(message, code: str) -> exceptions.APIException:
    """An APIException answering with ``code``'s one status (makeplus.errors)."""
    error = exceptions.APIException(detail=message, code=code)
    error.status_code = status_of(code)
    return error


# A wait the database gave up on (settings: lock_timeout, statement_timeout; SQLite's busy timeout).
_TIMEOUT_SQLSTATES = {"55P03", "57014"}  # lock_not_available, query_canceled


def _database_error(exc: OperationalError) -> exceptions.APIException:
    """A retryable 503: "busy" when a lock or statement timeout stopped the request, "database_unavailable" when
    the connection failed. Either way nothing was written (the transaction rolled back)."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in _TIMEOUT_SQLSTATES or "database is locked" in str(exc):
        error = api_error(_("The server is busy: try again in a moment."), "busy")
    else:
        error = api_error(_("The database is unavailable: try again in a moment."), "database_unavailable")
    error.wait = 1  # Retry-After: 1
    return error


# Every 401 says how to authenticate (RFC 9110 §11.6.1), also when our code refused the credentials.
WWW_AUTHENTICATE = 'Bearer realm="api"'


class ExceptionHandler(BaseExceptionHandler):
    def get_response(self, exc, data):
        response = super().get_response(exc, data)
        if response.status_code == 401 and not response.has_header("WWW-Authenticate"):
            response["WWW-Authenticate"] = getattr(exc, "auth_header", None) or WWW_AUTHENTICATE
        return response

    def convert_known_exceptions(self, exc):
        if isinstance(exc, AppError):
            error = api_error(exc.message, exc.code)
            if error.status_code == 503:  # every 503 of ours is retryable: say when
                error.wait = 1
            return error
        if isinstance(exc, OperationalError):
            return _database_error(exc)
        if isinstance(exc, DjangoValidationError):
            # Model-level rules (full_clean, validators) are client errors, not crashes.
            return _with_status_of_its_codes(exceptions.ValidationError(as_serializer_error(exc)))
        if isinstance(exc, ObjectDoesNotExist):
            return exceptions.NotFound()
        if isinstance(exc, InvalidToken):
            # simplejwt puts a dict in `detail`; keep one flat error with its code.
            return exceptions.AuthenticationFailed(_("Token is invalid or expired"), code="token_not_valid")
        if isinstance(exc, exceptions.AuthenticationFailed) and isinstance(exc.detail, dict) and "code" in exc.detail:
            # Same for its other refusals ("Bearer" without a token: bad_authorization_header). A token
            # whose account was deleted is just an invalid token (user_not_found is ours: an unknown email).
            code = str(exc.detail["code"])
            if code == "user_not_found":
                return exceptions.AuthenticationFailed(_("Token is invalid or expired"), code="token_not_valid")
            if code == "bad_authorization_header":  # simplejwt's text has no French or Arabic translation
                message = _('The Authorization header must be "Bearer" followed by a token.')
                return exceptions.AuthenticationFailed(message, code=code)
            return exceptions.AuthenticationFailed(str(exc.detail.get("detail", "")), code=code)
        if isinstance(exc, RequestDataTooBig):
            # Django's body limits, met while DRF parses request.data: the client's fault, not a crash.
            return api_error(_("The request is too large."), "request_too_large")
        if isinstance(exc, SuspiciousOperation):  # too many fields or files, malformed multipart...
            return exceptions.ParseError(_("Bad request."), code="bad_request")
        exc = super().convert_known_exceptions(exc)
        if isinstance(exc, exceptions.ValidationError):
            return _with_status_of_its_codes(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(code, str) and code in STATUS_OF and exc.status_code != STATUS_OF[code]:
            # One status per code, whichever exception class carried it.
            return api_error(exc.detail, code)
        return exc


def _with_status_of_its_codes(exc: exceptions.ValidationError) -> exceptions.ValidationError:
    """A field's error whose code has its own status (file_too_large: 413) answers with it, body unchanged."""
    statuses = {STATUS_OF[code] for code in _flat_codes(exc.get_codes())} - {400}
    if statuses:
        exc.status_code = min(statuses)
    return exc


def _flat_codes(codes) -> list[str]:
    if isinstance(codes, dict):
        return [code for value in codes.values() for code in _flat_codes(value)]
    if isinstance(codes, list):
        return [code for value in codes for code in _flat_codes(value)]
    return [codes] if codes in STATUS_OF else []


class ErrorFormatter(ExceptionFormatter):
    def format_error_response(self, error_response: ErrorResponse) -> dict:
        data = super().format_error_response(error_response)
        summary = str(error_response.errors[0].detail) if error_response.errors else ""
        return data | dict.fromkeys(SUMMARY_KEYS, summary)


def _error_response(exc: exceptions.APIException) -> JsonResponse:
    data = ErrorFormatter(exc, {}, exc).run()
    return JsonResponse(data, status=exc.status_code, json_dumps_params={"ensure_ascii": False})


def _is_api(request) -> bool:
    # The admin keeps Django's HTML pages; API clients always get JSON.
    return request.path.startswith("/api/")


@csrf_exempt  # any method may reach an unknown route: a POST gets this 404, not the CSRF failure page
def not_found(request, *args, **kwargs):
    return _error_response(exceptions.NotFound(_("No such endpoint."), code="not_found"))


class MethodNotAllowedMiddleware:
    """A method an API route never allows is 405 ``method_not_allowed`` for everyone (README "API conventions"),
    before authentication and permissions: DRF checked the caller's role first, so some roles met a 403 for a
    method nobody may use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_func = getattr(view_func, "methods_of", view_func)  # a function view dispatching to a DRF view
        view_class = getattr(view_func, "cls", None)
        method = request.method.lower()
        if view_class is None or method in ("head", "options") or not _is_api(request):
            return None
        actions = getattr(view_func, "actions", None)  # a viewset's routed methods
        handled = (
            set(actions) if actions is not None else {m for m in view_class.http_method_names if hasattr(view_class, m)}
        )
        allowed = handled & set(view_class.http_method_names)
        if method in allowed:
            return None
        response = _error_response(exceptions.MethodNotAllowed(request.method))
        response["Allow"] = ", ".join(sorted(m.upper() for m in allowed | {"options"}))
        return response


def handler404(request, exception=None):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return not_found(request)


def handler500(request):
    if not _is_api(request):
        return defaults.server_error(request)
    return _error_response(exceptions.APIException(_("Server error."), code="error"))


def handler400(request, exception=None):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    return _error_response(exceptions.ParseError(_("Bad request."), code="bad_request"))


def handler403(request, exception=None):
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return _error_response(exceptions.PermissionDenied())
