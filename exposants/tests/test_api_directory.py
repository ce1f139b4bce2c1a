"""/api/exposants/: the directory, profiles, stand plans."""

import pytest

from conftest import assert_same_queries, error_codes
from events.models import Role
from events.tests.factories import AssignmentFactory
from events.tests.pdfs import pdf_bytes, pdf_upload
from exposants.models import Exposant
from exposants.tests.factories import ExposantFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/api/exposants/"
ME = "/api/exposants/me/"


def listed_exposant(event, **fields) -> Exposant:
    """A profile whose user holds the exposant role in the event (so the directory lists it)."""
    profile = ExposantFactory(event=event, **fields)
    AssignmentFactory(user=profile.user, event=event, role=Role.EXPOSANT)
    return profile


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- directory ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_member_browses_the_directory(member, event_a, role):
    profile = listed_exposant(
        event_a,
        company_name="Atlas Cloud Algérie",
        description="Cloud souverain",
        stand_number="A12",
        stand_location="Hall A",
        website="https://www.atlascloud.dz",
        contact_email="contact@atlascloud.dz",
        contact_phone="+213 23 45 12 12",
    )
    client, _ = member(role, event_a)

    response = client.get(DIRECTORY)

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": profile.pk,
            "company_name": "Atlas Cloud Algérie",
            "description": "Cloud souverain",
            "stand_number": "A12",
            "stand_location": "Hall A",
            "website": "https://www.atlascloud.dz",
            "logo_url": "",
            "contact_email": "contact@atlascloud.dz",
            "contact_phone": "+213 23 45 12 12",
            "plan_file": None,
            "is_active": True,
            "is_mine": False,
            "created_at": response.json()["results"][0]["created_at"],
            "updated_at": response.json()["results"][0]["updated_at"],
        }
    ]


def test_directory_lists_the_current_event_only(member, event_a, event_b):
    mine = listed_exposant(event_a, company_name="Cirta Solaire")
    theirs = listed_exposant(event_b, company_name="El Bahia Pay")
    client, _ = member(Role.PARTICIPANT, event_a)

    assert [r["id"] for r in client.get(DIRECTORY).json()["results"]] == [mine.pk]
    assert client.get(f"{DIRECTORY}{theirs.pk}/").status_code == 404
    assert client.get(f"{DIRECTORY}{theirs.pk}/plan/").status_code == 404


def test_directory_search_by_company_and_stand(member, event_a):
    atlas = listed_exposant(event_a, company_name="Atlas Cloud Algérie", stand_number="A12")
    hoggar = listed_exposant(event_a, company_name="Hoggar Cybersécurité", stand_number="B04")
    client, _ = member(Role.PARTICIPANT, event_a)

    def found(term):
        return [r["id"] for r in client.get(DIRECTORY, {"search": term}).json()["results"]]

    assert found("atlas") == [atlas.pk]
    assert found("b04") == [hoggar.pk]
    assert found("cyber") == [hoggar.pk]
    assert found("oran") == []


def test_former_exposants_are_hidden_except_from_organisateurs(member, event_a):
    current = listed_exposant(event_a, company_name="A")
    former = listed_exposant(event_a, company_name="B")
    former.user.event_assignments.update(is_active=False)
    participant, _ = member(Role.PARTICIPANT, event_a)
    organisateur, _ = member(Role.ORGANISATEUR, event_a)

    assert [r["id"] for r in participant.get(DIRECTORY).json()["results"]] == [current.pk]
    assert participant.get(f"{DIRECTORY}{former.pk}/").status_code == 404
    assert [(r["id"], r["is_active"]) for r in organisateur.get(DIRECTORY).json()["results"]] == [
        (current.pk, True),
        (former.pk, False),
    ]
    assert [r["id"] for r in organisateur.get(DIRECTORY, {"is_active": "false"}).json()["results"]] == [former.pk]


def test_directory_query_count_is_the_same_for_1_and_50(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a)
    listed_exposant(event_a)

    few, many = assert_same_queries(
        lambda: client.get(DIRECTORY, {"page_size": 100}), lambda: [listed_exposant(event_a) for _ in range(49)]
    )

    assert (few.status_code, many.status_code) == (200, 200)
    assert (few.json()["count"], many.json()["count"]) == (1, 50)


# --- editing -------------------------------------------------------------------------------------


def test_me_creates_and_shows_the_exposants_own_profile(member, event_a):
    client, user = member(Role.EXPOSANT, event_a)
    user.company = "Rhumel AgriTech"
    user.save()

    response = client.get(ME)

    assert response.status_code == 200
    assert response.json()["company_name"] == "Rhumel AgriTech"
    assert response.json()["is_mine"] is True
    assert Exposant.objects.get(event=event_a, user=user).pk == response.json()["id"]
    assert client.get(ME).json()["id"] == response.json()["id"]


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.EXPOSANT])
def test_me_is_for_exposants(member, event_a, role):
    client, _ = member(role, event_a)

    response = client.get(ME)

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]


def test_exposant_edits_its_own_profile(exposant):
    response = exposant.client.patch(
        ME, {"company_name": "Atlas Cloud", "stand_number": "A12", "website": "https://atlas.dz"}
    )

    assert response.status_code == 200
    assert (response.json()["company_name"], response.json()["stand_number"]) == ("Atlas Cloud", "A12")
    by_id = exposant.client.patch(f"{DIRECTORY}{exposant.profile.pk}/", {"stand_location": "Allée A"})
    assert by_id.status_code == 200
    exposant.profile.refresh_from_db()
    assert (exposant.profile.company_name, exposant.profile.stand_location) == ("Atlas Cloud", "Allée A")


def test_exposant_cannot_edit_another_profile(exposant, event_a):
    other = listed_exposant(event_a, company_name="Hoggar")

    response = exposant.client.patch(f"{DIRECTORY}{other.pk}/", {"company_name": "Piraté"})

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]
    other.refresh_from_db()
    assert other.company_name == "Hoggar"


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.CONTROLLEUR_DES_BADGES, Role.GESTIONNAIRE_DES_SALLES])
def test_other_roles_cannot_edit_profiles(member, event_a, role):
    profile = listed_exposant(event_a)
    client, _ = member(role, event_a)

    assert client.patch(f"{DIRECTORY}{profile.pk}/", {"company_name": "X"}).status_code == 403


def test_organisateur_edits_any_profile_of_its_event(organisateur, event_a, event_b):
    client = organisateur.client
    profile = listed_exposant(event_a)
    elsewhere = listed_exposant(event_b)

    response = client.patch(f"{DIRECTORY}{profile.pk}/", {"stand_number": "C01"})

    assert response.status_code == 200
    assert response.json()["stand_number"] == "C01"
    assert client.patch(f"{DIRECTORY}{elsewhere.pk}/", {"stand_number": "C01"}).status_code == 404


def test_a_taken_stand_number_is_409(organisateur, event_a):
    listed_exposant(event_a, stand_number="A12")
    profile = listed_exposant(event_a, stand_number="B01")

    response = organisateur.client.patch(f"{DIRECTORY}{profile.pk}/", {"stand_number": "A12"})

    assert response.status_code == 409
    assert error_codes(response) == ["stand_number_taken"]


@pytest.mark.parametrize(
    ("payload", "attr", "code"),
    [
        ({"website": "pas-une-url"}, "website", "invalid"),
        ({"contact_email": "nope"}, "contact_email", "invalid"),
        ({"company_name": "x" * 201}, "company_name", "max_length"),
    ],
)
def test_bad_profile_fields_are_400(exposant, payload, attr, code):
    response = exposant.client.patch(ME, payload)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(attr, code)]


def test_profiles_are_not_created_or_deleted_through_the_directory(organisateur, event_a):
    client = organisateur.client
    profile = listed_exposant(event_a)

    assert client.post(DIRECTORY, {"company_name": "X"}).status_code == 405
    assert client.delete(f"{DIRECTORY}{profile.pk}/").status_code == 405


# --- stand plan ----------------------------------------------------------------------------------


def test_upload_and_download_the_plan(exposant, member, event_a, media_root):
    content = pdf_bytes(pages=2)

    response = exposant.client.patch(ME, {"plan_file": pdf_upload("Plan stand A12.pdf", content)}, format="multipart")

    assert response.status_code == 200
    assert response.json()["plan_file"] == f"http://testserver/api/exposants/{exposant.profile.pk}/plan/"
    stored = stored_files(media_root)
    assert len(stored) == 1 and stored[0].startswith("exposants/plans/") and "A12" not in stored[0]
    participant, _ = member(Role.PARTICIPANT, event_a)
    download = participant.get(f"/api/exposants/{exposant.profile.pk}/plan/", HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == content


def test_download_without_a_plan_is_404(exposant):
    response = exposant.client.get(f"/api/exposants/{exposant.profile.pk}/plan/")

    assert response.status_code == 404
    assert error_codes(response) == ["file_not_found"]


def test_download_requires_authentication(api_client, exposant):
    assert api_client.get(f"/api/exposants/{exposant.profile.pk}/plan/").status_code == 401


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (lambda: pdf_upload("plan.png"), "invalid_extension"),
        (lambda: pdf_upload("plan.pdf", b"\x89PNG\r\n\x1a\n not a pdf"), "not_a_pdf"),
        (lambda: pdf_upload("plan.pdf", b"%PDF-1.7\n no pages at all"), "not_a_pdf"),
        (lambda: pdf_upload("plan.pdf", b""), "empty"),
        (lambda: pdf_upload("plan.pdf", pdf_bytes() + b"\0" * 2048), "file_too_large"),
    ],
)
def test_bad_plans_are_refused_and_nothing_is_stored(exposant, media_root, settings, upload, code):
    settings.MAX_UPLOAD_SIZE = 2048

    response = exposant.client.patch(ME, {"plan_file": upload()}, format="multipart")

    assert response.status_code == (413 if code == "file_too_large" else 400)  # too large: 413 (README)
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("plan_file", code)]
    assert stored_files(media_root) == []
    exposant.profile.refresh_from_db()
    assert not exposant.profile.plan_file


def test_replacing_then_removing_the_plan_cleans_storage(exposant, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        exposant.client.patch(ME, {"plan_file": pdf_upload("v1.pdf")}, format="multipart")
    first = stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        exposant.client.patch(ME, {"plan_file": pdf_upload("v2.pdf")}, format="multipart")
    second = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        response = exposant.client.patch(ME, {"plan_file": None})

    assert len(first) == len(second) == 1 and first != second
    assert response.json()["plan_file"] is None
    assert stored_files(media_root) == []
