"""One error format for the whole API.

Every 4xx/5xx is shaped by drf-standardized-errors:
``{"type": "validation_error|client_error|server_error",
   "errors": [{"code": "<stable code>", "detail": "<localised text>", "attr": "<field>|null"}]}``.
Business rules raise :class:`AppError` with a stable code; this module also
covers what happens outside DRF views (unknown routes, crashes).
"""

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler as BaseExceptionHandler
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework_simplejwt.exceptions import InvalidToken


class AppError(exceptions.APIException):
    """A business rule said no: carries a stable machine ``code`` and a localised message."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, message, code, *, status_code=None):
        super().__init__(detail=message, code=code)
        if status_code is not None:
            self.status_code = status_code


class ExceptionHandler(BaseExceptionHandler):
    def convert_known_exceptions(self, exc):
        if isinstance(exc, DjangoValidationError):
            # Model-level rules (full_clean, validators) are client errors, not crashes.
            return exceptions.ValidationError(as_serializer_error(exc))
        if isinstance(exc, ObjectDoesNotExist):
            return exceptions.NotFound()
        if isinstance(exc, InvalidToken):
            # simplejwt puts a dict in `detail`; keep one flat error with its code.
            return exceptions.AuthenticationFailed(_("Token is invalid or expired"), code="token_not_valid")
        if isinstance(exc, exceptions.AuthenticationFailed) and isinstance(exc.detail, dict) and "code" in exc.detail:
            # Same for its other refusals ("Bearer" without a token: bad_authorization_header).
            return exceptions.AuthenticationFailed(str(exc.detail.get("detail", "")), code=str(exc.detail["code"]))
        if isinstance(exc, RequestDataTooBig):
            # Django's body limits, met while DRF parses request.data: the client's fault, not a crash.
            return AppError(_("The request is too large."), "request_too_large", status_code=413)
        if isinstance(exc, SuspiciousOperation):  # too many fields or files, malformed multipart...
            return exceptions.ParseError(_("Bad request."), code="bad_request")
        return super().convert_known_exceptions(exc)


def _error_response(exc: exceptions.APIException) -> JsonResponse:
    data = ExceptionFormatter(exc, {}, exc).run()
    return JsonResponse(data, status=exc.status_code, json_dumps_params={"ensure_ascii": False})


def _is_api(request) -> bool:
    # The admin keeps Django's HTML pages; API clients always get JSON.
    return request.path.startswith("/api/")


@csrf_exempt  # any method may reach an unknown route: a POST gets this 404, not the CSRF failure page
def not_found(request, *args, **kwargs):
    return _error_response(exceptions.NotFound(_("No such endpoint."), code="not_found"))


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
