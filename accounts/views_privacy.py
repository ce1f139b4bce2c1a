"""The caller's data export: ``GET /api/auth/me/export/`` (app-store requirement). The account
deletion (``DELETE /api/auth/me/``) is served by the mobile app's route (mobile/auth.py); both call
accounts/privacy.py."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.privacy import export_user_data
from makeplus.openapi import ErrorResponse401Serializer


class AccountExportView(APIView):
    """Everything stored about the caller, as one JSON document (profile, roles, badges, door log,
    presence, questions and votes, stand visits and leads, annonces, emailed codes, sign-ins). Only the
    caller's own data; never a password hash, a code or a token."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 401: ErrorResponse401Serializer}, tags=["auth"])
    def get(self, request):
        response = Response(export_user_data(request.user, request=request))
        response["Content-Disposition"] = f'attachment; filename="makeplus-data-{request.user.pk}.json"'
        response["Cache-Control"] = "no-store"
        return response
