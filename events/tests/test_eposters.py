"""E-posters: upload and reading per role (/api/eposters/), the app's gallery
(/api/eposter/{event}/gallery/), signed file links, upload validation, the admin."""

import io
import os
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from conftest import assert_same_queries, error_codes
from events.models import EPoster, Role
from events.services.eposters import create_eposter
from events.tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db

ROLES = [Role.PARTICIPANT, Role.EXPOSANT, Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored_files(root) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _dirs, files in os.walk(root) for f in files)


def image_bytes(fmt="PNG", size=(800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name="poster.pdf", content=None, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, content_type=content_type)


def make_poster(event, **fields) -> EPoster:
    fields.setdefault("title", "Imagerie cardiaque")
    fields.setdefault("file", upload())
    return create_eposter(event=event, actor=None, **fields)


def _parse(value):
    return datetime.fromisoformat(value)


# --- the API: writes by organisateurs ----------------------------------------------------------


def test_organisateur_uploads_a_pdf_poster(organisateur, event_a, media_root):
    response = organisateur.client.post(
        "/api/eposters/",
        {
            "title": "  Imagerie cardiaque ",
            "authors": "A. Benali",
            "co_authors": "K. Haddad, S. Mansouri",
            "theme": "Cardiologie",
            "contribution_number": "P-012",
            "file": upload("mon poster.pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    poster = EPoster.objects.get()
    assert body["id"] == poster.pk
    assert body["event"] == str(event_a.pk)
    assert (body["title"], body["authors"], body["co_authors"]) == (
        "Imagerie cardiaque",
        "A. Benali",
        "K. Haddad, S. Mansouri",
    )
    assert (body["theme"], body["contribution_number"]) == ("Cardiologie", "P-012")
    assert body["file_type"] == "application/pdf"
    assert body["file"].startswith("http://testserver/api/files/")
    assert body["thumbnail"] is None  # no thumbnail is made from a PDF
    assert poster.uploaded_by == organisateur.user
    assert poster.file.name.startswith("eposters/files/") and poster.file.name.endswith(".pdf")
    assert _stored_files(media_root) == [poster.file.name]
    # The signed link opens without a token.
    download = APIClient().get(body["file"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_an_image_poster_gets_a_generated_thumbnail(organisateur, media_root):
    response = organisateur.client.post(
        "/api/eposters/",
        {"title": "Poster", "file": upload("poster.png", image_bytes("PNG", (1600, 1200)))},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    poster = EPoster.objects.get()
    assert body["file_type"] == "image/png"
    assert poster.thumbnail.name.startswith("eposters/thumbnails/") and poster.thumbnail.name.endswith(".jpg")
    with Image.open(poster.thumbnail.path) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert max(thumbnail.size) == 480
    download = APIClient().get(body["thumbnail"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"


def test_an_uploaded_thumbnail_is_kept(organisateur, media_root):
    response = organisateur.client.post(
        "/api/eposters/",
        {
            "title": "Poster",
            "file": upload("poster.jpg", image_bytes("JPEG")),
            "thumbnail": upload("mini.png", image_bytes("PNG", (100, 80))),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    poster = EPoster.objects.get()
    assert poster.thumbnail.name.endswith(".png")
    with Image.open(poster.thumbnail.path) as thumbnail:
        assert thumbnail.size == (100, 80)


def test_the_stored_name_follows_the_content_not_the_client_name(organisateur, media_root):
    response = organisateur.client.post(
        "/api/eposters/", {"title": "Poster", "file": upload("poster.pdf", image_bytes("PNG"))}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert EPoster.objects.get().file.name.endswith(".png")
    assert response.json()["file_type"] == "image/png"


@pytest.mark.parametrize(
    ("field", "file", "code"),
    [
        ("file", upload("notes.txt", b"just some text, not a poster"), "invalid_file_type"),
        ("file", upload("poster.pdf", b"%PDF-1.4 broken"), "not_a_pdf"),
        ("file", upload("poster.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "invalid_image"),
        ("file", upload("poster.gif", b"GIF89a" + b"\x00" * 64), "invalid_file_type"),
        ("file", upload("empty.pdf", b""), "empty"),
        ("thumbnail", upload("mini.pdf", pdf_bytes()), "invalid_file_type"),
    ],
    ids=["text", "broken-pdf", "broken-png", "gif", "empty", "pdf-thumbnail"],
)
def test_bad_files_are_refused_and_nothing_is_stored(organisateur, media_root, field, file, code):
    data = {"title": "Poster", "file": upload(), field: file}
    response = organisateur.client.post("/api/eposters/", data, format="multipart")
    assert response.status_code == 400, response.content
    assert error_codes(response) == [code]
    assert response.json()["errors"][0]["attr"] == field
    assert isinstance(response.json()["message"], str)
    assert EPoster.objects.count() == 0
    assert _stored_files(media_root) == []


def test_a_file_over_the_size_limit_is_refused(organisateur, media_root, settings):
    settings.MAX_UPLOAD_SIZE = 1024
    response = organisateur.client.post(
        "/api/eposters/", {"title": "Poster", "file": upload(content=pdf_bytes(5) + b" " * 2048)}, format="multipart"
    )
    assert response.status_code in (400, 413), response.content
    assert error_codes(response)[0] in ("file_too_large", "request_too_large")
    assert EPoster.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "code", "attr"),
    [
        ({"title": "Poster"}, "required", "file"),
        ({"title": "", "file": "x"}, "blank", "title"),
        ({"file": "not a file"}, "required", "title"),
        ({"title": "P", "file": "not a file"}, "invalid", "file"),
        ({"title": "P" * 301, "file": "x"}, "max_length", "title"),
        ({"title": "P", "file": "x", "submitted_at": "hier"}, "invalid", "submitted_at"),
    ],
)
def test_bad_fields_are_refused(organisateur, media_root, data, code, attr):
    response = organisateur.client.post("/api/eposters/", data, format="multipart")
    assert response.status_code == 400, response.content
    assert (code, attr) in [(error["code"], error["attr"]) for error in response.json()["errors"]]


def test_json_body_without_a_file_is_refused(organisateur):
    response = organisateur.client.post("/api/eposters/", {"title": "Poster", "file": None}, format="json")
    assert response.status_code == 400
    assert error_codes(response) == ["null"]


def test_replacing_the_file_replaces_the_thumbnail_and_deletes_the_old_files(
    organisateur, event_a, media_root, django_capture_on_commit_callbacks
):
    poster = make_poster(event_a, file=upload("a.png", image_bytes("PNG")))
    old = _stored_files(media_root)
    assert len(old) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = organisateur.client.patch(
            f"/api/eposters/{poster.pk}/", {"file": upload("b.pdf"), "theme": "Neuro"}, format="multipart"
        )
    assert response.status_code == 200, response.content
    poster.refresh_from_db()
    assert poster.theme == "Neuro"
    assert poster.file.name.endswith(".pdf") and not poster.thumbnail
    assert response.json()["thumbnail"] is None
    assert _stored_files(media_root) == [poster.file.name]


def test_deleting_a_poster_deletes_its_files(organisateur, event_a, media_root, django_capture_on_commit_callbacks):
    poster = make_poster(event_a, file=upload("a.png", image_bytes("PNG")))
    with django_capture_on_commit_callbacks(execute=True):
        response = organisateur.client.delete(f"/api/eposters/{poster.pk}/")
    assert response.status_code == 204
    assert EPoster.objects.count() == 0
    assert _stored_files(media_root) == []


# --- the API: reads per role, scoping -------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_members_read_but_do_not_write(member, event_a, media_root, role):
    poster = make_poster(event_a, contribution_number="P-1")
    client, _user = member(role, event_a)
    listed = client.get("/api/eposters/")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["results"]] == [poster.pk]
    assert client.get(f"/api/eposters/{poster.pk}/").status_code == 200
    created = client.post("/api/eposters/", {"title": "X", "file": upload()}, format="multipart")
    assert created.status_code == 403
    assert error_codes(created) == ["insufficient_role"]
    assert client.patch(f"/api/eposters/{poster.pk}/", {"title": "Y"}).status_code == 403
    assert client.delete(f"/api/eposters/{poster.pk}/").status_code == 403
    assert EPoster.objects.get().title == "Imagerie cardiaque"


def test_anonymous_is_refused(event_a, media_root):
    poster = make_poster(event_a)
    assert APIClient().get("/api/eposters/").status_code == 401
    assert APIClient().get(f"/api/eposters/{poster.pk}/").status_code == 401


def test_another_events_poster_is_a_404(member, event_a, event_b, media_root):
    theirs = make_poster(event_b, title="Autre salon")
    client, _user = member(Role.ORGANISATEUR, event_a)
    assert client.get("/api/eposters/").json()["results"] == []
    for response in (
        client.get(f"/api/eposters/{theirs.pk}/"),
        client.patch(f"/api/eposters/{theirs.pk}/", {"title": "Pris"}),
        client.delete(f"/api/eposters/{theirs.pk}/"),
    ):
        assert response.status_code == 404
        assert error_codes(response) == ["not_found"]
    assert EPoster.objects.get().title == "Autre salon"


def test_search_with_q_or_search(organisateur, event_a, media_root):
    make_poster(event_a, title="Imagerie cardiaque", authors="Benali", theme="Cardiologie", contribution_number="P-1")
    make_poster(event_a, title="Diabète de type 2", authors="Haddad", theme="Endocrinologie", contribution_number="P-2")

    def titles(query):
        return [item["title"] for item in organisateur.client.get(f"/api/eposters/?{query}").json()["results"]]

    assert titles("q=cardio") == ["Imagerie cardiaque"]
    assert titles("q=haddad") == ["Diabète de type 2"]
    assert titles("q=endocrino") == ["Diabète de type 2"]
    assert titles("search=benali") == ["Imagerie cardiaque"]
    assert titles("q=") == ["Imagerie cardiaque", "Diabète de type 2"]
    assert titles("q=nothing") == []
    assert titles("q=car%00dio") == ["Imagerie cardiaque"]  # a NUL is dropped (PostgreSQL cannot compare it)


def test_list_query_count_does_not_grow(organisateur, event_a, media_root):
    make_poster(event_a, contribution_number="P-0")
    first, second = assert_same_queries(
        lambda: organisateur.client.get("/api/eposters/"),
        lambda: [make_poster(event_a, contribution_number=f"P-{n}") for n in range(1, 4)],
    )
    assert (first.json()["count"], second.json()["count"]) == (1, 4)


# --- the app's gallery --------------------------------------------------------------------------


def gallery(client, event, query=""):
    return client.get(f"/api/eposter/{event.pk}/gallery/{query}")


def test_gallery_for_a_member_has_the_apps_types(member, event_a, media_root):
    make_poster(
        event_a,
        title="Imagerie cardiaque",
        authors="A. Benali",
        co_authors="K. Haddad",
        theme="Cardiologie",
        contribution_number="P-012",
    )
    client, _user = member(Role.PARTICIPANT, event_a)
    response = gallery(client, event_a)
    assert response.status_code == 200  # the app accepts 200 only
    body = response.json()
    assert list(body) == ["results"]
    (item,) = body["results"]
    assert isinstance(item["id"], str) and item["id"] == str(EPoster.objects.get().pk)
    for name in ("contribution_number", "title", "authors", "co_authors"):
        assert isinstance(item[name], str)
    assert (item["contribution_number"], item["title"], item["authors"], item["co_authors"]) == (
        "P-012",
        "Imagerie cardiaque",
        "A. Benali",
        "K. Haddad",
    )
    assert _parse(item["submitted_at"]).utcoffset() is not None
    assert isinstance(item["pdf_url"], str)
    download = APIClient().get(item["pdf_url"])  # the phone's browser: no Authorization
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "p-012-imagerie-cardiaque.pdf" in download["Content-Disposition"]


def test_gallery_is_complete_and_searchable(member, event_a, media_root):
    for n in range(25):
        make_poster(event_a, title=f"Poster {n:02}", contribution_number=f"P-{n:02}", theme="Neuro" if n < 3 else "")
    client, _user = member(Role.EXPOSANT, event_a)
    assert len(gallery(client, event_a).json()["results"]) == 25  # not paged by 20
    found = gallery(client, event_a, "?q=neuro").json()["results"]
    assert [item["contribution_number"] for item in found] == ["P-00", "P-01", "P-02"]


def test_gallery_of_another_event_is_a_404_for_a_member_of_another_event(member, event_a, event_b, media_root):
    make_poster(event_b)
    client, _user = member(Role.PARTICIPANT, event_a)
    response = gallery(client, event_b)
    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]
    assert isinstance(response.json()["message"], str)


def test_gallery_of_an_unknown_event(member, event_a):
    client, _user = member(Role.PARTICIPANT, event_a)
    assert client.get("/api/eposter/00000000-0000-0000-0000-000000000000/gallery/").status_code == 404
    assert APIClient().get("/api/eposter/00000000-0000-0000-0000-000000000000/gallery/").status_code == 401
    assert client.get("/api/eposter/not-a-uuid/gallery/").status_code == 404


def test_gallery_needs_sign_in_unless_the_event_made_it_public(event_a, event_b, media_root, member):
    make_poster(event_a, title="Public")
    anonymous = APIClient()
    refused = gallery(anonymous, event_a)
    assert refused.status_code == 401
    assert error_codes(refused) == ["not_authenticated"]
    event_a.eposters_public = True
    event_a.save()
    response = gallery(anonymous, event_a)
    assert response.status_code == 200
    assert [item["title"] for item in response.json()["results"]] == ["Public"]
    # Public: a member of another event sees it too.
    client, _user = member(Role.PARTICIPANT, event_b)
    assert gallery(client, event_a).status_code == 200


def test_gallery_bad_input(member, event_a):
    client, _user = member(Role.PARTICIPANT, event_a)
    response = gallery(client, event_a, "?q=" + "x" * 201)
    assert response.status_code == 400
    assert error_codes(response) == ["max_length"]


def test_an_expired_link_is_refused(member, event_a, media_root, settings):
    make_poster(event_a)
    client, _user = member(Role.PARTICIPANT, event_a)
    settings.SIGNED_FILE_MINUTES = -1
    url = gallery(client, event_a).json()["results"][0]["pdf_url"]
    response = APIClient().get(url)
    assert response.status_code == 403
    assert error_codes(response) == ["link_expired"]
    forged = APIClient().get(url[:-6] + "AAAAA/")
    assert forged.status_code == 404


def test_gallery_query_count_does_not_grow(member, event_a, media_root):
    make_poster(event_a, contribution_number="P-0")
    client, _user = member(Role.PARTICIPANT, event_a)
    first, second = assert_same_queries(
        lambda: gallery(client, event_a),
        lambda: [make_poster(event_a, contribution_number=f"P-{n}") for n in range(1, 4)],
    )
    assert (len(first.json()["results"]), len(second.json()["results"])) == (1, 4)


# --- the event's fields ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "ok"), [("#1A2b3C", True), ("", True), ("1A2B3C", False), ("#12345", False)])
def test_primary_color_is_validated(organisateur, event_a, value, ok):
    response = organisateur.client.patch(f"/api/events/{event_a.pk}/", {"primary_color": value})
    if ok:
        assert response.status_code == 200, response.content
        assert response.json()["primary_color"] == value
    else:
        assert response.status_code == 400
        assert error_codes(response) == ["invalid_color"]


def test_eposters_public_is_set_by_the_organisateur(organisateur, event_a):
    response = organisateur.client.patch(f"/api/events/{event_a.pk}/", {"eposters_public": True})
    assert response.status_code == 200
    assert response.json()["eposters_public"] is True
    event_a.refresh_from_db()
    assert event_a.eposters_public


# --- the admin ------------------------------------------------------------------------------------------


def test_admin_upload_makes_the_thumbnail(organisateur_admin, event_a, event_b, media_root):
    client, user = organisateur_admin
    response = client.post(
        "/admin/events/eposter/add/",
        {
            "event": str(event_a.pk),
            "title": "Poster admin",
            "authors": "B. Kaci",
            "co_authors": "",
            "theme": "",
            "contribution_number": "A-1",
            "file": upload("poster.jpg", image_bytes("JPEG")),
            "submitted_at_0": "2026-05-01",
            "submitted_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    poster = EPoster.objects.get()
    assert (poster.title, poster.uploaded_by, poster.event) == ("Poster admin", user, event_a)
    assert poster.thumbnail.name.endswith(".jpg")
    # Another event's posters are out of reach.
    theirs = make_poster(event_b)
    assert client.get(f"/admin/events/eposter/{theirs.pk}/change/").status_code == 302
    listing = client.get("/admin/events/eposter/")
    assert listing.status_code == 200
    assert "Poster admin" in listing.content.decode() and "Imagerie cardiaque" not in listing.content.decode()


def test_admin_refuses_a_bad_file(organisateur_admin, event_a, media_root):
    client, _user = organisateur_admin
    response = client.post(
        "/admin/events/eposter/add/",
        {
            "event": str(event_a.pk),
            "title": "Poster",
            "file": upload("notes.txt", b"hello"),
            "submitted_at_0": "2026-05-01",
            "submitted_at_1": "10:00:00",
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert EPoster.objects.count() == 0


def test_an_image_too_large_to_decode_is_refused(organisateur, media_root):
    buffer = io.BytesIO()
    Image.new("1", (8000, 7000)).save(buffer, format="PNG")  # 56 megapixels in a few kB
    response = organisateur.client.post(
        "/api/eposters/", {"title": "Poster", "file": upload("huge.png", buffer.getvalue())}, format="multipart"
    )
    assert response.status_code == 400
    assert error_codes(response) == ["image_too_large"]
    assert EPoster.objects.count() == 0


def test_patch_bad_input(organisateur, event_a, media_root):
    poster = make_poster(event_a)
    for body, fmt, code in [
        ({"file": upload("x.txt", b"plain text")}, "multipart", "invalid_file_type"),
        ({"file": None}, "json", "null"),
        ({"title": ""}, "json", "blank"),
        ({"thumbnail": upload("t.gif", b"GIF89a....")}, "multipart", "invalid_file_type"),
        ({"submitted_at": "1850-01-01T00:00:00Z"}, "json", "date_out_of_range"),
    ]:
        response = organisateur.client.patch(f"/api/eposters/{poster.pk}/", body, format=fmt)
        assert response.status_code == 400, (body, response.content)
        assert error_codes(response) == [code]
    assert organisateur.client.get("/api/eposters/abc/").status_code == 404
    poster.refresh_from_db()
    assert poster.title == "Imagerie cardiaque" and poster.file.name.endswith(".pdf")
