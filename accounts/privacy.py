"""A person's rights over their account: export everything stored about them, delete the account.

Export (:func:`export_user_data`): the profile (never the password hash), event roles and staff shifts,
badges with their rooms, ateliers and payments, the door log about them and their presence, Q&A
questions and votes, the stands that scanned their badge (the fact and the stand: notes and rating are
the exposant's own), their leads if they are an exposant (each visitor shown as the exposant sees it:
contact only with consent), annonces written and read, door scans they recorded (counts per room),
emailed codes (never a code or a password hash) and sign-in sessions. A fixed number of queries,
whatever the number of rows; date-times in ISO 8601 at the API's time zone (Africa/Algiers).

Deletion (:func:`delete_account`) anonymises the account instead of deleting its row. The row is the
holder of facts other people count on: badges (``Event.total_participants``/``total_exhibitors``),
presence (``Room.current_participants``), door log rows (``RoomScanCount``, statistics), questions and
votes (Q&A statistics, ``upvote_count``). Deleting it would cascade through those and change past
figures. So, in one transaction:

* the person is removed from the row: a random unroutable email (``deleted-…@deleted.invalid``),
  names, phone, company and photo blanked (the file leaves storage after commit), no usable password,
  inactive, no staff rights. Access tokens die with the password hash (CHECK_REVOKE_TOKEN), refresh
  tokens are blacklisted, login fails, the email is free for a new account;
* roles and shifts are deactivated (kept as history, as removing a participant does); refused while
  the person is the only active organisateur of an event not completed or cancelled (the team rule
  of events.services.update_assignment, code ``last_organisateur``);
* badges stay, counted as before, but re-issued (events.services.participants.reissue_badge): the
  printed QR code is revoked and the old badge id is unknown at the door. Door log rows stay (counts
  and statistics unchanged) with their holder anonymous and ``badge_input`` cleared;
* leads about them are deleted (an exposant keeps no contact of a deleted person); their own stand
  and its leads stay with the event, as for any former exposant, without their own email, phone or
  name (a stand named after its person);
* questions stay, made anonymous; votes and read receipts stay (anonymous counts);
* emailed codes (sign-up, reset, invitation) are deleted.
"""

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import AccountCode, LoginSession
from accounts.services import revoke_refresh_tokens
from annonces.models import Annonce, AnnonceRead
from events.models import (
    Event,
    Participant,
    QuestionUpvote,
    Role,
    RoomAccess,
    RoomAssignment,
    SessionAccess,
    SessionQuestion,
    UserEventAssignment,
)
from events.services import update_assignment
from events.services.participants import ensure_badge, reissue_badge
from exposants.models import Exposant, ExposantScan
from exposants.serializers import visitor_contact
from makeplus import read_cache
from makeplus.errors import AppError

EXPORT_FORMAT = "makeplus-export/1"
DELETED_DOMAIN = "deleted.invalid"  # RFC 2606: never routable, never a real person's address
# Events whose team rule still holds: a sole organisateur of one of these may not leave.
FINISHED = (Event.Status.COMPLETED, Event.Status.CANCELLED)

_datetime = serializers.DateTimeField()


def _when(value) -> str | None:
    """ISO 8601 at the API's time zone, as every date-time of the API."""
    return None if value is None else _datetime.to_representation(value)


def _money(value) -> str | None:
    return None if value is None else str(value)


def _event(event) -> dict:
    return {"id": str(event.pk), "name": event.name}


def _room(room) -> dict | None:
    return None if room is None else {"id": str(room.pk), "name": room.name}


def _session(session) -> dict | None:
    return None if session is None else {"id": str(session.pk), "title": session.title}


# --- export ---------------------------------------------------------------------------------------


def _profile(user, request) -> dict:
    photo = None
    if user.photo:
        photo = request.build_absolute_uri(user.photo.url) if request is not None else user.photo.url
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "company": user.company,
        "photo": photo,
        "share_contact_with_exposants": user.share_contact_with_exposants,
        "language": user.language,
        "is_active": user.is_active,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
    }


def _event_roles(user) -> list[dict]:
    rows = UserEventAssignment.objects.filter(user=user).select_related("event").order_by("assigned_at", "pk")
    return [
        {
            "event": _event(row.event),
            "role": row.role,
            "is_active": row.is_active,
            "assigned_at": _when(row.assigned_at),
        }
        for row in rows
    ]


def _shifts(user) -> list[dict]:
    rows = RoomAssignment.objects.filter(user=user).select_related("room__event").order_by("start_time", "pk")
    return [
        {
            "event": _event(row.room.event),
            "room": _room(row.room),
            "role": row.role,
            "start_time": _when(row.start_time),
            "end_time": _when(row.end_time),
            "is_active": row.is_active,
            "notes": row.notes,
        }
        for row in rows
    ]


def _badges(user) -> list[dict]:
    badges = (
        Participant.objects.filter(user=user)
        .select_related("event", "current_room")
        .order_by("created_at", "pk")
        .prefetch_related(
            Prefetch("allowed_rooms", to_attr="export_rooms"),
            Prefetch(
                "session_accesses",
                queryset=SessionAccess.objects.select_related("session").order_by("created_at", "pk"),
                to_attr="export_ateliers",
            ),
            Prefetch(
                "room_accesses",
                queryset=RoomAccess.objects.select_related("room", "session").order_by("scanned_at", "pk"),
                to_attr="export_door_log",
            ),
            Prefetch(
                "exposant_scans",
                queryset=ExposantScan.objects.select_related("exposant").order_by("scanned_at", "pk"),
                to_attr="export_stands",
            ),
        )
    )
    return [
        {
            "event": _event(badge.event),
            "kind": badge.kind,
            "badge_id": badge.badge_id,
            "badge_version": badge.badge_version,
            "created_at": _when(badge.created_at),
            # What the event holds about them: typed or imported, their profile's once accepted.
            "registration": {"first_name": badge.first_name, "last_name": badge.last_name, "phone": badge.phone},
            "access_all_rooms": badge.access_all_rooms,
            "allowed_rooms": [_room(room) for room in sorted(badge.export_rooms, key=lambda r: (r.name, str(r.pk)))],
            "presence": {
                "is_checked_in": badge.is_checked_in,
                "checked_in_at": _when(badge.checked_in_at),
                "current_room": _room(badge.current_room),
            },
            "ateliers": [
                {
                    "session": _session(access.session),
                    "status": access.status,
                    "amount": _money(access.amount),
                    "payment_method": access.payment_method,
                    "paid_at": _when(access.paid_at),
                    "registered_at": _when(access.created_at),
                }
                for access in badge.export_ateliers
            ],
            "door_log": [
                {
                    "room": _room(access.room),
                    "session": _session(access.session),
                    "direction": access.direction,
                    "status": access.status,
                    "denial_reason": access.denial_reason,
                    "already_inside": access.already_inside,
                    "offline": access.offline,
                    "scanned_at": _when(access.scanned_at),
                }
                for access in badge.export_door_log
            ],
            # Leads about this person: which stand scanned the badge, and when. The exposant's notes
            # and rating are the exposant's own data, not the visitor's.
            "stand_visits": [
                {
                    "exposant": {
                        "id": scan.exposant.pk,
                        "company_name": scan.exposant.company_name,
                        "stand_number": scan.exposant.stand_number,
                    },
                    "scanned_at": _when(scan.scanned_at),
                }
                for scan in badge.export_stands
            ],
        }
        for badge in badges
    ]


def _doors_recorded(user) -> list[dict]:
    """Door decisions recorded by this person (a controller, gestionnaire or organisateur): counts per
    room; the rows themselves are about the badge holders."""
    rows = (
        RoomAccess.objects.filter(verified_by=user)
        .order_by()
        .values("room_id", "room__name", "room__event_id", "room__event__name")
        .annotate(
            granted=Count("pk", filter=Q(status=RoomAccess.Status.GRANTED)),
            denied=Count("pk", filter=Q(status=RoomAccess.Status.DENIED)),
        )
        .order_by("room__event__name", "room__name", "room_id")
    )
    return [
        {
            "event": {"id": str(row["room__event_id"]), "name": row["room__event__name"]},
            "room": {"id": str(row["room_id"]), "name": row["room__name"]},
            "granted": row["granted"],
            "denied": row["denied"],
        }
        for row in rows
    ]


def _questions(user) -> list[dict]:
    rows = SessionQuestion.objects.filter(asked_by=user).select_related("session__event").order_by("created_at", "pk")
    return [
        {
            "id": row.pk,
            "event": _event(row.session.event),
            "session": _session(row.session),
            "text": row.text,
            "is_anonymous": row.is_anonymous,
            "is_hidden": row.is_hidden,
            "upvote_count": row.upvote_count,
            "answer": row.answer,
            "answered_at": _when(row.answered_at),
            "created_at": _when(row.created_at),
        }
        for row in rows
    ]


def _votes(user) -> list[dict]:
    rows = (
        QuestionUpvote.objects.filter(user=user).select_related("question__session__event").order_by("created_at", "pk")
    )
    return [
        {
            "event": _event(row.question.session.event),
            "session": _session(row.question.session),
            "question": {"id": row.question.pk, "text": row.question.text},
            "created_at": _when(row.created_at),
        }
        for row in rows
    ]


def _stands(user) -> list[dict]:
    profiles = (
        Exposant.objects.filter(user=user)
        .select_related("event")
        .order_by("created_at", "pk")
        .prefetch_related(
            Prefetch(
                "scans",
                queryset=ExposantScan.objects.select_related("participant__user").order_by("scanned_at", "pk"),
                to_attr="export_leads",
            )
        )
    )
    return [
        {
            "id": profile.pk,
            "event": _event(profile.event),
            "company_name": profile.company_name,
            "description": profile.description,
            "stand_number": profile.stand_number,
            "stand_location": profile.stand_location,
            "website": profile.website,
            "logo_url": profile.logo_url,
            "contact_email": profile.contact_email,
            "contact_phone": profile.contact_phone,
            "created_at": _when(profile.created_at),
            # The leads this exposant captured; each visitor as the exposant sees it (contact with consent).
            "leads": [
                {
                    "visitor": visitor_contact(scan.participant),
                    "scanned_at": _when(scan.scanned_at),
                    "notes": scan.notes,
                    "rating": scan.rating,
                }
                for scan in profile.export_leads
            ],
        }
        for profile in profiles
    ]


def _annonces_created(user) -> list[dict]:
    rows = Annonce.objects.filter(created_by=user).select_related("event").order_by("created_at", "pk")
    return [
        {
            "id": str(row.pk),
            "event": _event(row.event),
            "title": row.title,
            "content": row.content,
            "publish_at": _when(row.publish_at),
            "expires_at": _when(row.expires_at),
            "created_at": _when(row.created_at),
        }
        for row in rows
    ]


def _annonces_read(user) -> list[dict]:
    rows = AnnonceRead.objects.filter(user=user).select_related("annonce__event").order_by("read_at", "pk")
    return [
        {
            "event": _event(row.annonce.event),
            "annonce": {"id": str(row.annonce.pk), "title": row.annonce.title},
            "read_at": _when(row.read_at),
        }
        for row in rows
    ]


def _codes(user) -> list[dict]:
    """Codes emailed to this account (sign-up, reset, invitation): when, what for, whether used.
    Never the code's hash nor a pending password's."""
    rows = (
        AccountCode.objects.filter(Q(user=user) | Q(email=user.email))
        .select_related("event")
        .order_by("created_at", "pk")
    )
    return [
        {
            "purpose": row.purpose,
            "email": row.email,
            "event": None if row.event is None else _event(row.event),
            "sent_at": _when(row.sent_at),
            "expires_at": _when(row.expires_at),
            "used_at": _when(row.used_at),
        }
        for row in rows
    ]


def _sign_ins(user) -> list[dict]:
    """Refresh tokens issued to this account (one per sign-in or refresh): when, until when, revoked.
    Never the token itself."""
    rows = (
        OutstandingToken.objects.filter(user=user)
        .annotate(revoked=Exists(BlacklistedToken.objects.filter(token=OuterRef("pk"))))
        .order_by("created_at", "pk")
    )
    return [
        {"created_at": _when(row.created_at), "expires_at": _when(row.expires_at), "revoked": row.revoked}
        for row in rows
    ]


def _app_sessions(user) -> list[dict]:
    """Sign-ins of the mobile app (login sessions): when they began and ended."""
    rows = LoginSession.objects.filter(user=user).order_by("created_at", "pk")
    return [{"created_at": _when(row.created_at), "revoked_at": _when(row.revoked_at)} for row in rows]


def export_user_data(user, *, request=None) -> dict:
    """Everything stored about ``user``, as JSON-ready data (see the module docstring). ``request``
    makes the photo's URL absolute."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _when(timezone.now()),
        "profile": _profile(user, request),
        "event_roles": _event_roles(user),
        "staff_shifts": _shifts(user),
        "badges": _badges(user),
        "door_scans_recorded": _doors_recorded(user),
        "questions": _questions(user),
        "question_votes": _votes(user),
        "exposant_profiles": _stands(user),
        "annonces_created": _annonces_created(user),
        "annonces_read": _annonces_read(user),
        "emailed_codes": _codes(user),
        "sign_ins": _sign_ins(user),
        "app_sessions": _app_sessions(user),
    }


# --- deletion -------------------------------------------------------------------------------------


def _check_password(user, password) -> None:
    if not isinstance(password, str) or not password:
        raise AppError(_("Enter your password to delete your account."), "password_required")
    if not user.check_password(password):
        raise AppError(_("The current password is incorrect."), "wrong_password")


def _leave_teams(user) -> None:
    """Give up the organisateur roles of events still to run through the team's own service
    (events.services.update_assignment): it locks the event and applies the rule that an event keeps an
    active organisateur (``last_organisateur``). Events in id order, the lock order of that service, so
    two co-organisateurs deleting their accounts at once serialise: one of them is refused."""
    held = (
        UserEventAssignment.objects.filter(user=user, role=Role.ORGANISATEUR, is_active=True)
        .exclude(event__status__in=FINISHED)
        .select_related("event")
        .order_by("event_id")
    )
    for assignment in held:
        try:
            update_assignment(assignment=assignment, actor=user, is_active=False)
        except AppError as error:
            raise AppError(
                _(
                    "You are the only organisateur of “%(event)s”. Name another organisateur, or close the "
                    "event, before deleting your account."
                )
                % {"event": assignment.event.name},
                error.code,
            ) from None


def _tombstone_email(user) -> str:
    return f"deleted-{user.pk}-{secrets.token_hex(8)}@{DELETED_DOMAIN}"


@transaction.atomic
def delete_account(*, user, password) -> None:
    """Delete the caller's account: check the password, then anonymise (see the module docstring).
    Refused (``last_organisateur``) while the caller is the only active organisateur of an event that
    is neither completed nor cancelled."""
    _check_password(user, password)
    _leave_teams(user)
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    old_email, old_phone, photo = user.email, user.phone, user.photo
    old_name = f"{user.first_name} {user.last_name}".strip()

    # Roles and shifts: history kept, nothing held any more.
    for event_id in UserEventAssignment.objects.filter(user=user).values_list("event_id", flat=True).distinct():
        read_cache.changed(event_id)  # the cached reads showing them (directory, annonces) go at the commit
    UserEventAssignment.objects.filter(user=user, is_active=True).update(is_active=False)
    RoomAssignment.objects.filter(user=user, is_active=True).update(is_active=False)

    # Badges stay (counts, presence, door log) but no longer open a door.
    for badge in Participant.objects.filter(user=user).order_by("pk"):
        reissue_badge(participant=ensure_badge(participant=badge), actor=None)
    RoomAccess.objects.filter(participant__user=user).exclude(badge_input="").update(badge_input="")

    # Leads about them go; their own stand stays with the event, without their own contact.
    ExposantScan.objects.filter(participant__user=user).delete()
    if old_email:
        Exposant.objects.filter(user=user, contact_email__iexact=old_email).update(contact_email="")
    if old_phone:
        Exposant.objects.filter(user=user, contact_phone=old_phone).update(contact_phone="")
    if old_name:  # a stand named after its person (exposants.services: the default company name)
        Exposant.objects.filter(user=user, company_name=old_name).update(company_name="")

    # Their badges' registration data (what events typed or imported about them) goes with the account.
    Participant.objects.filter(user=user).update(first_name="", last_name="", phone="", updated_at=timezone.now())

    # Their questions stay, anonymous; polling clients see the change (updated_at).
    SessionQuestion.objects.filter(asked_by=user, is_anonymous=False).update(
        is_anonymous=True, updated_at=timezone.now()
    )

    AccountCode.objects.filter(Q(user=user) | Q(email=old_email)).delete()
    revoke_refresh_tokens(user=user)

    user.email = _tombstone_email(user)
    user.first_name = user.last_name = user.phone = user.company = user.language = ""
    user.photo = ""
    user.share_contact_with_exposants = False
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    if photo and photo.name:
        storage, name = photo.storage, photo.name
        transaction.on_commit(lambda: storage.delete(name))
