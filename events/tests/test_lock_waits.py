"""Bounded waits (PostgreSQL lock_timeout, settings.py): a door scan meeting a row held by a slow transaction
gives up with a retryable 503 instead of holding its worker, writes nothing, and reads are not stalled."""

import threading

import pytest
from django.db import connection, transaction

from conftest import error_codes
from events.models import Room, RoomAccess
from events.tests.factories import badge_holder
from events.tests.factories_programme import RoomFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and lock_timeout are PostgreSQL's"),
]

HELD_SECONDS = 15  # far beyond lock_timeout: the scan answers while the row is still held


def _holding(room_pk):
    """Starts a transaction holding the room's row; returns release()."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Room.objects.select_for_update().get(pk=room_pk)
                locked.set()
                release.wait(HELD_SECONDS)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(5)

    def done():
        release.set()
        thread.join()

    return done, release


def test_a_scan_on_a_locked_room_is_a_retryable_503_and_reads_go_on(organisateur, event_a):
    room = RoomFactory(event=event_a, capacity=5)
    alice = badge_holder(event_a)
    url = f"/api/rooms/{room.pk}/verify_access/"
    # A 5xx is reported like a crash (got_request_exception); the test client would re-raise it.
    organisateur.client.raise_request_exception = False
    release, released = _holding(room.pk)
    try:
        scan = organisateur.client.post(url, {"qr_code": alice.qr_code_data, "nonce": "door-1"})
        answered_while_held = not released.is_set()
        programme = organisateur.client.get("/api/sessions/")
    finally:
        release()

    assert answered_while_held
    assert (scan.status_code, error_codes(scan), scan["Retry-After"]) == (503, ["busy"], "1")
    assert scan.json()["message"] == "Le serveur est occupé : réessayez dans un instant."
    assert programme.status_code == 200
    assert RoomAccess.objects.count() == 0
    assert Room.objects.get(pk=room.pk).current_participants == 0
    # The door app retries with the same nonce once the row is free: one entry, as if the first had not happened.
    retry = organisateur.client.post(url, {"qr_code": alice.qr_code_data, "nonce": "door-1"})
    assert retry.json()["status"] == "granted"
    assert RoomAccess.objects.count() == 1
    assert Room.objects.get(pk=room.pk).current_participants == 1
