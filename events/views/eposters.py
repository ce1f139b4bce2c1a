"""E-posters of the current event (/api/eposters/): organisateurs upload them, members browse them."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import viewsets

from events.models import EPoster
from events.permissions import READ_MEMBERS_WRITE_ORGANISATEUR
from events.scoping import EventScoped
from events.selectors.eposters import eposters_for_event
from events.serializers.eposters import EPosterSerializer
from events.services import eposters as services
from makeplus import read_cache
from makeplus.parsers import FormParser, JSONParser, MultiPartParser  # our limits

_q = OpenApiParameter(
    "q", OpenApiTypes.STR, description="Words searched in the title, authors, co-authors, theme and number."
)


_FILE_CODES = ["invalid_file_type", "file_too_large", "file_empty", "not_a_pdf", "invalid_image", "image_too_large"]
_WRITES = ["create", "partial_update"]


@extend_schema_view(list=extend_schema(parameters=[_q]))
@extend_validation_errors(_FILE_CODES, field_name="file", actions=_WRITES)
@extend_validation_errors(_FILE_CODES, field_name="thumbnail", actions=_WRITES)
class EPosterViewSet(read_cache.CachedReads, EventScoped, viewsets.ModelViewSet):
    """The current event's e-posters, in catalogue order. Members read and search them (``q`` or
    ``search``); organisateurs upload (multipart: ``file`` PDF/PNG/JPEG, optional ``thumbnail``),
    change and delete them. Another event's poster is a 404. File fields read as short-lived signed
    links. Refusals (400): ``invalid_file_type``, ``file_too_large``, ``file_empty``, ``not_a_pdf``,
    ``invalid_image``, field errors."""

    queryset = EPoster.objects.none()
    serializer_class = EPosterSerializer
    read_resource = read_cache.EPosters()
    event_roles = READ_MEMBERS_WRITE_ORGANISATEUR
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    search_fields = ["title", "authors", "co_authors", "theme", "contribution_number"]
    ordering_fields = ["contribution_number", "title", "submitted_at", "created_at"]
    ordering = ["contribution_number", "title", "id"]

    def scoped_queryset(self, assignment):
        q = self.request.query_params.get("q") if self.action == "list" else None
        return eposters_for_event(assignment.event, q=q)

    def perform_create(self, serializer):
        serializer.instance = services.create_eposter(
            event=self.current_event(), actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_eposter(
            eposter=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_eposter(eposter=instance, actor=self.request.user)
