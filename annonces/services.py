"""Writes on annonces and their read receipts.

Who may call what is decided before (annonces/permissions.py, the scoped querysets of
annonces/selectors.py, the admin's scoping): these functions apply the rules of the data.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annonces.fields import mask_from_roles, roles_from_mask
from annonces.models import CONTENT_MAX_LENGTH, Annonce, AnnonceRead
from annonces.selectors import unread_for_member
from events.models import Event, Role, UserEventAssignment
from events.roles import SHIFT_ROLES
from makeplus.errors import AppError

EDITABLE_FIELDS = ("title", "content", "target_roles", "is_pinned", "publish_at", "expires_at")


def check_author_targets(annonce: Annonce, author_role: str | None) -> None:
    """A room manager (gestionnaire des salles) publishes to the event's staff only: its annonces
    target room managers and/or badge controllers, never everyone, participants or exposants
    (those are the organisateurs'). ``author_role`` None: an organisateur, the admin or the seeds."""
    if author_role != Role.GESTIONNAIRE_DES_SALLES:
        return
    targets = set(annonce.target_roles or [])
    if not targets or targets - set(SHIFT_ROLES):
        raise AppError(
            _("A room manager publishes annonces to the staff only (room managers, badge controllers)."),
            "target_not_allowed",
        )


def check_annonce_rules(annonce: Annonce) -> None:
    """Every rule of an annonce, on its merged values (API, admin and seeds alike)."""
    if not (annonce.title or "").strip():
        raise AppError(_("An annonce needs a title."), "title_required")
    if len(annonce.content or "") > CONTENT_MAX_LENGTH:
        raise AppError(_("The content is limited to %(n)s characters.") % {"n": CONTENT_MAX_LENGTH}, "content_too_long")
    try:
        annonce.target_roles = roles_from_mask(mask_from_roles(annonce.target_roles or []))
    except ValidationError:
        raise AppError(_("Unknown role in the targets."), "invalid_target_role") from None
    if annonce.expires_at is not None and annonce.expires_at <= annonce.publish_at:
        raise AppError(_("An annonce must expire after it is published."), "expires_before_publish")


def _apply(annonce: Annonce, fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if name == "title":
            value = value.strip()
        if name == "publish_at" and value is None:
            value = timezone.now()  # "publish now"
        setattr(annonce, name, value)


@transaction.atomic
def create_annonce(*, event: Event, actor, title: str, author_role: str | None = None, **fields) -> Annonce:
    """A new annonce by ``actor``. Without ``publish_at`` (or with None) it is published at once.

    The author has read what it wrote: its read receipt is recorded with it, so the annonce is
    never "unread" for its author (and counts as read if the author is among its targets).
    """
    annonce = Annonce(event=event, created_by=actor)
    _apply(annonce, {"title": title, "publish_at": None, **fields})
    check_annonce_rules(annonce)
    check_author_targets(annonce, author_role)
    annonce.save()
    if actor is not None:
        AnnonceRead.objects.create(annonce=annonce, user=actor, read_at=annonce.created_at)
    return annonce


@transaction.atomic
def update_annonce(*, annonce: Annonce, actor, author_role: str | None = None, **fields) -> Annonce:
    """Change some fields; ``publish_at=None`` publishes now. Read receipts are kept."""
    annonce = Annonce.objects.select_for_update(of=("self",)).select_related("event", "created_by").get(pk=annonce.pk)
    _apply(annonce, fields)
    check_annonce_rules(annonce)
    check_author_targets(annonce, author_role)
    annonce.save()
    return annonce


@transaction.atomic
def delete_annonce(*, annonce: Annonce, actor) -> None:
    annonce.delete()


def mark_read(*, annonce: Annonce, user) -> AnnonceRead:
    """Idempotent: the first call records the receipt, the next ones return it unchanged."""
    # get_or_create recovers from the unique constraint when two calls race.
    receipt, _created = AnnonceRead.objects.get_or_create(annonce=annonce, user=user)
    return receipt


@transaction.atomic
def mark_all_read(*, assignment: UserEventAssignment, now=None) -> int:
    """Mark every unread annonce of the member's feed read; returns how many were marked."""
    now = now or timezone.now()
    ids = list(unread_for_member(assignment, now=now).values_list("pk", flat=True))
    # ignore_conflicts: a receipt written meanwhile by another request is not an error.
    AnnonceRead.objects.bulk_create(
        [AnnonceRead(annonce_id=pk, user=assignment.user, read_at=now) for pk in ids], ignore_conflicts=True
    )
    return len(ids)
