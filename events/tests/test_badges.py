import base64
import struct

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.db import connection

from conftest import run_together
from events import badges
from events.badges import find_badge, public_key_payload, verify_badge
from events.models import EventBadgeKey, Role, RoomAccess
from events.services.participants import reissue_badge
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_participants import ParticipantFactory
from events.tests.factories_programme import RoomFactory

Reason = RoomAccess.Reason

pytestmark = pytest.mark.django_db


def split(qr_code: str) -> tuple[bytes, bytes]:
    """(body, signature) of a QR payload, decoded as the published format says."""
    assert qr_code.startswith("MP1.")
    encoded = qr_code[4:]
    raw = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    return raw[:29], raw[29:]


def encode(body: bytes, signature: bytes) -> str:
    return "MP1." + base64.b32encode(body + signature).decode().rstrip("=")


def body_for(event, participant_id: int, version: int) -> bytes:
    return struct.pack(">B16sQI", 1, event.pk.bytes, participant_id, version)


# --- the payload -----------------------------------------------------------------------


def test_payload_is_compact_qr_alphanumeric_text(event_a):
    participant = badge_holder(event_a)

    qr_code = participant.qr_code_data

    assert len(qr_code) == 153
    assert set(qr_code) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert badges.qr_image(qr_code).size == (490, 490)  # version 6: 41 modules + 2 × 4 quiet zone, 10 px each


def test_fresh_badge_verifies_with_only_the_public_key(event_a):
    participant = badge_holder(event_a)
    published = public_key_payload(event_a)  # what a scanner downloads once, then works offline
    public_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(published["public_key"]))

    body, signature = split(participant.qr_code_data)

    public_key.verify(signature, body)  # raises InvalidSignature otherwise
    assert struct.unpack(">B16sQI", body) == (1, event_a.pk.bytes, participant.pk, 1)
    pem_key = load_pem_public_key(published["public_key_pem"].encode())
    assert pem_key.public_bytes_raw() == public_key.public_bytes_raw()


def test_public_key_payload_fields(event_a):
    payload = public_key_payload(event_a)

    stored = bytes(EventBadgeKey.objects.get(event=event_a).public_key)
    assert set(payload) == {"event_id", "algorithm", "key_id", "public_key", "public_key_pem", "payload_format"}
    assert payload["event_id"] == event_a.pk
    assert payload["algorithm"] == "Ed25519"
    assert payload["public_key"] == base64.b64encode(stored).decode()
    assert len(stored) == 32
    assert payload["key_id"] == badges.key_id(stored)
    assert len(payload["key_id"]) == 16
    assert payload["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----\n")
    assert payload["payload_format"].startswith("MP1.<BASE32(body ‖ signature)>")


def test_one_key_pair_per_event_created_once(event_a, event_b):
    first = badges.badge_key_for(event_a)
    again = badges.badge_key_for(event_a.pk)
    other = badges.badge_key_for(event_b)

    assert EventBadgeKey.objects.count() == 2
    assert bytes(again.public_key) == bytes(first.public_key)
    assert bytes(other.public_key) != bytes(first.public_key)
    assert repr(first) == f"<EventBadgeKey event={event_a.pk}>"


# --- verification ------------------------------------------------------------------------


def test_fresh_badge_is_valid(event_a, django_assert_num_queries):
    participant = badge_holder(event_a)

    with django_assert_num_queries(1):
        check = verify_badge(participant.qr_code_data, event=event_a)
        name = check.participant.user.get_full_name()  # the holder came with the same query

    assert (check.ok, check.reason, check.participant.pk, check.badge_version, check.method) == (
        True,
        None,
        participant.pk,
        1,
        "qr_code",
    )
    assert name == participant.user.get_full_name()
    assert check.participant.event is event_a


def test_scanner_text_variants_are_accepted(event_a):
    participant = badge_holder(event_a)

    for text in (f"  {participant.qr_code_data}\n", participant.qr_code_data.lower()):
        assert verify_badge(text, event=event_a).ok


def test_tampered_version_fails_signature(event_a):
    participant = badge_holder(event_a)
    body, signature = split(participant.qr_code_data)
    forged = encode(body[:-4] + struct.pack(">I", 7), signature)

    check = verify_badge(forged, event=event_a)

    assert (check.reason, check.participant) == (Reason.INVALID_BADGE, None)


def test_tampered_participant_id_fails_signature(event_a):
    victim, other = badge_holder(event_a), badge_holder(event_a)
    body, signature = split(victim.qr_code_data)
    forged = encode(body_for(event_a, other.pk, 1), signature)

    check = verify_badge(forged, event=event_a)

    assert (check.reason, check.participant) == (Reason.INVALID_BADGE, None)


def test_flipped_signature_bit_is_invalid(event_a):
    participant = badge_holder(event_a)
    body, signature = split(participant.qr_code_data)
    forged = encode(body, bytes([signature[0] ^ 1]) + signature[1:])

    assert verify_badge(forged, event=event_a).reason == Reason.INVALID_BADGE


def test_signature_by_another_events_key_is_invalid(event_a, event_b):
    participant = badge_holder(event_a)
    other_key = Ed25519PrivateKey.from_private_bytes(bytes(badges.badge_key_for(event_b).private_key))
    body = body_for(event_a, participant.pk, 1)
    forged = encode(body, other_key.sign(body))

    check = verify_badge(forged, event=event_a)

    assert (check.reason, check.participant) == (Reason.INVALID_BADGE, None)
    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_payload(event_a)["public_key"])).verify(
            other_key.sign(body), body
        )


def test_genuine_badge_of_another_event_is_wrong_event(event_a, event_b):
    foreigner = badge_holder(event_b)

    check = verify_badge(foreigner.qr_code_data, event=event_a)

    assert (check.reason, check.participant, check.badge_version) == (Reason.WRONG_EVENT, None, 1)


def test_reissued_badge_old_code_is_revoked(event_a):
    participant = badge_holder(event_a)
    old_code, old_badge_id = participant.qr_code_data, participant.badge_id

    reissued = reissue_badge(participant=participant, actor=None)

    old = verify_badge(old_code, event=event_a)
    new = verify_badge(reissued.qr_code_data, event=event_a)
    assert (old.reason, old.participant.pk, old.badge_version) == (Reason.REVOKED, participant.pk, 1)
    assert (new.ok, new.badge_version) == (True, 2)
    assert reissued.badge_version == 2
    assert reissued.badge_id != old_badge_id
    # The typed id printed on the lost badge opens nothing either.
    assert find_badge(event=event_a, badge_id=old_badge_id).reason == Reason.INVALID_BADGE
    assert find_badge(event=event_a, badge_id=reissued.badge_id).ok


def test_revoked_wins_over_wrong_event(event_a, event_b):
    foreigner = badge_holder(event_b)
    old_code = foreigner.qr_code_data
    reissue_badge(participant=foreigner, actor=None)

    check = verify_badge(old_code, event=event_a)

    assert (check.reason, check.participant) == (Reason.REVOKED, None)  # never another event's participant


def test_version_never_issued_is_invalid(event_a):
    participant = badge_holder(event_a)
    key = Ed25519PrivateKey.from_private_bytes(bytes(badges.badge_key_for(event_a).private_key))
    body = body_for(event_a, participant.pk, 2)

    assert verify_badge(encode(body, key.sign(body)), event=event_a).reason == Reason.INVALID_BADGE


def test_unknown_participant_is_invalid(event_a):
    participant = badge_holder(event_a)
    code = participant.qr_code_data
    participant.delete()

    assert verify_badge(code, event=event_a).reason == Reason.INVALID_BADGE


@pytest.mark.parametrize("participant_id", [0, 2**63, 2**64 - 1])
def test_signed_out_of_range_participant_id_is_invalid(event_a, participant_id):
    key = Ed25519PrivateKey.from_private_bytes(bytes(badges.badge_key_for(event_a).private_key))
    body = body_for(event_a, participant_id, 1)

    assert verify_badge(encode(body, key.sign(body)), event=event_a).reason == Reason.INVALID_BADGE


def test_event_without_key_is_invalid(event_a):
    participant = ParticipantFactory(event=event_a)  # a row nothing ever signed
    body = body_for(event_a, participant.pk, 1)
    forged = encode(body, Ed25519PrivateKey.generate().sign(body))

    assert verify_badge(forged, event=event_a).reason == Reason.INVALID_BADGE
    assert not EventBadgeKey.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "hello",
        "MP1.",
        "MP1." + "A" * 149,  # decodes, but format byte 0
        "MP2." + "A" * 149,
        "MP1." + "1" * 149,  # not base32
        "MP1." + "A" * 10_000,
        "ABCD-EFGH",
    ],
)
def test_unreadable_codes_are_invalid(event_a, text, django_assert_num_queries):
    with django_assert_num_queries(0):
        check = verify_badge(text, event=event_a)

    assert (check.reason, check.participant) == (Reason.INVALID_BADGE, None)


def test_non_canonical_spelling_is_invalid(event_a):
    participant = badge_holder(event_a)
    code = participant.qr_code_data
    # 93 bytes use 744 of the 745 bits of 149 base32 characters: set the unused last bit.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    variant = code[:-1] + alphabet[alphabet.index(code[-1]) | 1]
    assert variant != code

    assert verify_badge(variant, event=event_a).reason == Reason.INVALID_BADGE


# --- typed badge ids ---------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ABCDEFGH", "abcd-efgh", " mp-ABCD EFGH ", "MPABCDEFGH", "abcd efgh"])
def test_typed_badge_id_is_normalised(event_a, typed, django_assert_num_queries):
    participant = ParticipantFactory(event=event_a, badge_id="ABCDEFGH")

    with django_assert_num_queries(1):
        check = find_badge(event=event_a, badge_id=typed)

    assert (check.ok, check.participant.pk, check.method, check.badge_version) == (True, participant.pk, "badge_id", 1)


def test_typed_badge_id_of_another_event_is_wrong_event(event_a, event_b):
    ParticipantFactory(event=event_b, badge_id="ABCDEFGH")

    check = find_badge(event=event_a, badge_id="abcd-efgh")

    assert (check.reason, check.participant) == (Reason.WRONG_EVENT, None)


def test_unknown_typed_badge_id_is_invalid(event_a):
    ParticipantFactory(event=event_a, badge_id="ABCDEFGH")

    assert find_badge(event=event_a, badge_id="ABCDEFGJ").reason == Reason.INVALID_BADGE


@pytest.mark.parametrize("typed", ["", None, "ABC", "ABCDEFGHJ", "0OIL1234", "ABCD-EFG!"])
def test_malformed_typed_badge_id_is_invalid_without_a_query(event_a, typed, django_assert_num_queries):
    with django_assert_num_queries(0):
        check = find_badge(event=event_a, badge_id=typed)

    assert (check.reason, check.method) == (Reason.INVALID_BADGE, "badge_id")


def test_qr_code_wins_over_typed_id(event_a):
    participant = badge_holder(event_a)
    ParticipantFactory(event=event_a, badge_id="ABCDEFGH")

    check = find_badge(event=event_a, qr_code=participant.qr_code_data, badge_id="ABCDEFGH")

    assert (check.participant.pk, check.method) == (participant.pk, "qr_code")


# --- the private key stays on the server ---------------------------------------------------


def _spellings(secret: bytes) -> list[str]:
    return [
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
        base64.b32encode(secret).decode().rstrip("="),
        secret.hex(),
    ]


def test_private_key_never_in_any_api_response(client_for, event_a):
    organisateur = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user
    room = RoomFactory(event=event_a)
    participant = badge_holder(event_a)
    org = client_for(organisateur, event_a)
    own = client_for(participant.user, event_a)

    responses = [
        org.get(f"/api/events/{event_a.pk}/badge-key/"),
        org.get("/api/participants/"),
        org.get(f"/api/participants/{participant.pk}/"),
        org.post("/api/participants/", {"email": "new@example.dz", "allowed_rooms": [str(room.pk)]}),
        org.patch(f"/api/participants/{participant.pk}/", {"access_all_rooms": False}),
        org.post("/api/qr/generate/", {"participant_id": participant.pk}),
        own.get("/api/participants/me/"),
        own.get("/api/participants/me/badge/"),
        own.get("/api/participants/me/badge/png/"),
        org.get(f"/api/participants/{participant.pk}/badge/png/"),
        org.get("/api/schema/"),
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 201, 200, 200, 200, 200, 200, 200, 200]
    secret = bytes(EventBadgeKey.objects.get(event=event_a).private_key)
    bodies = [r.content.decode("latin-1") for r in responses]
    for spelling in _spellings(secret):
        assert not any(spelling in body for body in bodies)
    assert not any("PRIVATE KEY" in body for body in bodies)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_use_creates_one_key_pair():
    event = EventFactory()

    keys, errors = run_together([lambda: bytes(badges.badge_key_for(event).public_key)] * 8)

    assert errors == []
    assert EventBadgeKey.objects.count() == 1
    assert set(keys) == {bytes(EventBadgeKey.objects.get().public_key)}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_reissues_lose_no_version():
    event = EventFactory()
    participant = badge_holder(event)

    _, errors = run_together([lambda: reissue_badge(participant=participant, actor=None)] * 4)

    participant.refresh_from_db()
    assert errors == []
    assert participant.badge_version == 5
    assert verify_badge(participant.qr_code_data, event=event).badge_version == 5
