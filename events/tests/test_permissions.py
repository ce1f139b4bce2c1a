import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.services import issue_tokens
from events import permissions
from events.models import Role
from events.tests.factories import AssignmentFactory, EventFactory

pytestmark = pytest.mark.django_db

CLASSES = {
    permissions.IsOrganizer: {Role.ORGANISATEUR},
    permissions.IsGestionnaireSalle: {Role.GESTIONNAIRE_DES_SALLES},
    permissions.IsController: {Role.CONTROLLEUR_DES_BADGES},
    permissions.IsParticipant: {Role.PARTICIPANT},
    permissions.IsExposant: {Role.EXPOSANT},
    permissions.IsEventMember: set(Role.values),
}


def _call(permission_class, assignment, method="get"):
    class Probe(APIView):
        permission_classes = [permission_class]

        def get(self, request):
            return Response({"ok": True})

        post = get

    token = issue_tokens(user=assignment.user, event_id=assignment.event_id, role=assignment.role)["access"]
    request = getattr(APIRequestFactory(), method)("/probe/", HTTP_AUTHORIZATION=f"Bearer {token}")
    return Probe.as_view()(request)


@pytest.mark.parametrize("permission_class", list(CLASSES))
@pytest.mark.parametrize("role", list(Role.values))
def test_role_classes_admit_exactly_their_roles(permission_class, role):
    assignment = AssignmentFactory(role=role, event=EventFactory())

    response = _call(permission_class, assignment)

    if role in CLASSES[permission_class]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert response.data["errors"][0]["code"] == "insufficient_role"


@pytest.mark.parametrize("role", list(Role.values))
def test_organizer_or_read_only(role):
    assignment = AssignmentFactory(role=role, event=EventFactory())

    read = _call(permissions.IsOrganizerOrReadOnly, assignment)
    write = _call(permissions.IsOrganizerOrReadOnly, assignment, method="post")

    assert read.status_code == 200
    assert write.status_code == (200 if role == Role.ORGANISATEUR else 403)


def test_is_owner_lets_only_the_author_write():
    author = AssignmentFactory(role=Role.ORGANISATEUR)
    colleague = AssignmentFactory(role=Role.ORGANISATEUR, event=author.event)

    class Obj:
        created_by_id = author.user_id

    request = APIRequestFactory().patch("/x/")
    request.user = colleague.user
    owner_request = APIRequestFactory().patch("/x/")
    owner_request.user = author.user

    assert permissions.IsOwner().has_object_permission(request, None, Obj()) is False
    assert permissions.IsOwner().has_object_permission(owner_request, None, Obj()) is True
