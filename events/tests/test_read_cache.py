"""The read cache (makeplus/read_cache.py): the same bodies as the database for every role, every write seen at
the next read, 304 on a matching ETag, another event's data never served, and a warm hit's queries fixed."""

import json
import re
import threading
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annonces.tests.factories import AnnonceFactory, AnnonceReadFactory
from events.calendar import event_zone
from events.models import Participant, Room, Session, UserEventAssignment
from events.roles import Role
from events.services import programme as programme_services
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.test_eposters import image_bytes, make_poster, upload
from exposants.models import Exposant
from makeplus import read_cache
from makeplus.cache import VersionFiles
from makeplus.signed_files import SALT

STREAM = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def _exposant(event, name):
    """An exposant listed in the directory (its user holds the exposant role)."""
    from events.tests.factories import AssignmentFactory

    user = AssignmentFactory(event=event, role=Role.EXPOSANT).user
    profile, _created = Exposant.objects.get_or_create(event=event, user=user)
    profile.company_name = name
    profile.save()
    return profile


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world(event_a, event_b, member, media_root):
    """Event A's programme, annonces and exposants (with another member's registration and reads), and one
    row of each in event B."""
    plenary = RoomFactory(event=event_a, name="Plénière", capacity=3)
    annex = RoomFactory(event=event_a, name="Annexe", capacity=2)
    talk = SessionFactory(room=plenary, title="Ouverture", youtube_live_url=STREAM)
    paid = AtelierFactory(room=annex, paid=True, title="Atelier payant", youtube_live_url=STREAM)
    free = AtelierFactory(
        room=plenary,
        title="Atelier libre",
        start_time=event_a.start_date + timedelta(hours=5),
        end_time=event_a.start_date + timedelta(hours=6),
    )
    SessionAccessFactory(session=paid)  # someone else's place
    author = member(Role.ORGANISATEUR, event_a).user
    everyone = AnnonceFactory(event=event_a, title="Bienvenue", created_by=author)
    AnnonceFactory(event=event_a, title="Participants", target_roles=[Role.PARTICIPANT], created_by=author)
    AnnonceFactory(event=event_a, title="Équipe", target_roles=[Role.GESTIONNAIRE_DES_SALLES], created_by=author)
    AnnonceFactory(event=event_a, title="Plus tard", publish_at=timezone.now() + timedelta(days=1), created_by=author)
    AnnonceFactory(
        event=event_a, title="Passée", publish_at=timezone.now() - timedelta(days=2), expires_at=timezone.now()
    )
    AnnonceReadFactory(annonce=everyone, user=author)
    stands = [_exposant(event_a, "Alpha"), _exposant(event_a, "Beta")]
    poster = make_poster(event_a, title="Cœur", thumbnail=upload("t.png", image_bytes(), "image/png"))
    make_poster(event_a, title="Poumon", contribution_number="P-2")
    other = SessionFactory(room=RoomFactory(event=event_b, name="Salle B"), title="Autre événement")
    AnnonceFactory(event=event_b, title="Annonce B")
    return {
        "talk": talk,
        "paid": paid,
        "free": free,
        "room": plenary,
        "annonce": everyone,
        "stands": stands,
        "other": other,
        "poster": poster,
    }


def caller(member, event, role, world):
    """A member holding ``role`` with a badge, a paid place in the paid atelier, a registration in the free one,
    one annonce read, and (exposant) its own stand."""
    client, user = member(role, event, badge=True)
    badge = Participant.objects.get(user=user, event=event)
    SessionAccessFactory(session=world["paid"], participant=badge, paid=True)
    SessionAccessFactory(session=world["free"], participant=badge)
    AnnonceReadFactory(annonce=world["annonce"], user=user)
    if role == Role.EXPOSANT:
        profile, _created = Exposant.objects.get_or_create(event=event, user=user)
        profile.company_name = "Ma société"
        profile.save()
    return client, user


def urls(world) -> list[str]:
    day = world["talk"].start_time.astimezone(event_zone()).date().isoformat()
    return [
        "/api/sessions/",
        f"/api/sessions/?day={day}&page_size=50",
        "/api/sessions/?session_type=atelier&ordering=title&search=Atelier",
        f"/api/sessions/{world['paid'].pk}/",
        f"/api/sessions/{world['talk'].pk}/",
        "/api/rooms/",
        "/api/annonces/?page_size=50",
        f"/api/annonces/{world['annonce'].pk}/",
        "/api/exposants/",
        f"/api/exposants/{world['stands'][0].pk}/",
        "/api/eposters/?q=c",
        f"/api/eposters/{world['poster'].pk}/",
    ]


def same_body(response) -> str:
    """The body, its signed links' expiry left out (a link made a second later expires a second later)."""

    def claims(match):
        found = signing.loads(match.group(1), salt=SALT)
        found.pop("e")
        return json.dumps(found, sort_keys=True)

    return re.sub(r"/api/files/([^/\"]+)/", claims, response.content.decode())


def uncached(client, url, settings):
    settings.READ_CACHE_ENABLED = False
    try:
        return client.get(url)
    finally:
        settings.READ_CACHE_ENABLED = True


@pytest.mark.parametrize("role", Role.values)
def test_bodies_are_the_database_bodies_for_every_role(role, world, member, event_a, settings):
    client, _user = caller(member, event_a, role, world)
    for url in urls(world):
        expected = uncached(client, url, settings)
        assert expected.status_code == 200, (url, expected.content)
        cold, warm = client.get(url), client.get(url)
        assert same_body(cold) == same_body(expected), url
        assert same_body(warm) == same_body(expected), url
        if "eposters" in url:
            assert b"/api/files/" in expected.content
        else:
            assert cold.content == warm.content == expected.content, url
        assert warm.get("ETag") == cold.get("ETag")  # none where not cached (organisateurs' annonces)
        assert warm["Cache-Control"] == "private, no-cache"


def test_caller_fields_are_each_callers_own(world, member, event_a, settings):
    """A warm entry filled by one caller serves another its own registrations, stream, reads and stand."""
    first, _ = caller(member, event_a, Role.PARTICIPANT, world)
    second, user = member(Role.PARTICIPANT, event_a, badge=True)
    for url in urls(world):
        first.get(url)
        assert same_body(second.get(url)) == same_body(uncached(second, url, settings)), url
    paid = second.get(f"/api/sessions/{world['paid'].pk}/").json()
    assert (paid["my_access_status"], paid["youtube_live_url"], paid["places_left"]) == (None, None, 0)
    mine = first.get(f"/api/sessions/{world['paid'].pk}/").json()
    assert (mine["my_access_status"], mine["youtube_live_url"]) == ("paid", STREAM)
    assert first.get(f"/api/annonces/{world['annonce'].pk}/").json()["is_read"] is True
    assert second.get(f"/api/annonces/{world['annonce'].pk}/").json()["is_read"] is False


def _titles(response):
    return [row["title"] for row in response.json()["results"]]


def test_writes_through_the_api_are_seen_at_the_next_read(world, member, event_a, settings):
    organisateur = member(Role.ORGANISATEUR, event_a).client
    client, _user = caller(member, event_a, Role.PARTICIPANT, world)
    talk = world["talk"]
    assert "Ouverture" in _titles(client.get("/api/sessions/"))

    assert organisateur.patch(f"/api/sessions/{talk.pk}/", {"title": "Ouverture (salle 2)"}).status_code == 200
    assert "Ouverture (salle 2)" in _titles(client.get("/api/sessions/"))

    assert organisateur.patch(f"/api/rooms/{world['room'].pk}/", {"capacity": 40}).status_code == 200
    assert client.get(f"/api/sessions/{talk.pk}/").json()["max_participants"] == 40

    assert organisateur.delete(f"/api/sessions/{talk.pk}/").status_code == 204
    assert "Ouverture (salle 2)" not in _titles(client.get("/api/sessions/"))
    assert client.get(f"/api/sessions/{talk.pk}/").status_code == 404

    created = organisateur.post("/api/annonces/", {"title": "Nouvelle"})
    assert created.status_code == 201
    assert "Nouvelle" in _titles(client.get("/api/annonces/?page_size=50"))
    assert organisateur.delete(f"/api/annonces/{created.json()['id']}/").status_code == 204
    assert "Nouvelle" not in _titles(client.get("/api/annonces/?page_size=50"))

    stand = world["stands"][0]
    assert organisateur.patch(f"/api/exposants/{stand.pk}/", {"stand_number": "Z9"}).status_code == 200
    assert client.get(f"/api/exposants/{stand.pk}/").json()["stand_number"] == "Z9"
    poster = world["poster"]
    assert organisateur.patch(f"/api/eposters/{poster.pk}/", {"title": "Cœur droit"}).status_code == 200
    assert client.get(f"/api/eposters/{poster.pk}/").json()["title"] == "Cœur droit"
    assert organisateur.delete(f"/api/eposters/{poster.pk}/").status_code == 204
    assert "Cœur droit" not in _titles(client.get("/api/eposters/"))
    for url in urls(world)[:-1]:
        assert same_body(client.get(url)) == same_body(uncached(client, url, settings)), url


def test_eposter_links_are_made_at_each_read_and_open_the_file(world, member, event_a):
    client, _user = member(Role.PARTICIPANT, event_a)
    url = f"/api/eposters/{world['poster'].pk}/"
    client.get(url)
    warm = client.get(url)
    assert "ETag" not in warm
    download = client.get(warm.json()["file"].removeprefix("http://testserver"))
    assert (download.status_code, b"".join(download.streaming_content)[:5]) == (200, b"%PDF-")
    assert client.get(warm.json()["thumbnail"].removeprefix("http://testserver")).status_code == 200


def test_a_deleted_account_leaves_the_directory(world, member, event_a):
    from accounts.privacy import delete_account
    from conftest import DEFAULT_PASSWORD

    client, _user = member(Role.PARTICIPANT, event_a)
    stand = world["stands"][1]
    assert [row["company_name"] for row in client.get("/api/exposants/").json()["results"]] == ["Alpha", "Beta"]
    delete_account(user=stand.user, password=DEFAULT_PASSWORD)
    assert [row["company_name"] for row in client.get("/api/exposants/").json()["results"]] == ["Alpha"]


def test_atelier_registration_and_annonce_read_are_seen_at_the_next_read(world, member, event_a):
    client, user = member(Role.PARTICIPANT, event_a, badge=True)
    other = member(Role.PARTICIPANT, event_a, badge=True).client
    free = f"/api/sessions/{world['free'].pk}/"
    assert (client.get(free).json()["my_access_status"], other.get(free).json()["places_left"]) == (None, 3)

    assert client.post(f"{free}register/").status_code == 201
    assert client.get(free).json()["my_access_status"] == "registered"
    assert other.get(free).json()["places_left"] == 2
    assert client.post(f"{free}unregister/").status_code == 200
    assert client.get(free).json()["my_access_status"] == "cancelled"
    assert other.get(free).json()["places_left"] == 3

    annonce = f"/api/annonces/{world['annonce'].pk}/"
    assert client.get(annonce).json()["is_read"] is False
    assert client.post(f"{annonce}read/").status_code == 200
    assert client.get(annonce).json()["is_read"] is True
    assert other.get(annonce).json()["is_read"] is False


def test_bulk_and_service_writes_are_seen(world, member, event_a):
    client, _user = caller(member, event_a, Role.PARTICIPANT, world)
    talk, free = world["talk"], world["free"]
    before = {row["id"]: row["start_time"] for row in client.get("/api/sessions/").json()["results"]}
    programme_services.swap_session_times(first=talk, second=free, actor=None)  # update(), no signal
    after = {row["id"]: row["start_time"] for row in client.get("/api/sessions/").json()["results"]}
    assert (after[str(talk.pk)], after[str(free.pk)]) == (before[str(free.pk)], before[str(talk.pk)])

    stand = world["stands"][1]
    assert len(client.get("/api/exposants/").json()["results"]) == 2
    UserEventAssignment.objects.get(event=event_a, user=stand.user).delete()  # no longer an exposant
    assert [row["company_name"] for row in client.get("/api/exposants/").json()["results"]] == ["Alpha"]

    author = world["annonce"].created_by
    author.first_name, author.last_name = "Nadia", "Kaci"
    author.save()
    assert client.get(f"/api/annonces/{world['annonce'].pk}/").json()["author_name"] == "Nadia Kaci"


def test_door_occupancy_is_live_without_invalidating(world, member, event_a):
    client, _user = caller(member, event_a, Role.CONTROLLEUR_DES_BADGES, world)
    room = world["room"]
    client.get("/api/rooms/")
    version = read_cache.versions().get(read_cache._version_key(event_a.pk, read_cache.ROOMS))
    # What a door scan does (events/sql/access.py): an UPDATE, no save signal.
    Room.objects.filter(pk=room.pk).update(current_participants=2)
    rows = {row["id"]: row for row in client.get("/api/rooms/").json()["results"]}
    assert (rows[str(room.pk)]["current_participants"], rows[str(room.pk)]["occupancy_percentage"]) == (2, 66.7)
    assert read_cache.versions().get(read_cache._version_key(event_a.pk, read_cache.ROOMS)) == version


def test_a_scheduled_annonce_appears_when_its_time_comes(world, member, event_a):
    client, _user = member(Role.PARTICIPANT, event_a)
    AnnonceFactory(event=event_a, title="Bientôt", publish_at=timezone.now() + timedelta(seconds=1))
    assert "Bientôt" not in _titles(client.get("/api/annonces/"))
    time.sleep(1.1)
    assert "Bientôt" in _titles(client.get("/api/annonces/"))


def test_if_none_match_answers_304_until_the_body_changes(world, member, event_a):
    client, _user = caller(member, event_a, Role.PARTICIPANT, world)
    organisateur = member(Role.ORGANISATEUR, event_a).client
    for url in ("/api/sessions/?page_size=50", "/api/annonces/?page_size=50", "/api/rooms/", "/api/exposants/"):
        etag = client.get(url)["ETag"]
        same = client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_CACHE_CONTROL="no-cache")
        assert (same.status_code, same.content, same["ETag"]) == (304, b"", etag)
        assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200

    etag = client.get("/api/sessions/")["ETag"]
    organisateur.patch(f"/api/sessions/{world['talk'].pk}/", {"title": "Changé"})
    changed = client.get("/api/sessions/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag

    url = f"/api/annonces/{AnnonceFactory(event=event_a).pk}/"
    etag = client.get(url)["ETag"]
    client.post(f"{url}read/")  # a caller field changes the body, so the ETag
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_another_events_data_is_never_served(world, member, event_a, event_b):
    client_a, _ = caller(member, event_a, Role.PARTICIPANT, world)
    client_b, _ = member(Role.PARTICIPANT, event_b)
    assert _titles(client_a.get("/api/sessions/")) != []
    assert _titles(client_b.get("/api/sessions/")) == ["Autre événement"]
    assert _titles(client_b.get("/api/annonces/")) == ["Annonce B"]
    assert client_a.get(f"/api/sessions/{world['paid'].pk}/").status_code == 200
    assert client_b.get(f"/api/sessions/{world['paid'].pk}/").status_code == 404
    assert client_a.get(f"/api/sessions/{world['other'].pk}/").status_code == 404


def _more(event, room, n):
    start = event.start_date + timedelta(days=1, hours=n)
    return SessionFactory(room=room, start_time=start, end_time=start + timedelta(minutes=30))


# url: (queries of a warm hit, a row more of its list)
WARM = {
    # authentication (events/sql/auth.py) + the caller's registrations
    "/api/sessions/?page_size=50": (2, lambda event, room, n: _more(event, room, n)),
    # authentication + the caller's reads (and whether it wrote annonces)
    "/api/annonces/?page_size=50": (2, lambda event, room, n: AnnonceFactory(event=event)),
    # authentication + live occupancy
    "/api/rooms/": (2, lambda event, room, n: RoomFactory(event=event)),
    # authentication only: is_mine needs no query
    "/api/exposants/": (1, lambda event, room, n: _exposant(event, f"Stand {n}")),
    # authentication only: signed links need no query
    "/api/eposters/": (1, lambda event, room, n: make_poster(event, contribution_number=f"P-{n + 10}")),
}


@pytest.mark.parametrize("url", WARM)
def test_a_warm_hit_costs_fixed_queries(url, world, member, event_a, django_assert_num_queries):
    queries, add_row = WARM[url]
    client, _user = caller(member, event_a, Role.PARTICIPANT, world)
    client.get(url)
    with django_assert_num_queries(queries):
        first = client.get(url)
    if "ETag" in first:
        with django_assert_num_queries(queries):
            assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    for n in range(20):  # many rows: the same count once warm again
        add_row(event_a, world["room"], n)
    client.get(url)
    with django_assert_num_queries(queries):
        assert len(client.get(url).json()["results"]) >= 20
    if url != "/api/rooms/":  # a room's detail (with its sessions) is not cached
        detail = f"/api/{url.split('/')[2]}/{first.json()['results'][0]['id']}/"
        client.get(detail)
        with django_assert_num_queries(queries):
            assert client.get(detail).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_does_not_invalidate(event_a, member):
    client, _user = member(Role.PARTICIPANT, event_a)
    session = SessionFactory(room=RoomFactory(event=event_a), title="Avant")
    key = read_cache._version_key(event_a.pk, read_cache.SESSIONS)
    assert _titles(client.get("/api/sessions/")) == ["Avant"]
    version = read_cache.versions().get(key)

    with pytest.raises(RuntimeError), transaction.atomic():
        programme_services.update_session(session=session, actor=None, title="Annulé")
        assert read_cache.versions().get(key) == version  # not before the commit
        raise RuntimeError
    assert read_cache.versions().get(key) == version
    assert _titles(client.get("/api/sessions/")) == ["Avant"]

    with transaction.atomic():
        programme_services.update_session(session=Session.objects.get(pk=session.pk), actor=None, title="Après")
        assert read_cache.versions().get(key) == version
    assert read_cache.versions().get(key) != version
    assert _titles(client.get("/api/sessions/")) == ["Après"]


def test_reads_go_to_the_database_while_redis_is_unreachable(world, member, event_a, settings):
    client, _user = caller(member, event_a, Role.PARTICIPANT, world)
    expected = client.get("/api/sessions/").content
    settings.CACHES = {
        **settings.CACHES,
        "reads": {"BACKEND": "makeplus.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    assert client.get("/api/sessions/").content == expected  # the failed call switches to degraded
    assert caches["reads"].degraded
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/sessions/").content == expected
    assert len(queries) > 2  # the whole read, not a hit


def test_a_write_in_another_process_is_seen_without_redis(world, member, event_a, settings):
    """Without Redis, bodies stay in this process's memory; a write elsewhere (another gunicorn worker) changes
    the version in the directory every process reads."""
    if "read_versions" not in settings.CACHES:
        pytest.skip("with REDIS_URL, versions and bodies are in Redis, shared by every process")
    client, _user = caller(member, event_a, Role.PARTICIPANT, world)
    assert "Ouverture" in _titles(client.get("/api/sessions/"))
    elsewhere = VersionFiles(settings.CACHES["read_versions"]["LOCATION"], {})  # another process's view
    Session.objects.filter(pk=world["talk"].pk).update(title="Ouverture déplacée")  # no signal here
    assert "Ouverture" in _titles(client.get("/api/sessions/"))  # the version did not move: still the body
    elsewhere.set(read_cache._version_key(event_a.pk, read_cache.SESSIONS), "bumped-elsewhere", timeout=None)
    assert "Ouverture déplacée" in _titles(client.get("/api/sessions/"))


def test_an_indented_answer_is_read_from_the_database(world, member, event_a, settings):
    client, _user = caller(member, event_a, Role.PARTICIPANT, world)
    indented = "application/json; indent=2"
    response = client.get("/api/sessions/", HTTP_ACCEPT=indented)
    settings.READ_CACHE_ENABLED = False
    assert response.content == client.get("/api/sessions/", HTTP_ACCEPT=indented).content
    settings.READ_CACHE_ENABLED = True
    assert response.content.startswith(b'{\n  "count"')
    assert "ETag" not in response
    assert "ETag" in client.get("/api/sessions/")


@pytest.mark.django_db(transaction=True)
def test_a_body_read_during_a_write_is_not_served_after_its_commit(event_a, member):
    """The race: a reader fills the cache with what it read before a write commits; the write's version change
    (after its commit) makes that entry unusable."""
    if connection.vendor != "postgresql":
        pytest.skip("a reader beside an open write transaction: PostgreSQL")
    client, _user = member(Role.PARTICIPANT, event_a)
    session = SessionFactory(room=RoomFactory(event=event_a), title="Avant")
    written, release = threading.Event(), threading.Event()

    def write():
        try:
            with transaction.atomic():
                programme_services.update_session(session=Session.objects.get(pk=session.pk), actor=None, title="Après")
                written.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    assert written.wait(10)
    assert _titles(client.get("/api/sessions/")) == ["Avant"]  # not committed yet: the old body, now cached
    release.set()
    writer.join()
    assert _titles(client.get("/api/sessions/")) == ["Après"]


def test_the_etag_follows_what_only_a_paying_caller_sees(world, member, event_a):
    client, _user = caller(member, event_a, Role.PARTICIPANT, world)
    url = f"/api/sessions/{world['paid'].pk}/"
    etag = client.get(url)["ETag"]
    other = "https://www.youtube.com/watch?v=abcdefghijk"
    Session.objects.filter(pk=world["paid"].pk).update(youtube_live_url=other)  # nothing else of the body moves
    read_cache.changed(event_a.pk, read_cache.SESSIONS)
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert (response.status_code, response.json()["youtube_live_url"]) == (200, other)


def test_version_files_are_shared_by_processes_and_the_first_add_wins(tmp_path):
    mine, theirs = VersionFiles(tmp_path, {}), VersionFiles(tmp_path, {})  # two processes of one host

    assert (mine.add("rc:v:1:sessions", "a"), theirs.add("rc:v:1:sessions", "b")) == (True, False)
    assert theirs.get("rc:v:1:sessions") == "a"
    theirs.set_many({"rc:v:1:sessions": "c"}, timeout=None)
    assert mine.get("rc:v:1:sessions") == "c"
    assert mine.delete("rc:v:1:sessions") and theirs.get("rc:v:1:sessions") is None
    assert [path.name for path in tmp_path.iterdir()] == []  # nothing staged left behind
