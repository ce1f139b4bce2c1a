"""Atelier registrations and payments (SessionAccess rows).

What a SessionAccess status means, read together with the door rule (SPEC §6):

- ``registered``: the participant holds a place. For a **free** atelier this is a confirmed
  registration: nothing more is needed to enter. For a **paid** atelier the place is held but
  unpaid: the door answers ``payment_required`` until an organisateur records the payment.
- ``paid``: a paid atelier's place, paid (amount, method, paid_at, recorded_by are set).
  Free ateliers never reach this status.
- ``cancelled``: the participant gave the place back; it counts for nothing. Registering
  again reactivates the same row (the pair participant × session is unique).

So the door says ``not_registered`` for an atelier without a non-cancelled access and
``payment_required`` for a paid atelier without a ``paid`` access.

Places: the non-cancelled accesses of a session never exceed its room's capacity. Every
write here runs in one transaction that first locks the session row (``SELECT ... FOR
UPDATE OF`` the session only, so door scans that lock the room are not held up); concurrent
registrations for one atelier therefore queue on that lock and each counts the places
after the previous one committed.

Retries are safe: registering when already holding a place returns that access unchanged
(``created`` is False, no error); unregistering an access already cancelled returns it
unchanged.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Participant, Session, SessionAccess
from events.selectors.ateliers import places_left
from makeplus.errors import AppError


@dataclass(frozen=True)
class Registration:
    access: SessionAccess
    created: bool  # a place was taken by this call (new row or a cancelled one reactivated)


def _check_atelier(session: Session) -> None:
    if session.session_type != Session.Type.ATELIER:
        raise AppError(_("Only ateliers take registrations."), "not_an_atelier")


def _check_open(session: Session) -> None:
    """Places are taken or given back only while the atelier has not ended or been cancelled."""
    if session.status in (Session.Status.CANCELLED, Session.Status.COMPLETED) or session.end_time <= timezone.now():
        raise AppError(_("This atelier is closed (cancelled or over)."), "session_closed")


def _check_same_event(session: Session, participant: Participant) -> None:
    if participant.event_id != session.event_id:
        raise AppError(_("This badge belongs to another event."), "wrong_event")


def _locked(session: Session) -> Session:
    """The session row, re-read under a row lock held until the transaction ends."""
    return Session.objects.select_for_update(of=("self",)).select_related("room").get(pk=session.pk)


def _take_place(session: Session, access: SessionAccess | None, participant: Participant) -> SessionAccess:
    """Under the session lock: a new or reactivated ``registered`` access, if a place is left."""
    if not places_left(session):
        raise AppError(_("This atelier is full."), "atelier_full")
    if access is None:
        return SessionAccess.objects.create(session=session, participant=participant)
    access.status = SessionAccess.Status.REGISTERED
    access.amount = None
    access.payment_method = ""
    access.paid_at = None
    access.recorded_by = None
    access.save(update_fields=["status", "amount", "payment_method", "paid_at", "recorded_by", "updated_at"])
    return access


def _access(session: Session, participant: Participant) -> SessionAccess | None:
    return SessionAccess.objects.filter(session=session, participant=participant).first()


def register_for_session(*, session: Session, participant: Participant) -> Registration:
    """Take a place in an atelier for a badge holder of its event.

    Free or paid, the new access is ``registered`` (see the module docstring). Holding a place
    already is not an error: the existing access is returned with ``created=False``.
    Errors: ``not_an_atelier``, ``session_closed``, ``wrong_event``, ``atelier_full``.
    """
    _check_atelier(session)
    _check_open(session)
    _check_same_event(session, participant)
    with transaction.atomic():
        session = _locked(session)
        _check_open(session)
        access = _access(session, participant)
        if access is not None and access.status in SessionAccess.PLACE_STATUSES:
            return Registration(access=access, created=False)
        return Registration(access=_take_place(session, access, participant), created=True)


def unregister_from_session(*, session: Session, participant: Participant) -> SessionAccess:
    """Give a place back (the access becomes ``cancelled``). A paid place is not given back here.

    Errors: ``not_an_atelier``, ``session_closed``, ``wrong_event``, ``not_registered`` (never
    registered), ``already_paid``. An access already cancelled is returned unchanged.
    """
    _check_atelier(session)
    _check_open(session)
    _check_same_event(session, participant)
    with transaction.atomic():
        session = _locked(session)
        _check_open(session)
        access = _access(session, participant)
        if access is None:
            raise AppError(_("You are not registered for this atelier."), "not_registered")
        if access.status == SessionAccess.Status.PAID:
            raise AppError(_("This place is paid; ask the organisers to cancel it."), "already_paid")
        if access.status == SessionAccess.Status.REGISTERED:
            access.status = SessionAccess.Status.CANCELLED
            access.save(update_fields=["status", "updated_at"])
        return access


def record_payment(
    *,
    session: Session,
    participant: Participant,
    actor,
    method: str,
    amount: Decimal | None = None,
    receipt_number: str = "",
) -> Registration:
    """An organisateur records that a participant paid a paid atelier (at the desk, by card...),
    with the number of the receipt handed over, if any.

    ``amount`` defaults to the session's price and must be positive (a discount is allowed).
    A participant without a place (never registered, or cancelled) is registered in the same
    step when the atelier is still open and has a place left (walk-in at the desk); then
    ``created`` is True. A participant already holding a place keeps it whatever the capacity,
    and a payment may still be recorded after the atelier ended (not after it was cancelled).
    Errors: ``not_paid_atelier``, ``invalid_amount``, ``wrong_event``, ``session_closed``,
    ``atelier_full``, ``already_paid``.
    """
    if session.session_type != Session.Type.ATELIER or not session.is_paid:
        raise AppError(_("Only paid ateliers take payments."), "not_paid_atelier")
    amount = session.price if amount is None else Decimal(amount)
    if amount <= 0:
        raise AppError(_("The amount must be greater than zero."), "invalid_amount")
    if method not in SessionAccess.Method.values:
        raise AppError(_("Unknown payment method."), "invalid_payment_method")
    _check_same_event(session, participant)
    with transaction.atomic():
        session = _locked(session)
        if session.status == Session.Status.CANCELLED:
            raise AppError(_("This atelier is cancelled."), "session_closed")
        access = _access(session, participant)
        if access is not None and access.status == SessionAccess.Status.PAID:
            raise AppError(_("This place is already paid."), "already_paid")
        created = access is None or access.status == SessionAccess.Status.CANCELLED
        if created:
            _check_open(session)
            access = _take_place(session, access, participant)
        access.status = SessionAccess.Status.PAID
        access.amount = amount
        access.payment_method = method
        access.paid_at = timezone.now()
        access.recorded_by = actor
        access.receipt_number = receipt_number.strip()
        access.save(
            update_fields=[
                "status",
                "amount",
                "payment_method",
                "paid_at",
                "recorded_by",
                "receipt_number",
                "updated_at",
            ]
        )
        return Registration(access=access, created=created)
