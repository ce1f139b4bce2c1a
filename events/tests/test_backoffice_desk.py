"""Issue 20 item 3: the door log, occupancy reset, and the desk on a participant's page."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import assert_same_queries
from events.badges import find_badge, verify_badge
from events.models import Participant, Room, RoomAccess, Session, SessionAccess
from events.tests.backoffice import in_page_language, is_login_page, organiser, signed_in
from events.tests.factories import badge_holder
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory

pytestmark = pytest.mark.django_db

LOG = reverse("admin:events_roomaccess_changelist")
ROOMS = reverse("admin:events_room_changelist")


def desk(name, participant):
    return reverse(f"admin:events_participant_{name}", args=[participant.pk])


def _log(room, participant, verifier, *, minutes=0, status="granted", reason=""):
    return RoomAccess.objects.create(
        room=room,
        participant=participant,
        badge_input=participant.badge_id,
        scanned_at=timezone.now() - timedelta(minutes=minutes),
        verified_by=verifier,
        status=status,
        denial_reason=reason,
    )


@pytest.fixture
def door(event_a, event_b):
    atlas = RoomFactory(event=event_a, name="Salle Atlas")
    tassili = RoomFactory(event=event_b, name="Salle Tassili")
    client, user = organiser(event_a, first_name="Nadia", last_name="Kaci")
    amine = badge_holder(event_a, first_name="Amine", last_name="Ziani")
    other = badge_holder(event_b, first_name="Yacine", last_name="Oukil")
    _log(atlas, amine, user, minutes=5)
    _log(atlas, amine, user, minutes=1, status="denied", reason=RoomAccess.Reason.ROOM_FULL)
    _log(tassili, other, other.user)
    return {"client": client, "user": user, "atlas": atlas, "amine": amine, "other": other}


# --- door log --------------------------------------------------------------------------------


def test_the_door_log_lists_the_events_scans_with_names(door):
    html = door["client"].get(LOG).content.decode()
    assert html.count("Salle Atlas") >= 2
    assert "Amine Ziani" in html and "Nadia Kaci" in html
    assert "Tassili" not in html and "Yacine" not in html


def test_the_door_log_filters_list_only_the_events_rooms_and_controllers(door, event_a):
    # A filter with a single choice is not shown: a second room, a second controller.
    _log(RoomFactory(event=event_a, name="Salle Hoggar"), door["amine"], door["amine"].user)
    response = door["client"].get(LOG)
    choices = {
        spec.title: [str(c["display"]) for c in spec.choices(response.context["cl"])]
        for spec in response.context["cl"].filter_specs
    }
    flat = " ".join(" ".join(v) for v in choices.values())
    assert "Salle Atlas" in flat and "Nadia Kaci" in flat
    assert "Tassili" not in flat and "Oukil" not in flat


def test_the_door_log_filters_by_reason_and_room(door):
    cl = door["client"].get(LOG, {"denial_reason__exact": "room_full"}).context["cl"]
    assert [a.denial_reason for a in cl.result_list] == ["room_full"]
    cl = door["client"].get(LOG, {"room__id__exact": str(door["atlas"].pk)}).context["cl"]
    assert len(cl.result_list) == 2


def test_the_door_log_exports_csv(door):
    ids = [str(pk) for pk in RoomAccess.objects.filter(room=door["atlas"]).values_list("pk", flat=True)]
    response = door["client"].post(LOG, {"action": "export_as_csv", "_selected_action": ids})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3
    assert {row[2] for row in rows[1:]} == {"Amine Ziani"}


def test_the_door_log_is_read_only(door):
    access = RoomAccess.objects.filter(room=door["atlas"]).first()
    url = reverse("admin:events_roomaccess_change", args=[access.pk])
    assert door["client"].get(url).status_code == 200
    door["client"].post(url, {"status": "granted"})
    assert RoomAccess.objects.get(pk=access.pk).status == access.status
    assert door["client"].get(reverse("admin:events_roomaccess_add")).status_code == 403


def test_another_events_scan_is_not_found(door):
    theirs = RoomAccess.objects.get(room__name="Salle Tassili")
    response = door["client"].get(reverse("admin:events_roomaccess_change", args=[theirs.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert "Tassili" not in door["client"].get(response["Location"]).content.decode()


def test_a_participant_gets_the_login_page_for_the_door_log(door):
    assert is_login_page(signed_in(door["amine"].user).get(LOG))


def test_the_door_log_query_count_does_not_grow(door, event_a):
    def more():
        for _ in range(5):
            _log(door["atlas"], badge_holder(event_a), door["user"])

    assert_same_queries(lambda: door["client"].get(LOG).status_code, more)


# --- occupancy reset -------------------------------------------------------------------------


def test_occupancy_reset_goes_through_the_service(door, event_a):
    amine = door["amine"]
    Participant.objects.filter(pk=amine.pk).update(current_room=door["atlas"])
    Room.objects.filter(pk=door["atlas"].pk).update(current_participants=1)
    response = door["client"].post(
        ROOMS, {"action": "reset_occupancy", "_selected_action": [str(door["atlas"].pk)]}, follow=True
    )
    assert response.status_code == 200
    assert Room.objects.get(pk=door["atlas"].pk).current_participants == 0
    assert Participant.objects.get(pk=amine.pk).current_room is None
    exit_row = RoomAccess.objects.get(room=door["atlas"], direction="exit")
    assert exit_row.verified_by == door["user"] and exit_row.nonce.startswith("reset-")


def test_occupancy_reset_of_another_events_room_does_nothing(door, event_b):
    tassili = Room.objects.get(name="Salle Tassili")
    Room.objects.filter(pk=tassili.pk).update(current_participants=3)
    door["client"].post(ROOMS, {"action": "reset_occupancy", "_selected_action": [str(tassili.pk)]})
    assert Room.objects.get(pk=tassili.pk).current_participants == 3


# --- desk: check-in, badge, payment --------------------------------------------------------------


def test_manual_check_in(door):
    amine = door["amine"]
    page = door["client"].get(reverse("admin:events_participant_change", args=[amine.pk])).content.decode()
    assert desk("check_in", amine) in page
    assert door["client"].get(desk("check_in", amine)).status_code == 405
    response = door["client"].post(desk("check_in", amine))
    assert response.status_code == 302
    amine.refresh_from_db()
    assert amine.is_checked_in is True and amine.checked_in_at is not None
    door["client"].post(desk("check_in", amine))  # twice: still one check-in time
    assert Participant.objects.get(pk=amine.pk).checked_in_at == amine.checked_in_at


def test_print_the_persons_badge(door):
    response = door["client"].get(desk("badge_pdf", door["amine"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_reissue_and_revoke_make_the_old_badge_revoked(door, event_a):
    amine = door["amine"]
    old_code, old_id = amine.qr_code_data, amine.badge_id
    door["client"].post(desk("reissue", amine))
    amine.refresh_from_db()
    assert amine.badge_version == 2 and amine.badge_id != old_id
    assert verify_badge(old_code, event=event_a).reason == "revoked"
    code2, id2 = amine.qr_code_data, amine.badge_id
    response = door["client"].post(desk("revoke", amine))
    assert response.status_code == 302
    amine.refresh_from_db()
    # Revoked without a replacement: the current code and typed id are refused, no new badge exists.
    assert (amine.badge_version, amine.badge_id, amine.badge_revoked_at is not None) == (2, id2, True)
    assert verify_badge(code2, event=event_a).reason == "revoked"
    assert find_badge(event=event_a, badge_id=id2).reason == "revoked"
    # Re-issuing gives a new badge that opens doors again.
    door["client"].post(desk("reissue", amine))
    amine.refresh_from_db()
    assert (amine.badge_version, amine.badge_revoked_at) == (3, None)
    assert verify_badge(amine.qr_code_data, event=event_a).reason is None


def test_desk_actions_on_another_events_participant_are_404(door):
    other = door["other"]
    for name in ("check_in", "reissue", "revoke", "payment"):
        assert door["client"].post(desk(name, other)).status_code == 404, name
    assert door["client"].get(desk("badge_pdf", other)).status_code == 404
    other.refresh_from_db()
    assert other.is_checked_in is False and other.badge_version == 1


def test_a_participant_gets_the_login_page_at_the_desk(door):
    client = signed_in(door["amine"].user)
    assert is_login_page(client.post(desk("check_in", door["amine"])))
    assert is_login_page(client.get(desk("badge_pdf", door["amine"])))


def test_record_an_atelier_payment_with_a_receipt_number(door):
    amine = door["amine"]
    atelier = AtelierFactory(room=door["atlas"], paid=True, title="Atelier Drones")
    page = door["client"].get(desk("payment", amine))
    assert page.status_code == 200
    assert "Atelier Drones" in page.content.decode()
    response = door["client"].post(
        desk("payment", amine),
        {"session": str(atelier.pk), "amount": "1200.00", "method": "cash", "receipt_number": "R-0042"},
    )
    assert response.status_code == 302
    place = SessionAccess.objects.get(session=atelier, participant=amine)
    assert (place.status, place.amount, place.payment_method, place.receipt_number, place.recorded_by) == (
        "paid",
        Decimal("1200.00"),
        "cash",
        "R-0042",
        door["user"],
    )
    html = door["client"].get(reverse("admin:events_participant_change", args=[amine.pk])).content.decode()
    assert "R-0042" in html


def test_a_refused_payment_shows_the_reason_not_a_500(door):
    amine = door["amine"]
    atelier = AtelierFactory(room=door["atlas"], paid=True)
    SessionAccessFactory(session=atelier, participant=amine, paid=True)
    response = door["client"].post(desk("payment", amine), {"session": str(atelier.pk), "method": "cash"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [in_page_language(response, "This place is already paid.")]
    bad = door["client"].post(desk("payment", amine), {"session": str(atelier.pk), "method": "x", "amount": "-1"})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"method", "amount"}


def test_another_events_atelier_is_not_a_choice(door, event_b):
    theirs = AtelierFactory(room=Room.objects.get(name="Salle Tassili"), paid=True)
    response = door["client"].post(desk("payment", door["amine"]), {"session": str(theirs.pk), "method": "cash"})
    assert response.status_code == 200
    assert "session" in response.context["form"].errors
    assert not SessionAccess.objects.filter(session=theirs).exists()
    assert Session.objects.filter(pk=theirs.pk).exists()
