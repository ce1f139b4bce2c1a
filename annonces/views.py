from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annonces import selectors, services
from annonces.filters import AnnonceFilter
from annonces.models import Annonce
from annonces.permissions import ANNONCE_AUTHORS, IsAnnonceOwner
from annonces.serializers import (
    AnnonceSerializer,
    ReadAllSerializer,
    ReadReceiptSerializer,
    UnreadCountSerializer,
)
from events.permissions import MEMBERS, Allow, EventRolePermission
from events.scoping import EventScoped
from makeplus import read_cache
from makeplus.pagination import PageNumberPagination


class AnnoncePagination(PageNumberPagination):
    page_size = 100
    max_page_size = 200


@extend_validation_errors(["wrong_event"], field_name="event", actions=["create", "partial_update"])
class AnnonceViewSet(read_cache.CachedReads, EventScoped, viewsets.ModelViewSet):
    """Annonces of the current event.

    Organisateurs create them and see all of them (scheduled, published, expired) with read
    statistics; only the author edits or deletes one (403 `not_owner`). A room manager (gestionnaire
    des salles) may publish to the staff only (`target_roles` room managers and/or badge controllers;
    anything else is a 403 `target_not_allowed`) and sees the annonces it wrote. Pages hold 100
    annonces (`page_size` up to 200). Mobile-app aliases: `description` (content), `target`
    (target_roles: all, participants, exposants, gestionnaire, controller), `creator_name`; an
    `event` in the body must be the current event (400 `wrong_event`). Every other member sees
    the published, unexpired annonces that target its role, pinned first, newest next, each with
    `is_read`; any other annonce is a 404 for it.

    Refusals (400): field errors (`blank`/`required`/`max_length` on `title`, `invalid_choice` on
    `target_roles.<n>`) and `expires_before_publish` (expires_at not after publish_at, also after
    merging a PATCH with the stored values).
    """

    queryset = Annonce.objects.none()
    serializer_class = AnnonceSerializer
    read_resource = read_cache.Annonces()
    permission_classes = [EventRolePermission, IsAnnonceOwner]
    # Any member marks what it reads (the action ``read`` is a POST: the "read" rule is also its rule).
    # Organisateurs write; a room manager too, to the staff only (services.check_author_targets).
    event_roles = {"read": MEMBERS, "write": Allow(ANNONCE_AUTHORS), "read_all": MEMBERS, "unread_count": MEMBERS}
    # The mobile app reads page 1 only and never sends page_size: a feed is complete on its first page.
    pagination_class = AnnoncePagination
    filterset_class = AnnonceFilter
    search_fields = ["title", "content"]
    ordering_fields = ["publish_at", "expires_at", "created_at", "updated_at", "title"]
    ordering = ["-is_pinned", "-publish_at", "-created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, assignment):
        return selectors.annonces_for_member(assignment)

    def perform_create(self, serializer):
        serializer.instance = services.create_annonce(
            event=self.current_event(),
            actor=self.request.user,
            author_role=self.assignment.role,
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_annonce(
            annonce=serializer.instance,
            actor=self.request.user,
            author_role=self.assignment.role,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.delete_annonce(annonce=instance, actor=self.request.user)

    @extend_schema(request=None, responses={200: ReadReceiptSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this annonce read (idempotent: the first read time is kept)."""
        receipt = services.mark_read(annonce=self.get_object(), user=request.user)
        unread = selectors.unread_count(self.assignment)
        data = {"annonce_id": receipt.annonce_id, "read_at": receipt.read_at, "unread_count": unread}
        return Response(ReadReceiptSerializer(data).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"])
    def read_all(self, request):
        """Mark every annonce you can see now read."""
        assignment = self.assignment
        marked = services.mark_all_read(assignment=assignment)
        return Response(ReadAllSerializer({"marked": marked, "unread_count": selectors.unread_count(assignment)}).data)

    @extend_schema(responses={200: UnreadCountSerializer}, filters=False)
    @action(detail=False, methods=["get"])
    def unread_count(self, request):
        """How many annonces you can see now and have not read (one cheap query)."""
        return Response(UnreadCountSerializer({"unread_count": selectors.unread_count(self.assignment)}).data)
