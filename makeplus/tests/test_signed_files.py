"""Signed file links (makeplus/signed_files.py): the file while the link is valid, a clear refusal after."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.test import RequestFactory

from conftest import error_codes
from events.models import Event
from makeplus.signed_files import signed_file_url

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a programme\n"


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name = default_storage.save("events/programmes/3f2a.pdf", ContentFile(PDF))
    return FieldFile(None, Event._meta.get_field("programme_file"), name)


def _link(stored, **kwargs):
    return signed_file_url(RequestFactory().get("/api/auth/me/"), stored, **kwargs)


def test_a_signed_link_serves_the_file_without_authorization(api_client, stored):
    link = _link(stored, filename="Programme.pdf")

    response = api_client.get(link)

    assert link.startswith("http://testserver/api/files/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="Programme.pdf"'


def test_no_file_gives_no_link():
    assert signed_file_url(RequestFactory().get("/"), None) is None


def test_an_expired_link_is_refused(api_client, stored):
    response = api_client.get(_link(stored, minutes=-1))

    assert response.status_code == 403
    assert error_codes(response) == ["link_expired"]
    assert response.json()["message"] == "Ce lien a expiré : rouvrez le fichier depuis l’application."


@pytest.mark.parametrize("tamper", [lambda token: token[:-2] + "xx", lambda token: "x" + token, lambda token: "abc"])
def test_a_forged_link_is_a_404(api_client, stored, tamper):
    token = _link(stored).rstrip("/").rsplit("/", 1)[-1]

    response = api_client.get(f"/api/files/{tamper(token)}/")

    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]


def test_a_link_to_a_deleted_file_is_a_404(api_client, stored):
    link = _link(stored)
    default_storage.delete(stored.name)

    response = api_client.get(link)

    assert response.status_code == 404
    assert error_codes(response) == ["file_not_found"]
