"""Signed badges: one Ed25519 key pair per event, a compact QR payload, offline-verifiable.

Payload (what the QR code holds, 153 ASCII characters)::

    MP1.<BASE32(body ‖ signature)>

* ``body`` (29 bytes): format (1 byte, = 1) ‖ event id (16 bytes, the UUID) ‖ participant id
  (8 bytes, unsigned big-endian) ‖ badge version (4 bytes, unsigned big-endian);
* ``signature`` (64 bytes): Ed25519 signature of ``body`` by the event's private key;
* base32 is RFC 4648, upper case, without ``=`` padding.

Why base32 and not base64: prefix and base32 text use only characters of the QR
*alphanumeric* mode (5.5 bits per character instead of 8), so the code fits a version 6
QR at error correction M (41×41 modules) where base64url needs version 8 (49×49):
larger modules on the printed badge, faster scans at the door.

A scanner verifies offline with the event's public key (``GET /api/events/{id}/badge-key/``):
decode, check the signature, compare the event id. Only the server knows the current
badge version, so an offline scanner cannot tell a revoked badge; the server does.

The private key is read only to sign (:func:`sign_badge`); it never leaves this module,
never appears in an API response, the admin or a log line. Nothing here is kept in
process memory: every call reads the key row from the database (several app processes
share one database).
"""

import base64
import binascii
import hashlib
import io
import struct
import uuid
from dataclasses import dataclass

import qrcode
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import IntegrityError, transaction
from django.db.models import OuterRef

from events.models import Event, EventBadgeKey, Participant, RoomAccess
from events.models.participants import BADGE_ALPHABET, BADGE_ID_LENGTH, normalize_badge_id

ALGORITHM = "Ed25519"
PREFIX = "MP1."
FORMAT_VERSION = 1
_BODY = struct.Struct(">B16sQI")  # format, event uuid, participant id, badge version
SIGNATURE_SIZE = 64
PAYLOAD_BYTES = _BODY.size + SIGNATURE_SIZE  # 29 + 64 = 93
PAYLOAD_LENGTH = len(PREFIX) + -(-PAYLOAD_BYTES * 8 // 5)  # 4 + 149 = 153 characters

PAYLOAD_FORMAT = (
    "MP1.<BASE32(body ‖ signature)>: RFC 4648 base32, upper case, no '=' padding (153 characters). "
    "body = 29 bytes: format (1 byte, value 1) ‖ event id (16 bytes, UUID) ‖ participant id "
    "(8 bytes, unsigned big-endian) ‖ badge version (4 bytes, unsigned big-endian). "
    "signature = 64 bytes, Ed25519 signature of body by this event's key. A badge is genuine "
    "for this event when the signature verifies with this public key and the event id equals "
    "this event's id; revocation (a re-issued badge) is known only to the server."
)

# Why a badge is refused: the door's first three reasons, decided in this order (the first one wins):
# INVALID_BADGE (unreadable, bad signature, unknown holder), REVOKED (a genuine code of an older badge
# version: the badge was re-issued), WRONG_EVENT (a genuine badge of another event).
Reason = RoomAccess.Reason

# Printed badges: error correction M (15 %) keeps the QR at version 6 for our payload.
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QR_BOX_SIZE = 10  # pixels per module in the PNG
QR_BORDER = 4  # modules of quiet zone (the QR standard's minimum)


@dataclass(frozen=True)
class BadgeCheck:
    """The verdict on a scanned or typed badge.

    ``participant`` is set when the badge is valid, and for a revoked badge of the same
    event (the door log may name who tried); never for a badge of another event.
    ``badge_version`` is the version read from the QR code (None for a typed badge id).
    """

    reason: str | None
    participant: Participant | None = None
    badge_version: int | None = None
    method: str = "qr_code"  # or "badge_id"

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class BadgePayload:
    event_id: uuid.UUID
    participant_id: int
    badge_version: int
    body: bytes
    signature: bytes


# --- keys -------------------------------------------------------------------------------


def badge_key_for(event) -> EventBadgeKey:
    """The event's key pair, created on first use. Safe when two processes race to create it."""
    event_id = getattr(event, "pk", event)
    key = EventBadgeKey.objects.filter(event_id=event_id).first()
    if key is not None:
        return key
    private = Ed25519PrivateKey.generate()
    try:
        with transaction.atomic():
            return EventBadgeKey.objects.create(
                event_id=event_id,
                private_key=private.private_bytes_raw(),
                public_key=private.public_key().public_bytes_raw(),
            )
    except IntegrityError:  # another process created it first: use that one
        return EventBadgeKey.objects.get(event_id=event_id)


def key_id(public_key: bytes) -> str:
    """A short fingerprint of a public key (16 hex characters)."""
    return hashlib.sha256(bytes(public_key)).hexdigest()[:16]


def public_key_payload(event: Event) -> dict:
    """What scanners need to verify the event's badges offline (no secret in it)."""
    public = bytes(badge_key_for(event).public_key)
    pem = Ed25519PublicKey.from_public_bytes(public).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "event_id": event.pk,
        "algorithm": ALGORITHM,
        "key_id": key_id(public),
        "public_key": base64.b64encode(public).decode("ascii"),
        "public_key_pem": pem.decode("ascii"),
        "payload_format": PAYLOAD_FORMAT,
    }


# --- payload ----------------------------------------------------------------------------


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def parse_badge(qr_code: str) -> BadgePayload | None:
    """Decode a QR payload without verifying it; None when it is not one of ours."""
    text = (qr_code or "").strip().upper() if isinstance(qr_code, str) else ""
    if len(text) != PAYLOAD_LENGTH or not text.startswith(PREFIX):
        return None
    encoded = text[len(PREFIX) :]
    try:
        raw = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    except (binascii.Error, ValueError):
        return None
    # Only the canonical spelling (the unused last bits at zero): one badge, one text.
    if len(raw) != PAYLOAD_BYTES or _b32(raw) != encoded:
        return None
    body, signature = raw[: _BODY.size], raw[_BODY.size :]
    fmt, event_bytes, participant_id, version = _BODY.unpack(body)
    if fmt != FORMAT_VERSION:
        return None
    return BadgePayload(uuid.UUID(bytes=event_bytes), participant_id, version, body, signature)


def sign_badge(participant: Participant) -> str:
    """The QR payload of the participant's current badge version (reads the event's key row)."""
    key = badge_key_for(participant.event_id)
    private = Ed25519PrivateKey.from_private_bytes(bytes(key.private_key))
    body = _BODY.pack(
        FORMAT_VERSION, uuid.UUID(str(participant.event_id)).bytes, participant.pk, participant.badge_version
    )
    return PREFIX + _b32(body + private.sign(body))


# --- verification (the door scan reuses these) -------------------------------------------


def _holders():
    """Badge holders with their account, in one query (the door scan reads its holder in its own
    statement, locked: events/sql/access.py)."""
    return Participant.objects.select_related("user").order_by()


def verify_badge(qr_code: str, *, event: Event) -> BadgeCheck:
    """Check a scanned QR code against ``event``: one query (participant, user, signing key)."""
    payload = parse_badge(qr_code)
    if payload is None:
        return BadgeCheck(Reason.INVALID_BADGE)
    # The signing key comes as a column of the holder's row (the public half only), not through the
    # Event row: the caller's event is the one that counts, loading another copy of it costs for nothing.
    participant = (
        _holders()
        .annotate(badge_public_key=EventBadgeKey.objects.filter(event=OuterRef("event_id")).values("public_key"))
        .filter(pk=payload.participant_id, event_id=payload.event_id)
        .first()
    )
    return judge_badge(payload, participant, participant and participant.badge_public_key, event=event)


def judge_badge(payload: BadgePayload, participant: Participant | None, public_key, *, event: Event) -> BadgeCheck:
    """The verdict on a decoded QR code, given the holder it names (None: no such badge holder in the
    event it names) and that event's public key (None: nothing was ever signed for it)."""
    if participant is None or public_key is None:
        return BadgeCheck(Reason.INVALID_BADGE, badge_version=payload.badge_version)
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(payload.signature, payload.body)
    except InvalidSignature:
        return BadgeCheck(Reason.INVALID_BADGE, badge_version=payload.badge_version)
    same_event = participant.event_id == event.pk
    if same_event:
        participant.event = event  # the caller's instance: no query for it later
    if payload.badge_version != participant.badge_version:
        # A newer version than the current one was never issued: not ours.
        reason = Reason.REVOKED if payload.badge_version < participant.badge_version else Reason.INVALID_BADGE
        return BadgeCheck(reason, participant if same_event else None, payload.badge_version)
    if not same_event:
        return BadgeCheck(Reason.WRONG_EVENT, badge_version=payload.badge_version)
    if participant.badge_revoked_at is not None:  # revoked without a replacement (services.participants)
        return BadgeCheck(Reason.REVOKED, participant, payload.badge_version)
    return BadgeCheck(None, participant, payload.badge_version)


def typed_badge_id(badge_id: str | None) -> str | None:
    """A badge id typed by hand, normalised; None when it cannot be one."""
    typed = normalize_badge_id(badge_id or "")
    if len(typed) != BADGE_ID_LENGTH or any(ch not in BADGE_ALPHABET for ch in typed):
        return None
    return typed


def judge_typed_badge(participant: Participant | None, *, event: Event) -> BadgeCheck:
    """The verdict on a typed badge id, given the holder of that id in any event (None: nobody)."""
    if participant is None:
        return BadgeCheck(Reason.INVALID_BADGE, method="badge_id")
    if participant.event_id != event.pk:
        return BadgeCheck(Reason.WRONG_EVENT, method="badge_id")
    participant.event = event
    if participant.badge_revoked_at is not None:
        return BadgeCheck(Reason.REVOKED, participant, participant.badge_version, method="badge_id")
    return BadgeCheck(None, participant, participant.badge_version, method="badge_id")


def find_badge(*, event: Event, qr_code: str | None = None, badge_id: str | None = None) -> BadgeCheck:
    """A scanned QR code (preferred when given) or the badge id typed by hand, checked for ``event``."""
    if qr_code:
        return verify_badge(qr_code, event=event)
    typed = typed_badge_id(badge_id)
    if typed is None:
        return BadgeCheck(Reason.INVALID_BADGE, method="badge_id")
    return judge_typed_badge(_holders().filter(badge_id=typed).first(), event=event)


# --- images -----------------------------------------------------------------------------


def qr_image(data: str, *, box_size: int = QR_BOX_SIZE, border: int = QR_BORDER):
    """The QR code as a black-and-white Pillow image (mode "1")."""
    qr = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, box_size=box_size, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.make_image().get_image()


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    qr_image(data).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
