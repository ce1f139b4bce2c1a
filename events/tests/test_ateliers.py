"""Ateliers: registration, unregistration, payments, organisers' registrations list, capacity."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import assert_same_queries, error_codes, outcomes_of
from events.models import Role, Session, SessionAccess
from events.selectors.ateliers import (
    atelier_totals_for_event,
    places_left,
    registration_summary,
    registrations_for_session,
)
from events.services.ateliers import record_payment, register_for_session, unregister_from_session
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_ateliers import AtelierFactory, ParticipantFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from makeplus.errors import AppError

ROLES = list(Role.values)
NOT_ORGANISATEUR = [r for r in ROLES if r != Role.ORGANISATEUR]
PRICE = Decimal("1500.00")


def atelier_in(event, *, capacity=3, **fields) -> Session:
    return AtelierFactory(room=RoomFactory(event=event, capacity=capacity), **fields)


def code_of(excinfo) -> str:
    return excinfo.value.get_codes()


def taken(session) -> int:
    return SessionAccess.objects.filter(session=session).exclude(status=SessionAccess.Status.CANCELLED).count()


# --- services: registering -------------------------------------------------------------------


@pytest.mark.django_db
def test_register_for_free_atelier_confirms_place_as_registered(event_a):
    atelier = atelier_in(event_a)
    badge = ParticipantFactory(event=event_a)

    result = register_for_session(session=atelier, participant=badge)

    assert result.created is True
    access = SessionAccess.objects.get(session=atelier, participant=badge)
    assert (access.status, access.amount, access.paid_at, access.payment_method) == ("registered", None, None, "")
    assert result.access == access
    assert places_left(atelier) == 2


@pytest.mark.django_db
def test_register_for_paid_atelier_holds_place_unpaid(event_a):
    atelier = atelier_in(event_a, paid=True)
    badge = ParticipantFactory(event=event_a)

    result = register_for_session(session=atelier, participant=badge)

    assert (result.created, result.access.status, result.access.amount, result.access.paid_at) == (
        True,
        "registered",
        None,
        None,
    )


@pytest.mark.django_db
def test_register_twice_returns_same_access_without_new_row(event_a):
    atelier = atelier_in(event_a, capacity=1)
    badge = ParticipantFactory(event=event_a)
    first = register_for_session(session=atelier, participant=badge)

    again = register_for_session(session=atelier, participant=badge)

    assert (again.created, again.access.pk, again.access.status) == (False, first.access.pk, "registered")
    assert SessionAccess.objects.filter(session=atelier).count() == 1


@pytest.mark.django_db
def test_register_when_already_paid_returns_paid_access_even_if_full(event_a):
    atelier = atelier_in(event_a, capacity=1, paid=True)
    access = SessionAccessFactory(session=atelier, paid=True)

    again = register_for_session(session=atelier, participant=access.participant)

    assert (again.created, again.access.pk, again.access.status) == (False, access.pk, "paid")


@pytest.mark.django_db
def test_register_for_conference_is_refused(event_a):
    conference = SessionFactory(room=RoomFactory(event=event_a))
    badge = ParticipantFactory(event=event_a)

    with pytest.raises(AppError) as excinfo:
        register_for_session(session=conference, participant=badge)

    assert code_of(excinfo) == "not_an_atelier"
    assert not SessionAccess.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Session.Status.CANCELLED, Session.Status.COMPLETED])
def test_register_for_closed_atelier_is_refused(event_a, status):
    atelier = atelier_in(event_a, status=status)
    badge = ParticipantFactory(event=event_a)

    with pytest.raises(AppError) as excinfo:
        register_for_session(session=atelier, participant=badge)

    assert (code_of(excinfo), excinfo.value.status_code) == ("session_closed", 409)
    assert not SessionAccess.objects.exists()


@pytest.mark.django_db
def test_register_for_atelier_that_already_ended_is_refused(event_a):
    start = timezone.now() - timedelta(hours=1)
    atelier = atelier_in(event_a, start_time=start, end_time=start + timedelta(minutes=30))

    with pytest.raises(AppError) as excinfo:
        register_for_session(session=atelier, participant=ParticipantFactory(event=event_a))

    assert code_of(excinfo) == "session_closed"


@pytest.mark.django_db
def test_register_for_live_atelier_is_accepted(event_a):
    start = timezone.now() - timedelta(minutes=10)
    atelier = atelier_in(event_a, status=Session.Status.LIVE, start_time=start, end_time=start + timedelta(hours=1))

    result = register_for_session(session=atelier, participant=ParticipantFactory(event=event_a))

    assert (result.created, result.access.status) == (True, "registered")


@pytest.mark.django_db
def test_register_with_badge_of_another_event_is_refused(event_a, event_b):
    atelier = atelier_in(event_a)
    foreign_badge = ParticipantFactory(event=event_b)

    with pytest.raises(AppError) as excinfo:
        register_for_session(session=atelier, participant=foreign_badge)

    assert code_of(excinfo) == "wrong_event"
    assert not SessionAccess.objects.exists()


@pytest.mark.django_db
def test_register_when_full_is_refused_and_cancelled_places_do_not_count(event_a):
    atelier = atelier_in(event_a, capacity=2)
    SessionAccessFactory(session=atelier)
    SessionAccessFactory(session=atelier, status=SessionAccess.Status.CANCELLED)
    register_for_session(session=atelier, participant=ParticipantFactory(event=event_a))

    with pytest.raises(AppError) as excinfo:
        register_for_session(session=atelier, participant=ParticipantFactory(event=event_a))

    assert (code_of(excinfo), excinfo.value.status_code) == ("atelier_full", 409)
    assert taken(atelier) == 2


@pytest.mark.django_db
def test_register_counts_paid_places_against_capacity(event_a):
    atelier = atelier_in(event_a, capacity=1, paid=True)
    SessionAccessFactory(session=atelier, paid=True)

    with pytest.raises(AppError) as excinfo:
        register_for_session(session=atelier, participant=ParticipantFactory(event=event_a))

    assert code_of(excinfo) == "atelier_full"


@pytest.mark.django_db
def test_register_again_after_cancelling_reactivates_same_row(event_a):
    atelier = atelier_in(event_a)
    cancelled = SessionAccessFactory(session=atelier, status=SessionAccess.Status.CANCELLED)

    result = register_for_session(session=atelier, participant=cancelled.participant)

    assert (result.created, result.access.pk, result.access.status) == (True, cancelled.pk, "registered")
    cancelled.refresh_from_db()
    assert cancelled.status == "registered"
    assert SessionAccess.objects.filter(session=atelier).count() == 1


@pytest.mark.django_db
def test_reactivating_cancelled_registration_when_full_is_refused(event_a):
    atelier = atelier_in(event_a, capacity=1)
    cancelled = SessionAccessFactory(session=atelier, status=SessionAccess.Status.CANCELLED)
    SessionAccessFactory(session=atelier)

    with pytest.raises(AppError) as excinfo:
        register_for_session(session=atelier, participant=cancelled.participant)

    assert code_of(excinfo) == "atelier_full"
    cancelled.refresh_from_db()
    assert cancelled.status == "cancelled"


@pytest.mark.django_db
def test_exposant_badge_may_register(event_a):
    atelier = atelier_in(event_a)
    badge = ParticipantFactory(event=event_a, kind="exposant")

    assert register_for_session(session=atelier, participant=badge).access.status == "registered"


# --- services: unregistering -----------------------------------------------------------------


@pytest.mark.django_db
def test_unregister_cancels_and_frees_the_place(event_a):
    atelier = atelier_in(event_a, capacity=1)
    access = SessionAccessFactory(session=atelier)
    newcomer = ParticipantFactory(event=event_a)

    result = unregister_from_session(session=atelier, participant=access.participant)

    assert (result.pk, result.status) == (access.pk, "cancelled")
    assert places_left(atelier) == 1
    assert register_for_session(session=atelier, participant=newcomer).created is True


@pytest.mark.django_db
def test_unregister_unpaid_place_of_paid_atelier(event_a):
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(session=atelier)

    assert unregister_from_session(session=atelier, participant=access.participant).status == "cancelled"


@pytest.mark.django_db
def test_unregister_paid_place_is_refused(event_a):
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(session=atelier, paid=True)

    with pytest.raises(AppError) as excinfo:
        unregister_from_session(session=atelier, participant=access.participant)

    assert (code_of(excinfo), excinfo.value.status_code) == ("already_paid", 409)
    access.refresh_from_db()
    assert (access.status, access.amount) == ("paid", PRICE)


@pytest.mark.django_db
def test_unregister_without_registration_is_refused(event_a):
    atelier = atelier_in(event_a)

    with pytest.raises(AppError) as excinfo:
        unregister_from_session(session=atelier, participant=ParticipantFactory(event=event_a))

    assert (code_of(excinfo), excinfo.value.status_code) == ("not_registered", 409)


@pytest.mark.django_db
def test_unregister_twice_returns_the_cancelled_access(event_a):
    atelier = atelier_in(event_a)
    access = SessionAccessFactory(session=atelier, status=SessionAccess.Status.CANCELLED)

    result = unregister_from_session(session=atelier, participant=access.participant)

    assert (result.pk, result.status) == (access.pk, "cancelled")


@pytest.mark.django_db
def test_unregister_from_completed_atelier_is_refused(event_a):
    atelier = atelier_in(event_a, status=Session.Status.COMPLETED)
    access = SessionAccessFactory(session=atelier)

    with pytest.raises(AppError) as excinfo:
        unregister_from_session(session=atelier, participant=access.participant)

    assert code_of(excinfo) == "session_closed"
    access.refresh_from_db()
    assert access.status == "registered"


# --- services: payments ----------------------------------------------------------------------


@pytest.mark.django_db
def test_record_payment_defaults_to_price_and_records_who_and_when(event_a):
    organiser = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(session=atelier)
    before = timezone.now()

    result = record_payment(session=atelier, participant=access.participant, actor=organiser, method="cash")

    access.refresh_from_db()
    assert result.created is False
    assert (access.status, access.amount, access.payment_method, access.recorded_by) == (
        "paid",
        PRICE,
        "cash",
        organiser,
    )
    assert before <= access.paid_at <= timezone.now()


@pytest.mark.django_db
def test_record_payment_with_stated_amount(event_a):
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(session=atelier)

    record_payment(
        session=atelier, participant=access.participant, actor=None, method="card", amount=Decimal("1200.50")
    )

    access.refresh_from_db()
    assert (access.amount, access.payment_method) == (Decimal("1200.50"), "card")


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-10.00")])
def test_record_payment_with_non_positive_amount_is_refused(event_a, amount):
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(session=atelier)

    with pytest.raises(AppError) as excinfo:
        record_payment(session=atelier, participant=access.participant, actor=None, method="cash", amount=amount)

    assert code_of(excinfo) == "invalid_amount"
    access.refresh_from_db()
    assert access.status == "registered"


@pytest.mark.django_db
def test_record_payment_for_free_atelier_or_conference_is_refused(event_a):
    free = atelier_in(event_a)
    conference = SessionFactory(room=RoomFactory(event=event_a))
    badge = ParticipantFactory(event=event_a)

    codes = []
    for session in (free, conference):
        with pytest.raises(AppError) as excinfo:
            record_payment(session=session, participant=badge, actor=None, method="cash")
        codes.append(code_of(excinfo))

    assert codes == ["not_paid_atelier", "not_paid_atelier"]
    assert not SessionAccess.objects.exists()


@pytest.mark.django_db
def test_record_payment_twice_is_refused(event_a):
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(session=atelier, paid=True)

    with pytest.raises(AppError) as excinfo:
        record_payment(session=atelier, participant=access.participant, actor=None, method="card")

    assert (code_of(excinfo), excinfo.value.status_code) == ("already_paid", 409)
    access.refresh_from_db()
    assert access.payment_method == "cash"


@pytest.mark.django_db
def test_record_payment_registers_walk_in_when_a_place_is_left(event_a):
    atelier = atelier_in(event_a, capacity=2, paid=True)
    SessionAccessFactory(session=atelier)
    walk_in = ParticipantFactory(event=event_a)

    result = record_payment(session=atelier, participant=walk_in, actor=None, method="cash")

    assert (result.created, result.access.status, result.access.amount) == (True, "paid", PRICE)
    assert places_left(atelier) == 0


@pytest.mark.django_db
def test_record_payment_for_walk_in_when_full_is_refused(event_a):
    atelier = atelier_in(event_a, capacity=1, paid=True)
    SessionAccessFactory(session=atelier)
    walk_in = ParticipantFactory(event=event_a)

    with pytest.raises(AppError) as excinfo:
        record_payment(session=atelier, participant=walk_in, actor=None, method="cash")

    assert code_of(excinfo) == "atelier_full"
    assert not SessionAccess.objects.filter(participant=walk_in).exists()


@pytest.mark.django_db
def test_record_payment_reactivates_cancelled_registration(event_a):
    atelier = atelier_in(event_a, paid=True)
    cancelled = SessionAccessFactory(session=atelier, status=SessionAccess.Status.CANCELLED)

    result = record_payment(session=atelier, participant=cancelled.participant, actor=None, method="transfer")

    assert (result.created, result.access.pk, result.access.status) == (True, cancelled.pk, "paid")


@pytest.mark.django_db
def test_record_payment_for_registered_participant_when_full_is_accepted(event_a):
    atelier = atelier_in(event_a, capacity=1, paid=True)
    access = SessionAccessFactory(session=atelier)

    result = record_payment(session=atelier, participant=access.participant, actor=None, method="cash")

    assert (result.created, result.access.status) == (False, "paid")


@pytest.mark.django_db
def test_record_payment_after_atelier_completed_for_registered_participant(event_a):
    atelier = atelier_in(event_a, paid=True, status=Session.Status.COMPLETED)
    access = SessionAccessFactory(session=atelier)
    walk_in = ParticipantFactory(event=event_a)

    record_payment(session=atelier, participant=access.participant, actor=None, method="cash")
    with pytest.raises(AppError) as excinfo:
        record_payment(session=atelier, participant=walk_in, actor=None, method="cash")

    access.refresh_from_db()
    assert access.status == "paid"
    assert code_of(excinfo) == "session_closed"


@pytest.mark.django_db
def test_record_payment_for_cancelled_atelier_is_refused(event_a):
    atelier = atelier_in(event_a, paid=True, status=Session.Status.CANCELLED)
    access = SessionAccessFactory(session=atelier)

    with pytest.raises(AppError) as excinfo:
        record_payment(session=atelier, participant=access.participant, actor=None, method="cash")

    assert code_of(excinfo) == "session_closed"


@pytest.mark.django_db
def test_record_payment_with_badge_of_another_event_is_refused(event_a, event_b):
    atelier = atelier_in(event_a, paid=True)

    with pytest.raises(AppError) as excinfo:
        record_payment(session=atelier, participant=ParticipantFactory(event=event_b), actor=None, method="cash")

    assert code_of(excinfo) == "wrong_event"


@pytest.mark.django_db
def test_registering_again_after_payment_was_cancelled_clears_the_old_payment(event_a):
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(
        session=atelier, status=SessionAccess.Status.CANCELLED, amount=PRICE, payment_method="cash"
    )

    result = register_for_session(session=atelier, participant=access.participant)

    assert (result.access.status, result.access.amount, result.access.payment_method) == ("registered", None, "")


# --- selectors -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_registration_summary_counts_by_status_and_revenue(event_a):
    atelier = atelier_in(event_a, capacity=10, paid=True)
    SessionAccessFactory(session=atelier, paid=True)
    SessionAccessFactory(session=atelier, paid=True, amount=Decimal("1000.00"))
    SessionAccessFactory(session=atelier)
    SessionAccessFactory(session=atelier, status=SessionAccess.Status.CANCELLED)
    SessionAccessFactory(session=atelier_in(event_a, paid=True), paid=True)  # another atelier

    with CaptureQueriesContext(connection) as queries:
        summary = registration_summary(atelier)

    assert summary == {
        "registered": 1,
        "paid": 2,
        "cancelled": 1,
        "revenue": Decimal("2500.00"),
        "capacity": 10,
        "places_left": 7,
    }
    assert len(queries) == 1  # the room was loaded with the session by the factory


@pytest.mark.django_db
def test_registration_summary_of_atelier_without_registrations(event_a):
    atelier = atelier_in(event_a, capacity=4)

    assert registration_summary(atelier) == {
        "registered": 0,
        "paid": 0,
        "cancelled": 0,
        "revenue": Decimal("0"),
        "capacity": 4,
        "places_left": 4,
    }


@pytest.mark.django_db
def test_atelier_totals_for_event_cover_only_that_event(event_a, event_b):
    SessionAccessFactory(session=atelier_in(event_a, paid=True), paid=True)
    SessionAccessFactory(session=atelier_in(event_a))
    SessionAccessFactory(session=atelier_in(event_b, paid=True), paid=True)

    assert atelier_totals_for_event(event_a) == {
        "registered": 1,
        "paid": 1,
        "cancelled": 0,
        "revenue": PRICE,
    }


@pytest.mark.django_db
def test_registrations_for_session_filters_and_searches(event_a):
    atelier = atelier_in(event_a, capacity=10)
    amina = SessionAccessFactory(
        session=atelier, participant__user__first_name="Amina", participant__user__email="amina@example.dz"
    )
    SessionAccessFactory(session=atelier, participant__user__first_name="Karim")
    cancelled = SessionAccessFactory(session=atelier, status=SessionAccess.Status.CANCELLED)

    assert list(registrations_for_session(atelier, search="AMINA")) == [amina]
    assert list(registrations_for_session(atelier, search=amina.participant.badge_id.lower())) == [amina]
    assert list(registrations_for_session(atelier, status="cancelled")) == [cancelled]


# --- concurrency (PostgreSQL) ----------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks; run on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_atelier_capacity_under_30_concurrent_registrations_for_10_places():
    event = EventFactory()
    atelier = atelier_in(event, capacity=10)
    badges = [ParticipantFactory(event=event) for _ in range(30)]

    outcomes = outcomes_of(
        [lambda badge=badge: register_for_session(session=atelier, participant=badge) for badge in badges]
    )

    assert sorted(outcomes) == ["atelier_full"] * 20 + ["ok"] * 10
    assert taken(atelier) == 10
    assert SessionAccess.objects.filter(session=atelier).count() == 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks; run on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_atelier_capacity_under_concurrent_registrations_and_desk_payments():
    event = EventFactory()
    atelier = atelier_in(event, capacity=10, paid=True)
    online = [ParticipantFactory(event=event) for _ in range(15)]
    at_desk = [ParticipantFactory(event=event) for _ in range(15)]

    outcomes = outcomes_of(
        [lambda badge=badge: register_for_session(session=atelier, participant=badge) for badge in online]
        + [
            lambda badge=badge: record_payment(session=atelier, participant=badge, actor=None, method="cash")
            for badge in at_desk
        ]
    )

    assert sorted(outcomes) == ["atelier_full"] * 20 + ["ok"] * 10
    assert taken(atelier) == 10


# --- API -------------------------------------------------------------------------------------


def url(session, action):
    return f"/api/sessions/{session.pk}/{action}/"


@pytest.mark.django_db
def test_api_register_for_free_atelier(client_for, event_a):
    badge = badge_holder(event_a)
    client = client_for(badge.user, event_a)
    atelier = atelier_in(event_a, capacity=3)

    response = client.post(url(atelier, "register"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("session", "status", "payment_required", "price", "amount", "paid_at")} == {
        "session": str(atelier.pk),
        "status": "registered",
        "payment_required": False,
        "price": "0.00",
        "amount": None,
        "paid_at": None,
    }
    assert body["places_left"] == 2
    assert SessionAccess.objects.get(session=atelier).participant == badge


@pytest.mark.django_db
def test_api_register_twice_answers_200_with_same_place(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)
    atelier = atelier_in(event_a, capacity=3)
    client.post(url(atelier, "register"))

    response = client.post(url(atelier, "register"))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["places_left"]) == ("registered", 2)
    assert SessionAccess.objects.filter(session=atelier).count() == 1


@pytest.mark.django_db
def test_api_register_for_paid_atelier_requires_payment(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)
    atelier = atelier_in(event_a, paid=True)

    response = client.post(url(atelier, "register"))

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["payment_required"], body["price"], body["amount"]) == (
        "registered",
        True,
        "1500.00",
        None,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api_every_role_with_a_badge_may_register_and_unregister(client_for, event_a, role):
    badge = badge_holder(event_a, role=role)
    client = client_for(badge.user, event_a)
    atelier = atelier_in(event_a)

    registered = client.post(url(atelier, "register"))
    unregistered = client.post(url(atelier, "unregister"))

    assert (registered.status_code, unregistered.status_code) == (201, 200)
    assert unregistered.json()["status"] == "cancelled"
    assert SessionAccess.objects.get(session=atelier, participant=badge).status == "cancelled"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["register", "unregister"])
def test_api_member_without_badge_gets_no_badge(member, event_a, role, action):
    client, _ = member(role, event_a)
    atelier = atelier_in(event_a)

    response = client.post(url(atelier, action))

    assert response.status_code == 403
    assert error_codes(response) == ["no_badge"]
    assert not SessionAccess.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["register", "unregister"])
def test_api_badge_of_another_event_does_not_count(member, event_a, event_b, action):
    client, user = member(Role.PARTICIPANT, event_a)
    ParticipantFactory(event=event_b, user=user)
    atelier = atelier_in(event_a)

    response = client.post(url(atelier, action))

    assert (response.status_code, error_codes(response)) == (403, ["no_badge"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "action", "role"),
    [
        ("post", "register", Role.PARTICIPANT),
        ("post", "unregister", Role.PARTICIPANT),
        ("post", "payments", Role.ORGANISATEUR),
        ("get", "registrations", Role.ORGANISATEUR),
    ],
)
def test_api_another_events_session_is_404(client_for, event_a, event_b, method, action, role):
    badge = badge_holder(event_a, role=role)
    client = client_for(badge.user, event_a)
    foreign = atelier_in(event_b, paid=True)

    response = getattr(client, method)(url(foreign, action), {"badge_id": badge.badge_id, "method": "cash"})

    assert response.status_code == 404
    assert not SessionAccess.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "action"), [("post", "register"), ("get", "registrations")])
def test_api_without_selected_event_is_refused(client_for, user, event_a, method, action):
    AssignmentFactory(event=event_a, user=user, role=Role.ORGANISATEUR)
    client = client_for(user)
    atelier = atelier_in(event_a)

    response = getattr(client, method)(url(atelier, action))

    assert response.status_code == 403
    assert error_codes(response) == ["event_not_selected"]


@pytest.mark.django_db
def test_api_deactivated_member_loses_access_at_once(client_for, event_a):
    badge = badge_holder(event_a)
    client = client_for(badge.user, event_a)
    atelier = atelier_in(event_a)
    badge.user.event_assignments.update(is_active=False)

    response = client.post(url(atelier, "register"))

    assert (response.status_code, error_codes(response)) == (403, ["event_access_revoked"])


@pytest.mark.django_db
def test_api_unauthenticated_is_401(api_client, event_a):
    response = api_client.post(url(atelier_in(event_a), "register"))

    assert response.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("session_kwargs", "code", "status_code"),
    [
        ({"status": Session.Status.CANCELLED}, "session_closed", 409),
        ({"status": Session.Status.COMPLETED}, "session_closed", 409),
    ],
)
def test_api_register_for_closed_atelier(member, event_a, session_kwargs, code, status_code):
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)
    atelier = atelier_in(event_a, **session_kwargs)

    response = client.post(url(atelier, "register"))

    assert (response.status_code, error_codes(response)) == (status_code, [code])


@pytest.mark.django_db
def test_api_register_for_conference_is_refused(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)
    conference = SessionFactory(room=RoomFactory(event=event_a))

    response = client.post(url(conference, "register"))

    assert (response.status_code, error_codes(response)) == (400, ["not_an_atelier"])


@pytest.mark.django_db
def test_api_register_when_full_is_409(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)
    atelier = atelier_in(event_a, capacity=1)
    SessionAccessFactory(session=atelier)

    response = client.post(url(atelier, "register"))

    assert (response.status_code, error_codes(response)) == (409, ["atelier_full"])
    assert taken(atelier) == 1


@pytest.mark.django_db
def test_api_unregister_frees_the_place(client_for, event_a):
    badge = badge_holder(event_a)
    client = client_for(badge.user, event_a)
    atelier = atelier_in(event_a, capacity=2)
    SessionAccessFactory(session=atelier, participant=badge)

    response = client.post(url(atelier, "unregister"))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["places_left"]) == ("cancelled", 2)


@pytest.mark.django_db
def test_api_unregister_paid_place_is_409(client_for, event_a):
    badge = badge_holder(event_a)
    client = client_for(badge.user, event_a)
    atelier = atelier_in(event_a, paid=True)
    SessionAccessFactory(session=atelier, participant=badge, paid=True)

    response = client.post(url(atelier, "unregister"))

    assert (response.status_code, error_codes(response)) == (409, ["already_paid"])


@pytest.mark.django_db
def test_api_unregister_without_registration_is_409(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)

    response = client.post(url(atelier_in(event_a), "unregister"))

    assert (response.status_code, error_codes(response)) == (409, ["not_registered"])


@pytest.mark.django_db
def test_api_organisateur_records_payment_by_badge_id(organisateur, event_a):
    client, me = organisateur
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(session=atelier, participant__user__email="amina@example.dz")
    typed = f"mp-{access.participant.badge_id[:4].lower()} {access.participant.badge_id[4:].lower()}"

    response = client.post(url(atelier, "payments"), {"badge_id": typed, "method": "cash"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["amount"], body["payment_method"]) == (
        access.pk,
        "paid",
        "1500.00",
        "cash",
    )
    assert body["participant"]["email"] == "amina@example.dz"
    assert body["recorded_by"]["email"] == me.email
    assert body["paid_at"] is not None
    access.refresh_from_db()
    assert (access.status, access.recorded_by) == ("paid", me)


@pytest.mark.django_db
def test_api_organisateur_records_walk_in_payment_by_participant_id_with_amount(organisateur, event_a):
    client, _ = organisateur
    atelier = atelier_in(event_a, paid=True)
    walk_in = ParticipantFactory(event=event_a)

    response = client.post(
        url(atelier, "payments"), {"participant_id": walk_in.pk, "amount": "1000.00", "method": "card"}
    )

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["amount"]) == ("paid", "1000.00")
    assert SessionAccess.objects.get(session=atelier, participant=walk_in).amount == Decimal("1000.00")


@pytest.mark.django_db
@pytest.mark.parametrize("role", NOT_ORGANISATEUR)
def test_api_only_organisateurs_record_payments(client_for, event_a, role):
    badge = badge_holder(event_a, role=role)
    client = client_for(badge.user, event_a)
    atelier = atelier_in(event_a, paid=True)
    SessionAccessFactory(session=atelier, participant=badge)

    response = client.post(url(atelier, "payments"), {"badge_id": badge.badge_id, "method": "cash"})

    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])
    assert SessionAccess.objects.get(participant=badge).status == "registered"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "status_code", "codes"),
    [
        ({"method": "cash"}, 400, ["participant_required"]),
        ({"participant_id": "{pk}", "badge_id": "{badge}", "method": "cash"}, 400, ["participant_required"]),
        ({"badge_id": "{badge}"}, 400, ["required"]),
        ({"badge_id": "{badge}", "method": "bitcoin"}, 400, ["invalid_choice"]),
        ({"badge_id": "{badge}", "method": "cash", "amount": "abc"}, 400, ["invalid"]),
        ({"badge_id": "{badge}", "method": "cash", "amount": "12345678901"}, 400, ["max_digits"]),
        ({"badge_id": "{badge}", "method": "cash", "amount": "0"}, 400, ["invalid_amount"]),
        ({"badge_id": "{badge}", "method": "cash", "amount": "-5"}, 400, ["invalid_amount"]),
        ({"badge_id": "UNKNOWN9", "method": "cash"}, 400, ["does_not_exist"]),
        ({"participant_id": 0, "method": "cash"}, 400, ["does_not_exist"]),
        ({"participant_id": "abc", "method": "cash"}, 400, ["invalid"]),
    ],
)
def test_api_payment_bad_input(organisateur, event_a, payload, status_code, codes):
    client, _ = organisateur
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(session=atelier)
    data = {
        k: v.format(pk=access.participant.pk, badge=access.participant.badge_id) if isinstance(v, str) else v
        for k, v in payload.items()
    }

    response = client.post(url(atelier, "payments"), data)

    assert (response.status_code, error_codes(response)) == (status_code, codes)
    access.refresh_from_db()
    assert access.status == "registered"


@pytest.mark.django_db
def test_api_payment_for_badge_of_another_event_is_unknown_here(organisateur, event_a, event_b):
    client, _ = organisateur
    atelier = atelier_in(event_a, paid=True)
    foreign = ParticipantFactory(event=event_b)

    response = client.post(url(atelier, "payments"), {"badge_id": foreign.badge_id, "method": "cash"})

    assert (response.status_code, error_codes(response)) == (400, ["does_not_exist"])
    assert response.json()["errors"][0]["attr"] == "badge_id"
    assert not SessionAccess.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "code", "status_code"),
    [
        ("free", "not_paid_atelier", 400),
        ("already_paid", "already_paid", 409),
        ("full", "atelier_full", 409),
    ],
)
def test_api_payment_business_refusals(organisateur, event_a, setup, code, status_code):
    client, _ = organisateur
    atelier = atelier_in(event_a, capacity=1, paid=setup != "free")
    badge = ParticipantFactory(event=event_a)
    if setup == "already_paid":
        SessionAccessFactory(session=atelier, participant=badge, paid=True)
    if setup == "full":
        SessionAccessFactory(session=atelier)

    response = client.post(url(atelier, "payments"), {"badge_id": badge.badge_id, "method": "cash"})

    assert (response.status_code, error_codes(response)) == (status_code, [code])


@pytest.mark.django_db
def test_api_registrations_list_with_summary(organisateur, event_a):
    client, me = organisateur
    atelier = atelier_in(event_a, capacity=5, paid=True)
    paid = SessionAccessFactory(
        session=atelier,
        paid=True,
        recorded_by=me,
        participant__user__first_name="Amina",
        participant__user__last_name="Haddad",
        participant__user__email="amina@example.dz",
    )
    waiting = SessionAccessFactory(session=atelier)
    SessionAccessFactory(session=atelier, status=SessionAccess.Status.CANCELLED)

    response = client.get(url(atelier, "registrations"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["summary"] == {
        "registered": 1,
        "paid": 1,
        "cancelled": 1,
        "capacity": 5,
        "places_left": 3,
        "revenue": "1500.00",
    }
    first = body["results"][0]
    assert first["participant"] == {
        "id": paid.participant.pk,
        "badge_id": paid.participant.badge_id,
        "kind": "participant",
        "first_name": "Amina",
        "last_name": "Haddad",
        "email": "amina@example.dz",
    }
    assert (first["status"], first["amount"], first["payment_method"]) == ("paid", "1500.00", "cash")
    assert first["recorded_by"] == {"id": me.pk, "email": me.email, "full_name": me.get_full_name()}
    assert [r["id"] for r in body["results"]][1] == waiting.pk
    assert body["results"][1]["recorded_by"] is None


@pytest.mark.django_db
def test_api_registrations_filter_keeps_whole_atelier_summary(organisateur, event_a):
    client, _ = organisateur
    atelier = atelier_in(event_a, capacity=5)
    SessionAccessFactory(session=atelier)
    cancelled = SessionAccessFactory(session=atelier, status=SessionAccess.Status.CANCELLED)

    response = client.get(url(atelier, "registrations"), {"status": "cancelled", "page_size": 1})

    body = response.json()
    assert (body["count"], [r["id"] for r in body["results"]]) == (1, [cancelled.pk])
    assert (body["summary"]["registered"], body["summary"]["cancelled"], body["summary"]["revenue"]) == (1, 1, "0.00")


@pytest.mark.django_db
def test_api_registrations_unknown_status_is_400(organisateur, event_a):
    client, _ = organisateur

    response = client.get(url(atelier_in(event_a), "registrations"), {"status": "bogus"})

    assert (response.status_code, error_codes(response)) == (400, ["invalid_choice"])


@pytest.mark.django_db
def test_api_registrations_of_a_conference_is_refused(organisateur, event_a):
    client, _ = organisateur
    conference = SessionFactory(room=RoomFactory(event=event_a))

    response = client.get(url(conference, "registrations"))

    assert (response.status_code, error_codes(response)) == (400, ["not_an_atelier"])


@pytest.mark.django_db
@pytest.mark.parametrize("role", NOT_ORGANISATEUR)
def test_api_only_organisateurs_list_registrations(member, event_a, role):
    client, _ = member(role, event_a)

    response = client.get(url(atelier_in(event_a), "registrations"))

    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


@pytest.mark.django_db
def test_api_registrations_query_count_is_the_same_for_1_and_50_rows(organisateur, event_a):
    client, me = organisateur
    atelier = atelier_in(event_a, capacity=100, paid=True)
    SessionAccessFactory(session=atelier, paid=True, recorded_by=me)

    def add_rows():
        for i in range(1, 50):
            SessionAccessFactory(session=atelier, **({"paid": True, "recorded_by": me} if i % 2 else {}))

    # caller, session, page count, page rows, summary
    one, many = assert_same_queries(lambda: client.get(url(atelier, "registrations"), {"page_size": 100}), add_rows)

    assert (len(one.json()["results"]), len(many.json()["results"])) == (1, 50)


@pytest.mark.django_db
def test_api_session_list_and_detail_tell_caller_its_place_and_places_left(member, client_for, organisateur, event_a):
    badge = badge_holder(event_a)
    client = client_for(badge.user, event_a)
    other_client, _ = member(Role.PARTICIPANT, event_a, badge=True)
    organiser_client, _ = organisateur
    atelier = atelier_in(event_a, capacity=3, paid=True)
    client.post(url(atelier, "register"))

    registered = client.get(f"/api/sessions/{atelier.pk}/").json()
    organiser_client.post(url(atelier, "payments"), {"participant_id": badge.pk, "method": "cash"})
    paid = client.get(f"/api/sessions/{atelier.pk}/").json()
    listed = {s["id"]: s for s in other_client.get("/api/sessions/").json()["results"]}

    assert (registered["my_access_status"], registered["places_left"]) == ("registered", 2)
    assert (paid["my_access_status"], paid["places_left"]) == ("paid", 2)
    assert (listed[str(atelier.pk)]["my_access_status"], listed[str(atelier.pk)]["places_left"]) == (None, 2)


@pytest.mark.django_db
def test_api_payment_keeps_the_receipt_number(organisateur, event_a):
    client, _me = organisateur
    atelier = atelier_in(event_a, paid=True)
    access = SessionAccessFactory(session=atelier)

    response = client.post(
        url(atelier, "payments"),
        {"participant_id": access.participant.pk, "method": "card", "receipt_number": " R-0042 "},
        format="json",
    )
    too_long = client.post(
        url(atelier, "payments"),
        {"participant_id": access.participant.pk, "method": "card", "receipt_number": "R" * 51},
        format="json",
    )

    assert (response.status_code, response.json()["receipt_number"]) == (200, "R-0042")
    access.refresh_from_db()
    assert access.receipt_number == "R-0042"
    assert (too_long.status_code, error_codes(too_long)) == (400, ["max_length"])
