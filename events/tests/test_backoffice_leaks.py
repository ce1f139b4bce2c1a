"""Issue 20 item 8: no page, filter, dropdown or list of the back office shows another event's names to an
organisateur. One sweep over EVERY model page the organisateur may open (lists, each filter of each list,
add forms, change forms of its own objects), with a full second event whose names all carry "Oran"."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from annonces.tests.factories import AnnonceFactory, AnnonceReadFactory
from events.models import Role, RoomAccess
from events.tests.backoffice import organiser
from events.tests.factories import AssignmentFactory, badge_holder
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_questions import SessionQuestionFactory
from events.tests.factories_staff import RoomAssignmentFactory
from events.tests.test_eposters import make_poster
from exposants.models import Exposant
from exposants.tests.factories import ExposantFactory, ExposantScanFactory

pytestmark = pytest.mark.django_db

MARK = "Oran"  # in every name of event B, in nothing of event A


def _world(event, prefix, *, media):
    room = RoomFactory(event=event, name=f"Salle {prefix}")
    session = SessionFactory(room=room, title=f"Conférence {prefix}")
    atelier = AtelierFactory(room=room, title=f"Atelier {prefix}", paid=True)
    holder = badge_holder(event, first_name=f"Yacine{prefix}", last_name=f"Oukil{prefix}")
    exposant_user = badge_holder(event, kind="exposant", first_name=f"Expo{prefix}", last_name=f"Sant{prefix}").user
    SessionAccessFactory(session=atelier, participant=holder, paid=True)
    controller = AssignmentFactory(
        event=event,
        role=Role.CONTROLLEUR_DES_BADGES,
        user__first_name=f"Karim{prefix}",
        user__last_name=f"Door{prefix}",
    ).user
    RoomAssignmentFactory(room=room, user=controller, role=Role.CONTROLLEUR_DES_BADGES)
    RoomAccess.objects.create(
        room=room,
        participant=holder,
        badge_input=holder.badge_id,
        scanned_at=event.start_date + timedelta(minutes=5),
        verified_by=controller,
        status="granted",
    )
    SessionQuestionFactory(session=session, asked_by=holder.user, text=f"Question {prefix} ?")
    exposant = Exposant.objects.filter(event=event, user=exposant_user).first() or ExposantFactory(
        event=event, user=exposant_user
    )
    exposant.company_name = f"Société {prefix}"
    exposant.save()
    ExposantScanFactory(exposant=exposant, participant=holder)
    annonce = AnnonceFactory(event=event, title=f"Annonce {prefix}", created_by=controller)
    AnnonceReadFactory(annonce=annonce, user=holder.user)
    make_poster(event, title=f"Poster {prefix}")
    return {"room": room, "session": session, "holder": holder}


def _admin_pages(client, objects):
    """Every list (and each of its filter choices), add form and own change form the client may open."""
    seen = []
    for model in admin.site._registry:
        opts = model._meta
        try:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        response = client.get(changelist)
        if response.status_code != 200:
            continue
        seen.append((changelist, response))
        for spec in response.context["cl"].filter_specs:
            for choice in spec.choices(response.context["cl"]):
                query = choice["query_string"]
                if query and query != "?":
                    seen.append((changelist + query, client.get(changelist + query)))
        add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        if add.status_code == 200:
            seen.append(("add " + opts.model_name, add))
        for obj in response.context["cl"].result_list[:2]:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            seen.append((url, client.get(url)))
    return seen


def test_no_page_of_the_back_office_names_another_events_objects(event_a, event_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event_b.name = "StartupWeek Oran"
    event_b.save()
    _world(event_a, "Alger", media=tmp_path)
    _world(event_b, MARK, media=tmp_path)
    client, _user = organiser(event_a, first_name="Nadia", last_name="Kaci")
    pages = _admin_pages(client, None)
    assert len(pages) > 40  # the sweep did reach the pages
    reached = {url.split("?")[0] for url, _r in pages}
    for name in ("room", "session", "participant", "roomaccess", "sessionquestion", "exposant", "annonce"):
        assert any(f"/{name}/" in url for url in reached), name
    lists = dict(pages)
    assert "Salle Alger" in lists["/admin/events/room/"].content.decode()  # the organisateur's own names do show
    for url, response in pages:
        assert response.status_code == 200, url
        html = response.content.decode()
        leaks = sorted(set(re.findall(rf"[\w-]*{MARK}[\w-]*", html)))
        assert leaks == [], f"{url}: {leaks}"
