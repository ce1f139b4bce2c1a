"""The app's e-poster gallery: ``GET /api/eposter/{event_id}/gallery/?q=`` (contract §3.8).

The original backend served it to anyone. Here it is a members' gallery: the caller's token must
carry that event (its current event, where it is an active member), unless the event's organisateurs
marked the gallery public (``Event.eposters_public``), in which case no sign-in is needed. The
answer is complete (not paged: the app never follows ``next``), ``{"results": [...]}``, and file
links are short-lived signed links the phone's browser opens without the token.

A signed-in caller asking for another event's (non-public) gallery gets a 404, as for any other
event's object; an anonymous caller a 401 (it does not learn whether the event exists).
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import Event
from events.selectors.eposters import eposters_for_event
from events.serializers.eposters import GallerySerializer

Q_MAX_LENGTH = 200


class GalleryQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=Q_MAX_LENGTH)


def gallery_event(request, event_id) -> Event:
    """The event whose gallery the caller may see, or the refusal (401 anonymous, 404 signed in)."""
    event = Event.objects.filter(pk=event_id).only("pk", "eposters_public").first()
    if event is not None and event.eposters_public:
        return event
    if not (request.user and request.user.is_authenticated):
        raise exceptions.NotAuthenticated()
    assignment = getattr(request, "event_assignment", None)
    if event is None or assignment is None or assignment.event_id != event.pk:
        raise exceptions.NotFound(_("Not found."), code="not_found")
    return event


@extend_validation_errors(["max_length"], field_name="q", methods=["get"])
class EPosterGalleryView(APIView):
    """The e-posters of an event as the mobile app's gallery reads them: every poster, in catalogue
    order, searched with ``q`` (title, authors, co-authors, theme, number). Members of the event
    (its token), or anyone when the event made its gallery public."""

    # Not an event_roles view: the event is the one in the path, and a public gallery needs no sign-in.
    # gallery_event() decides (members of that event, or anyone for a public gallery).
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Search words.")],
        responses={200: GallerySerializer},
        tags=["mobile app"],
    )
    def get(self, request, event_id):
        event = gallery_event(request, event_id)
        query = GalleryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        posters = eposters_for_event(event, q=query.validated_data.get("q"))
        return Response(GallerySerializer({"results": posters}, context={"request": request}).data)
