"""Writes on exposant profiles and lead scans.

Profiles: one per exposant user per event. :func:`ensure_exposant_profile` is what the
role services call when a user becomes an exposant (and what the API calls lazily on an
exposant's first visit); it is idempotent and safe when two requests race.

Lead scans follow the door scan's shape (pretix ``checkin.py``): cheap checks first (a
retried ``nonce`` returns the stored scan before anything else), then the same badge
verification as the doors (:func:`events.badges.find_badge`), then one insert. No row lock
is needed: nothing is counted here, and the unique ``(exposant, nonce)`` constraint makes
concurrent retries of one scan end as one row.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.invitations import invite_if_needed  # part accounts
from accounts.models import User
from events.badges import find_badge
from events.models import Event, Role, RoomAccess, UserEventAssignment
from exposants.models import Exposant, ExposantScan
from makeplus.errors import AppError

PROFILE_FIELDS = (
    "company_name",
    "description",
    "stand_number",
    "stand_location",
    "website",
    "logo_url",
    "contact_email",
    "contact_phone",
    "plan_file",
)
SCAN_FIELDS = ("notes", "rating")

# Why a lead scan refused a badge: the door scan's reasons, same codes.
Reason = RoomAccess.Reason
BADGE_REFUSALS = {
    Reason.INVALID_BADGE: gettext_lazy("This badge is not valid (unreadable, forged or unknown)."),
    Reason.REVOKED: gettext_lazy("This badge was replaced by a newer one; ask the visitor for the current badge."),
    Reason.WRONG_EVENT: gettext_lazy("This badge belongs to another event."),
}


@dataclass(frozen=True)
class ScanResult:
    scan: ExposantScan
    created: bool  # False when a retry (same nonce) returned the stored scan


# --- files (the same rule as the event documents: events/services/__init__.py) --------------


def _delete_file_on_commit(file: FieldFile | None) -> None:
    """Remove a replaced or orphaned file from storage once the database change is committed.

    The small equivalent of events.services._delete_files_on_commit (private there): a rolled
    back change must keep its file, so storage is touched only after the commit.
    """
    if file and file.name:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))


# --- profiles -------------------------------------------------------------------------------


def _default_company_name(user: User) -> str:
    return user.company or f"{user.first_name} {user.last_name}".strip()


def ensure_exposant_profile(*, event: Event, user: User) -> Exposant:
    """The user's exposant profile in the event, created (nearly empty) if missing. Idempotent.

    Called when a user gets the exposant role, and lazily when an exposant first uses the API.
    The caller decides that the user is an exposant; a profile left by a former exposant is kept
    (its leads too) and reappears in the directory when the role comes back.
    """
    profile = Exposant.objects.filter(event=event, user=user).first()
    if profile is not None:
        return profile
    try:
        with transaction.atomic():
            return Exposant.objects.create(event=event, user=user, company_name=_default_company_name(user))
    except IntegrityError:  # created meanwhile by a concurrent request
        return Exposant.objects.get(event=event, user=user)


def _stand_taken() -> AppError:
    return AppError(
        _("Another exposant already has this stand number in this event."),
        "stand_number_taken",
    )


def _save_profile(profile: Exposant, *, new_file: bool) -> None:
    """Validate the fields (a stored plan is not read again), check the stand number, save."""
    exclude = ["event", "user"] if new_file else ["event", "user", "plan_file"]
    profile.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    if (
        profile.stand_number
        and Exposant.objects.filter(event_id=profile.event_id, stand_number=profile.stand_number)
        .exclude(pk=profile.pk)
        .exists()
    ):
        raise _stand_taken()
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:  # the same stand number saved meanwhile (or the same user's profile)
        if Exposant.objects.filter(event_id=profile.event_id, user_id=profile.user_id).exclude(pk=profile.pk).exists():
            raise AppError(_("This exposant already has a profile in this event."), "profile_exists") from None
        raise _stand_taken() from None


@transaction.atomic
def create_exposant_profile(*, event: Event, user: User, actor: User | None, **fields) -> Exposant:
    """A profile made by an organisateur (admin) for a user who is an exposant of the event."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    if not UserEventAssignment.objects.filter(event=event, user=user, role=Role.EXPOSANT).exists():
        raise AppError(_("This user is not an exposant of this event."), "not_an_exposant")
    if Exposant.objects.filter(event=event, user=user).exists():
        raise AppError(_("This exposant already has a profile in this event."), "profile_exists")
    fields.setdefault("company_name", _default_company_name(user))
    profile = Exposant(event=event, user=user, **{k: v if v is not None else "" for k, v in fields.items()})
    _save_profile(profile, new_file=bool(profile.plan_file))
    invite_if_needed(user=user, event=event, invited_by=actor)  # part accounts: no password yet → invitation
    return profile


@transaction.atomic
def update_exposant_profile(*, exposant: Exposant, actor: User | None, **fields) -> Exposant:
    """Change a profile (its exposant or an organisateur of its event). ``plan_file=None``
    removes the plan; a replaced or removed plan leaves storage when the change commits."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    # Re-read under a row lock: the plan being replaced is the stored one, not a stale copy.
    profile = Exposant.objects.select_for_update().get(pk=exposant.pk)
    old_plan = profile.plan_file if profile.plan_file else None
    for name, value in fields.items():
        setattr(profile, name, "" if value is None else value)
    new_file = bool(fields.get("plan_file"))
    _save_profile(profile, new_file=new_file)
    if old_plan is not None and "plan_file" in fields and profile.plan_file.name != old_plan.name:
        _delete_file_on_commit(old_plan)
    return profile


def delete_plan_file_on_commit(profile: Exposant) -> None:
    """Storage follows a deleted profile (connected to post_delete in apps.py: admin deletes and
    the cascade of a deleted event remove profiles without going through a service)."""
    _delete_file_on_commit(profile.plan_file)


# --- lead scans -----------------------------------------------------------------------------


def _stored_scan(exposant: Exposant, nonce: str) -> ExposantScan | None:
    return (
        ExposantScan.objects.select_related("participant__user")
        .filter(exposant=exposant, nonce=nonce)
        .order_by()
        .first()
    )


def visitor_for_badge(*, exposant: Exposant, qr_code: str | None = None, badge_id: str | None = None):
    """The badge holder a scanned QR code (or typed badge id) names at this exposant's stand, checked
    like at the doors: refused (the badge's reason as code) for an invalid, revoked or other event's
    badge, and for the exposant's own badge. Used by :func:`record_scan` and by the mobile app's
    look-up before a visit is recorded (mobile/exposants.py)."""
    check = find_badge(event=exposant.event, qr_code=qr_code, badge_id=badge_id)
    if not check.ok:
        raise AppError(BADGE_REFUSALS[check.reason], check.reason)
    if check.participant.user_id == exposant.user_id:
        raise AppError(_("You cannot scan your own badge."), "own_badge")
    return check.participant


@transaction.atomic
def record_scan(
    *,
    exposant: Exposant,
    qr_code: str | None = None,
    badge_id: str | None = None,
    notes: str = "",
    rating: int | None = None,
    nonce: str | None = None,
    scanned_at: datetime | None = None,
) -> ScanResult:
    """A visitor's badge scanned at the exposant's stand becomes a lead (one visit).

    Refused (400, the badge's reason as code) for an invalid, revoked or other event's badge,
    and for the exposant's own badge. The same ``nonce`` again returns the stored scan
    unchanged (``created=False``), also when two retries arrive at once. ``scanned_at`` is for
    imports and seeds; the API always records the server's time.
    """
    nonce = nonce or None
    if nonce is not None:
        stored = _stored_scan(exposant, nonce)
        if stored is not None:
            return ScanResult(stored, created=False)
    participant = visitor_for_badge(exposant=exposant, qr_code=qr_code, badge_id=badge_id)
    scan = ExposantScan(
        exposant=exposant,
        participant=participant,
        scanned_at=scanned_at or timezone.now(),
        notes=notes or "",
        rating=rating,
        nonce=nonce,
    )
    scan.full_clean(exclude=["exposant", "participant"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            scan.save()
    except IntegrityError:
        # Only the nonce can collide: a concurrent retry of this scan committed first.
        stored = _stored_scan(exposant, nonce) if nonce is not None else None
        if stored is None:
            raise
        return ScanResult(stored, created=False)
    return ScanResult(scan, created=True)


@transaction.atomic
def update_scan(*, scan: ExposantScan, actor: User | None, **fields) -> ExposantScan:
    """The exposant's notes and rating of a lead (``rating=None`` clears it)."""
    unknown = set(fields) - set(SCAN_FIELDS)
    if unknown:
        raise TypeError(f"not scan fields: {sorted(unknown)}")
    if not fields:
        return scan
    if "notes" in fields and fields["notes"] is None:
        fields["notes"] = ""
    for name, value in fields.items():
        setattr(scan, name, value)
    scan.full_clean(exclude=["exposant", "participant"], validate_unique=False, validate_constraints=False)
    scan.save(update_fields=[*fields, "updated_at"])
    return scan
