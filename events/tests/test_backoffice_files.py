"""Issue 20 item 7: uploaded PDFs open from the back office through a signed link, under a readable name."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from events.models import Event
from events.tests.backoffice import organiser
from events.tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_programme(event_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event_a.programme_file.save("whatever.pdf", ContentFile(pdf_bytes()), save=True)
    return Event.objects.get(pk=event_a.pk)


def test_the_programme_opens_from_the_event_page(with_programme):
    client, _user = organiser(with_programme)
    html = client.get(reverse("admin:events_event_change", args=[with_programme.pk])).content.decode()
    link = re.search(r'<a href="(http://testserver/api/files/[^"]+)">([^<]+)</a>', html)
    assert link is not None
    assert link.group(2).endswith(".pdf") and "events/programmes" not in link.group(2)
    assert with_programme.programme_file.url not in html  # never the unserved media URL
    response = client.get(link.group(1).removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_events_organisateur_never_gets_the_link(with_programme, event_b):
    client, _user = organiser(event_b)
    response = client.get(reverse("admin:events_event_change", args=[with_programme.pk]), follow=True)
    assert "/api/files/" not in response.content.decode()
