"""The app showcase of the seeded events: e-posters with their files, the theme colour, the room
manager's annonce to the staff; idempotent; every app screen of the demo event has something."""

import os

import pytest
from django.utils import timezone
from PIL import Image

from annonces.models import Annonce
from events.models import EPoster, Event, Role, UserEventAssignment
from events.models.eposters import validate_poster_file, validate_thumbnail
from exposants.models import ExposantScan
from seeds.demo import DEMO_EVENT, TECHSUMMIT, seed_event
from seeds.eposters import POSTERS, STAFF_ANNONCE_TITLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored(root):
    return sorted(os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files)


def test_seeded_event_has_posters_colour_and_staff_annonce(media_root):
    seed_event(TECHSUMMIT)
    event = Event.objects.get(name=TECHSUMMIT.name)
    assert event.primary_color == "#1E5AA8"
    posters = list(EPoster.objects.filter(event=event).order_by("contribution_number"))
    assert [p.contribution_number for p in posters] == [spec.number for spec in POSTERS]
    for poster in posters:
        assert poster.file and poster.thumbnail, poster.contribution_number
        assert poster.submitted_at < event.start_date
        with poster.file.open("rb") as file:
            validate_poster_file(file)
            assert file.size < 60_000  # small
        with poster.thumbnail.open("rb") as thumbnail:
            validate_thumbnail(thumbnail)
    image_poster = posters[2]
    assert image_poster.file.name.endswith(".jpg") and image_poster.thumbnail.name.endswith(".jpg")
    with Image.open(image_poster.thumbnail.path) as thumbnail:
        assert max(thumbnail.size) == 480
    annonce = Annonce.objects.get(event=event, title=STAFF_ANNONCE_TITLE)
    assert annonce.target_roles == [Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES]
    assert UserEventAssignment.objects.get(event=event, user=annonce.created_by).role == Role.GESTIONNAIRE_DES_SALLES


def test_reseeding_creates_nothing_new(media_root):
    seed_event(TECHSUMMIT)
    files = _stored(media_root)
    EPoster.objects.filter(contribution_number="P-01").update(title="Changé", theme="")
    seed_event(TECHSUMMIT)
    assert _stored(media_root) == files
    assert EPoster.objects.count() == len(POSTERS)
    assert EPoster.objects.get(contribution_number="P-01").title == POSTERS[0].title
    assert Annonce.objects.filter(title=STAFF_ANNONCE_TITLE).count() == 1


def test_every_app_screen_of_the_demo_event_has_something(media_root, client_for):
    seed_event(DEMO_EVENT)
    event = Event.objects.get(name=DEMO_EVENT.name)
    by_role = {}
    for assignment in UserEventAssignment.objects.filter(event=event).select_related("user"):
        by_role.setdefault(assignment.role, assignment.user)
    # the gallery
    participant = client_for(by_role[Role.PARTICIPANT], event)
    gallery = participant.get(f"/api/eposter/{event.pk}/gallery/")
    assert len(gallery.json()["results"]) == len(POSTERS)
    # every role's annonces screen
    for role in (Role.PARTICIPANT, Role.EXPOSANT, Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES):
        feed = client_for(by_role[role], event).get("/api/annonces/", {"_t": 1}).json()["results"]
        assert feed, role
    # the exposant's leads
    exposant = client_for(by_role[Role.EXPOSANT], event)
    scans = exposant.get("/api/exposant-scans/my_scans/").json()
    assert scans["total_visits"] == ExposantScan.objects.filter(exposant__user=by_role[Role.EXPOSANT]).count() > 0
    assert timezone.now() > event.start_date
