"""Live Q&A: asking, listing, polling, upvotes, answers, moderation, anonymity, limits."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import assert_same_queries, error_codes, run_together
from events.models import Participant, QuestionUpvote, Role, Session, SessionQuestion
from events.tests.factories import AssignmentFactory
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_questions import QuestionUpvoteFactory, SessionQuestionFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)


@pytest.fixture
def talk(event_a):
    return SessionFactory(room=RoomFactory(event=event_a), title="Keynote")


@pytest.fixture
def gestionnaire(client_for):
    """gestionnaire(room, on_duty=True) -> (client, user)."""

    def _gestionnaire(room, on_duty=True):
        now = timezone.now()
        start = now - timedelta(hours=1) if on_duty else now + timedelta(hours=1)
        shift = RoomAssignmentFactory(
            room=room, role=Role.GESTIONNAIRE_DES_SALLES, start_time=start, end_time=start + timedelta(hours=2)
        )
        return client_for(shift.user, room.event, Role.GESTIONNAIRE_DES_SALLES), shift.user

    return _gestionnaire


def _url(session):
    return f"/api/sessions/{session.pk}/questions/"


def _ids(response):
    return [q["id"] for q in response.json()["results"]]


# --- asking ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_ask_by_every_role_holding_a_badge(member, talk, role):
    client, user = member(role, talk.event, badge=True)

    response = client.post(_url(talk), {"text": "  Quand sort la v2 ?  "})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "Quand sort la v2 ?"
    assert body["is_mine"] is True
    assert body["upvote_count"] == 0
    assert body["is_answered"] is False
    question = SessionQuestion.objects.get()
    assert (question.session_id, question.asked_by_id, question.text) == (talk.pk, user.pk, "Quand sort la v2 ?")


@pytest.mark.parametrize("role", ROLES)
def test_ask_without_a_badge_is_403(member, talk, role):
    client, _ = member(role, talk.event)

    response = client.post(_url(talk), {"text": "Bonjour ?"})

    assert response.status_code == 403
    assert error_codes(response) == ["no_badge"]
    assert not SessionQuestion.objects.exists()


def test_ask_while_live_is_allowed(member, talk):
    Session.objects.filter(pk=talk.pk).update(status=Session.Status.LIVE)
    client, _ = member(Role.PARTICIPANT, talk.event, badge=True)

    assert client.post(_url(talk), {"text": "En direct ?"}).status_code == 201


@pytest.mark.parametrize("status", [Session.Status.COMPLETED, Session.Status.CANCELLED])
def test_ask_on_closed_session_is_409(member, talk, status):
    Session.objects.filter(pk=talk.pk).update(status=status)
    client, _ = member(Role.PARTICIPANT, talk.event, badge=True)

    response = client.post(_url(talk), {"text": "Trop tard ?"})

    assert response.status_code == 409
    assert error_codes(response) == ["session_closed"]
    assert not SessionQuestion.objects.exists()


def test_ask_on_paid_atelier_needs_a_paid_access(member, event_a):
    atelier = AtelierFactory(room=RoomFactory(event=event_a), paid=True)
    client, user = member(Role.PARTICIPANT, event_a, badge=True)
    badge = Participant.objects.get(user=user)

    without = client.post(_url(atelier), {"text": "Sans accès ?"})
    SessionAccessFactory(session=atelier, participant=badge)
    registered = client.post(_url(atelier), {"text": "Inscrit, pas payé ?"})
    badge.session_accesses.update(status="paid", amount=atelier.price, payment_method="cash", paid_at=timezone.now())
    paid = client.post(_url(atelier), {"text": "Payé ?"})

    assert (without.status_code, error_codes(without)) == (403, ["payment_required"])
    assert (registered.status_code, error_codes(registered)) == (403, ["payment_required"])
    assert paid.status_code == 201
    assert list(SessionQuestion.objects.values_list("text", flat=True)) == ["Payé ?"]


def test_ask_on_free_atelier_needs_no_access(member, event_a):
    atelier = AtelierFactory(room=RoomFactory(event=event_a))
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)

    assert client.post(_url(atelier), {"text": "Gratuit ?"}).status_code == 201


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"text": ""}, "blank"),
        ({"text": "   \n "}, "blank"),
        ({"text": "x" * 1001}, "max_length"),
        ({}, "required"),
        ({"text": "Ok ?", "is_anonymous": "peut-être"}, "invalid"),
    ],
)
def test_ask_with_bad_input_is_400(member, talk, payload, code):
    client, _ = member(Role.PARTICIPANT, talk.event, badge=True)

    response = client.post(_url(talk), payload)

    assert response.status_code == 400
    assert error_codes(response) == [code]
    assert not SessionQuestion.objects.exists()


def test_ask_with_1000_chars_is_accepted(member, talk):
    client, _ = member(Role.PARTICIPANT, talk.event, badge=True)

    response = client.post(_url(talk), {"text": "x" * 1000})

    assert response.status_code == 201
    assert len(SessionQuestion.objects.get().text) == 1000


def test_text_length_is_checked_by_the_database(talk, user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionQuestion.objects.create(session=talk, asked_by=user, text="")


def test_session_of_another_event_is_404(member, event_a, event_b):
    other = SessionFactory(room=RoomFactory(event=event_b))
    SessionQuestionFactory(session=other)
    client, _ = member(Role.ORGANISATEUR, event_a, badge=True)

    assert client.get(_url(other)).status_code == 404
    assert client.post(_url(other), {"text": "Ailleurs ?"}).status_code == 404
    assert SessionQuestion.objects.count() == 1


def test_questions_need_an_event_member(api_client, client_for, user, talk):
    assert api_client.get(_url(talk)).status_code == 401
    assert client_for(user).get(_url(talk)).status_code == 403


def test_ask_is_rate_limited_per_user(member, talk, settings):
    settings.QUESTION_RATE = "2/min"
    client, _ = member(Role.PARTICIPANT, talk.event, badge=True)
    other, _ = member(Role.PARTICIPANT, talk.event, badge=True)

    codes = [client.post(_url(talk), {"text": f"Q{i} ?"}).status_code for i in range(3)]
    limited = client.post(_url(talk), {"text": "Encore ?"})

    assert codes == [201, 201, 429]
    assert error_codes(limited) == ["throttled"]
    assert other.post(_url(talk), {"text": "Moi ?"}).status_code == 201  # per user
    assert client.get(_url(talk)).status_code == 200  # reading is not limited
    assert SessionQuestion.objects.count() == 3


# --- listing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_by_every_member_most_upvoted_first(member, talk, role):
    old = SessionQuestionFactory(session=talk, upvote_count=2)
    top = SessionQuestionFactory(session=talk, upvote_count=5)
    new = SessionQuestionFactory(session=talk, upvote_count=2)
    none = SessionQuestionFactory(session=talk)
    SessionQuestionFactory(session=SessionFactory(room=talk.room, start_time=talk.end_time))  # another session
    client, _ = member(role, talk.event)

    response = client.get(_url(talk))

    assert response.status_code == 200
    assert response.json()["count"] == 4
    assert _ids(response) == [top.pk, old.pk, new.pk, none.pk]


def test_list_filters_answered_and_unanswered(member, talk):
    answered = SessionQuestionFactory(session=talk, answer="Oui.", answered_at=timezone.now())
    open_ = SessionQuestionFactory(session=talk)
    client, _ = member(Role.PARTICIPANT, talk.event)

    assert _ids(client.get(_url(talk) + "?answered=true")) == [answered.pk]
    assert _ids(client.get(_url(talk) + "?answered=false")) == [open_.pk]
    bad = client.get(_url(talk) + "?answered=maybe")
    assert (bad.status_code, error_codes(bad)) == (400, ["invalid"])


def test_hidden_questions_are_invisible_to_non_moderators(member, gestionnaire, talk):
    hidden = SessionQuestionFactory(session=talk, is_hidden=True)
    shown = SessionQuestionFactory(session=talk)
    participant, _ = member(Role.PARTICIPANT, talk.event)
    organisateur, _ = member(Role.ORGANISATEUR, talk.event)
    on_duty, _ = gestionnaire(talk.room)
    off_duty, _ = gestionnaire(talk.room, on_duty=False)

    assert _ids(participant.get(_url(talk))) == [shown.pk]
    assert _ids(off_duty.get(_url(talk))) == [shown.pk]
    assert sorted(_ids(organisateur.get(_url(talk)))) == sorted([hidden.pk, shown.pk])
    assert sorted(_ids(on_duty.get(_url(talk)))) == sorted([hidden.pk, shown.pk])
    assert participant.get(f"/api/questions/{hidden.pk}/").status_code == 404
    assert off_duty.get(f"/api/questions/{hidden.pk}/").status_code == 404
    assert organisateur.get(f"/api/questions/{hidden.pk}/").status_code == 200


def test_list_query_count_is_the_same_for_1_and_50_questions(member, talk):
    client, _ = member(Role.PARTICIPANT, talk.event, badge=True)
    SessionQuestionFactory(session=talk)

    def add_rows():
        for question in SessionQuestionFactory.create_batch(49, session=talk, is_anonymous=True):
            QuestionUpvoteFactory(question=question)

    one, response = assert_same_queries(lambda: client.get(_url(talk) + "?page_size=100"), add_rows)

    assert one.status_code == 200
    assert len(response.json()["results"]) == 50


def test_list_query_count_for_gestionnaire_is_fixed(gestionnaire, talk):
    client, _ = gestionnaire(talk.room)
    SessionQuestionFactory(session=talk, answered_by=AssignmentFactory(event=talk.event).user)

    _, response = assert_same_queries(
        lambda: client.get(_url(talk)),
        lambda: SessionQuestionFactory.create_batch(
            10, session=talk, answered_by=AssignmentFactory(event=talk.event).user, is_hidden=True
        ),
    )

    assert response.json()["count"] == 11


# --- anonymity -----------------------------------------------------------------------------------------


def test_anonymous_author_never_reaches_participants(member, gestionnaire, talk):
    author_client, author = member(Role.PARTICIPANT, talk.event, badge=True)
    author.first_name, author.last_name = "Yasmine", "Belkacem"
    author.save()
    created = author_client.post(_url(talk), {"text": "Question discrète ?", "is_anonymous": True})
    question_id = created.json()["id"]
    voter, _ = member(Role.PARTICIPANT, talk.event, badge=True)
    gestionnaire_client, _ = gestionnaire(talk.room)
    secrets = [author.email, "Yasmine", "Belkacem", '"author":{']

    responses = [
        created,
        author_client.get(_url(talk)),
        voter.get(_url(talk)),
        voter.get(_url(talk) + "?since=2000-01-01T00:00:00Z"),
        voter.get(f"/api/questions/{question_id}/"),
        voter.post(f"/api/questions/{question_id}/upvote/"),
        gestionnaire_client.get(_url(talk)),
        gestionnaire_client.patch(f"/api/questions/{question_id}/answer/", {"answer": "Bonne question."}),
        voter.get(_url(talk) + f"?asked_by={author.pk}&ordering=asked_by"),
    ]

    for response in responses:
        assert response.status_code in (200, 201), response.content
        for secret in secrets:
            assert secret not in response.content.decode(), (secret, response.content)
    assert created.json()["author"] is None
    assert voter.get(f"/api/questions/{question_id}/").json()["is_mine"] is False


def test_organisateur_sees_the_anonymous_author(member, talk, user):
    question = SessionQuestionFactory(session=talk, asked_by=user, is_anonymous=True)
    client, _ = member(Role.ORGANISATEUR, talk.event)

    listed = client.get(_url(talk)).json()["results"][0]
    single = client.get(f"/api/questions/{question.pk}/").json()

    assert listed["author"] == single["author"] == {"id": user.pk, "full_name": user.get_full_name()}


def test_signed_question_shows_its_author(member, talk, user):
    SessionQuestionFactory(session=talk, asked_by=user)
    client, _ = member(Role.PARTICIPANT, talk.event)

    assert client.get(_url(talk)).json()["results"][0]["author"] == {"id": user.pk, "full_name": user.get_full_name()}


# --- since / ETag -----------------------------------------------------------------------------------------


def test_since_returns_only_what_changed(member, talk):
    long_ago = timezone.now() - timedelta(minutes=10)
    voted, answered, hidden, untouched = SessionQuestionFactory.create_batch(4, session=talk)
    SessionQuestion.objects.update(updated_at=long_ago)
    mark = timezone.now() - timedelta(minutes=5)
    client, _ = member(Role.PARTICIPANT, talk.event, badge=True)
    organisateur, _ = member(Role.ORGANISATEUR, talk.event)
    client.post(f"/api/questions/{voted.pk}/upvote/")
    organisateur.patch(f"/api/questions/{answered.pk}/answer/", {"answer": "Oui."})
    organisateur.post(f"/api/questions/{hidden.pk}/hide/")
    new = client.post(_url(talk), {"text": "Nouvelle ?"}).json()

    response = client.get(_url(talk), {"since": mark.isoformat()})

    assert response.status_code == 200
    results = {q["id"]: q for q in response.json()["results"]}
    assert set(results) == {voted.pk, answered.pk, hidden.pk, new["id"]}
    assert untouched.pk not in results
    assert results[voted.pk]["upvote_count"] == 1
    assert results[answered.pk]["answer"] == "Oui."
    # A hidden question comes as a blank tombstone, so that the client drops it.
    assert results[hidden.pk]["is_hidden"] is True
    assert results[hidden.pk]["text"] == ""
    assert results[hidden.pk]["author"] is None


def test_next_since_overlaps_the_last_poll(member, talk):
    client, _ = member(Role.PARTICIPANT, talk.event)
    before = timezone.now()

    response = client.get(_url(talk))

    next_since = timezone.datetime.fromisoformat(response["X-Next-Since"])
    assert before - timedelta(seconds=6) < next_since < before


def test_bad_since_is_400(member, talk):
    client, _ = member(Role.PARTICIPANT, talk.event)

    response = client.get(_url(talk), {"since": "hier"})

    assert (response.status_code, error_codes(response)) == (400, ["invalid"])


def test_etag_gives_304_until_something_changes(member, talk):
    question = SessionQuestionFactory(session=talk)
    client, _ = member(Role.PARTICIPANT, talk.event, badge=True)

    first = client.get(_url(talk))
    etag = first["ETag"]
    unchanged = client.get(_url(talk), HTTP_IF_NONE_MATCH=etag)
    client.post(f"/api/questions/{question.pk}/upvote/")
    changed = client.get(_url(talk), HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == 200
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_etag_changes_when_a_question_is_deleted(member, talk):
    client, _ = member(Role.PARTICIPANT, talk.event, badge=True)
    SessionQuestionFactory(session=talk)
    mine = client.post(_url(talk), {"text": "À supprimer ?"}).json()
    etag = client.get(_url(talk))["ETag"]

    client.delete(f"/api/questions/{mine['id']}/")

    assert client.get(_url(talk), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_etag_differs_between_users_and_filters(member, talk):
    SessionQuestionFactory(session=talk)
    one, _ = member(Role.PARTICIPANT, talk.event, badge=True)
    two, _ = member(Role.PARTICIPANT, talk.event, badge=True)

    etag = one.get(_url(talk))["ETag"]

    assert two.get(_url(talk), HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert one.get(_url(talk) + "?answered=false", HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- upvotes -----------------------------------------------------------------------------------------


def test_upvote_toggles_exactly(member, talk):
    question = SessionQuestionFactory(session=talk)
    client, user = member(Role.PARTICIPANT, talk.event, badge=True)

    first = client.post(f"/api/questions/{question.pk}/upvote/")
    listed = client.get(_url(talk)).json()["results"][0]
    second = client.post(f"/api/questions/{question.pk}/upvote/")

    assert first.json() == {"id": question.pk, "upvoted": True, "upvote_count": 1}
    assert (listed["has_upvoted"], listed["upvote_count"]) == (True, 1)
    assert second.json() == {"id": question.pk, "upvoted": False, "upvote_count": 0}
    question.refresh_from_db()
    assert question.upvote_count == 0
    assert not QuestionUpvote.objects.exists()


def test_upvote_own_question_is_400(member, talk):
    client, user = member(Role.PARTICIPANT, talk.event, badge=True)
    question = SessionQuestionFactory(session=talk, asked_by=user)

    response = client.post(f"/api/questions/{question.pk}/upvote/")

    assert (response.status_code, error_codes(response)) == (400, ["own_question"])
    assert SessionQuestion.objects.get().upvote_count == 0


def test_upvote_refusals(member, event_a, event_b, talk):
    hidden = SessionQuestionFactory(session=talk, is_hidden=True)
    elsewhere = SessionQuestionFactory(session=SessionFactory(room=RoomFactory(event=event_b)))
    closed = SessionQuestionFactory(
        session=SessionFactory(room=talk.room, start_time=talk.end_time, status="completed")
    )
    open_ = SessionQuestionFactory(session=talk)
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)
    no_badge, _ = member(Role.PARTICIPANT, event_a)

    assert client.post(f"/api/questions/{hidden.pk}/upvote/").status_code == 404
    assert client.post(f"/api/questions/{elsewhere.pk}/upvote/").status_code == 404
    assert error_codes(client.post(f"/api/questions/{closed.pk}/upvote/")) == ["session_closed"]
    assert error_codes(no_badge.post(f"/api/questions/{open_.pk}/upvote/")) == ["no_badge"]
    assert not QuestionUpvote.objects.exists()
    assert set(SessionQuestion.objects.values_list("upvote_count", flat=True)) == {0}


def test_upvote_on_paid_atelier_needs_a_paid_access(member, event_a):
    atelier = AtelierFactory(room=RoomFactory(event=event_a), paid=True)
    question = SessionQuestionFactory(session=atelier)
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)

    response = client.post(f"/api/questions/{question.pk}/upvote/")

    assert (response.status_code, error_codes(response)) == (403, ["payment_required"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency needs PostgreSQL (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_twenty_users_upvoting_at_once_count_exactly():
    from events.services.questions import toggle_upvote
    from events.tests.factories_ateliers import ParticipantFactory

    talk = SessionFactory()
    question = SessionQuestionFactory(session=talk)
    voters = [ParticipantFactory(event=talk.event).user for _ in range(20)]

    def vote(user):
        toggle_upvote(question=SessionQuestion.objects.select_related("session").get(pk=question.pk), user=user)

    def run_all():
        _, errors = run_together([lambda user=user: vote(user) for user in voters])
        return errors

    errors = run_all()
    question.refresh_from_db()
    assert errors == []
    assert question.upvote_count == 20
    assert QuestionUpvote.objects.filter(question=question).count() == 20

    errors = run_all()
    question.refresh_from_db()
    assert errors == []
    assert question.upvote_count == 0
    assert not QuestionUpvote.objects.exists()


# --- answer / hide / unhide -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("organisateur", 200, None),
        ("gestionnaire_on_duty", 200, None),
        ("gestionnaire_off_duty", 403, "not_assigned_to_room"),
        ("gestionnaire_other_room", 403, "not_assigned_to_room"),
        (Role.PARTICIPANT, 403, "insufficient_role"),
        (Role.EXPOSANT, 403, "insufficient_role"),
        (Role.CONTROLLEUR_DES_BADGES, 403, "insufficient_role"),
    ],
)
@pytest.mark.parametrize("endpoint", ["answer", "hide", "unhide"])
def test_moderation_per_role_and_duty(member, gestionnaire, talk, who, status, code, endpoint):
    question = SessionQuestionFactory(session=talk, is_hidden=endpoint == "unhide")
    if who == "organisateur":
        client, actor = member(Role.ORGANISATEUR, talk.event)
    elif who == "gestionnaire_on_duty":
        client, actor = gestionnaire(talk.room)
    elif who == "gestionnaire_off_duty":
        client, actor = gestionnaire(talk.room, on_duty=False)
    elif who == "gestionnaire_other_room":
        client, actor = gestionnaire(RoomFactory(event=talk.event))
    else:
        client, actor = member(who, talk.event)
    url = f"/api/questions/{question.pk}/{endpoint}/"

    response = client.patch(url, {"answer": "  Oui, en mars.  "}) if endpoint == "answer" else client.post(url)

    assert response.status_code == status, response.content
    question.refresh_from_db()
    if code:
        assert error_codes(response) == [code]
        assert (question.answer, question.is_hidden) == ("", endpoint == "unhide")
    elif endpoint == "answer":
        assert (question.answer, question.answered_by_id) == ("Oui, en mars.", actor.pk)
        assert question.answered_at is not None
        assert response.json()["is_answered"] is True
        assert response.json()["answered_by"] == actor.get_full_name()
    else:
        assert question.is_hidden is (endpoint == "hide")
        assert response.json()["is_hidden"] is (endpoint == "hide")


def test_moderation_of_another_events_question_is_404(member, event_a, event_b):
    question = SessionQuestionFactory(session=SessionFactory(room=RoomFactory(event=event_b)))
    client, _ = member(Role.ORGANISATEUR, event_a)

    assert client.patch(f"/api/questions/{question.pk}/answer/", {"answer": "Non."}).status_code == 404
    assert client.post(f"/api/questions/{question.pk}/hide/").status_code == 404
    assert client.get(f"/api/questions/{question.pk}/").status_code == 404
    assert client.delete(f"/api/questions/{question.pk}/").status_code == 404


def test_empty_answer_is_400(member, talk):
    question = SessionQuestionFactory(session=talk)
    client, _ = member(Role.ORGANISATEUR, talk.event)

    response = client.patch(f"/api/questions/{question.pk}/answer/", {"answer": "   "})

    assert (response.status_code, error_codes(response)) == (400, ["blank"])


def test_hide_is_idempotent_and_unhide_shows_again(member, talk):
    question = SessionQuestionFactory(session=talk)
    organisateur, _ = member(Role.ORGANISATEUR, talk.event)
    participant, _ = member(Role.PARTICIPANT, talk.event)

    organisateur.post(f"/api/questions/{question.pk}/hide/")
    twice = organisateur.post(f"/api/questions/{question.pk}/hide/")
    hidden_list = _ids(participant.get(_url(talk)))
    organisateur.post(f"/api/questions/{question.pk}/unhide/")

    assert twice.status_code == 200
    assert hidden_list == []
    assert _ids(participant.get(_url(talk))) == [question.pk]


def test_other_methods_are_not_offered(member, talk):
    question = SessionQuestionFactory(session=talk)
    client, _ = member(Role.ORGANISATEUR, talk.event)

    assert client.get("/api/questions/").status_code == 404  # no list route: lists are per session
    assert client.patch(f"/api/questions/{question.pk}/", {"text": "Autre"}).status_code == 405
    assert client.put(f"/api/questions/{question.pk}/", {"text": "Autre"}).status_code == 405


# --- delete -----------------------------------------------------------------------------------------


def test_author_deletes_its_unanswered_question(member, talk):
    client, user = member(Role.PARTICIPANT, talk.event, badge=True)
    question = SessionQuestionFactory(session=talk, asked_by=user)
    QuestionUpvoteFactory(question=question)

    response = client.delete(f"/api/questions/{question.pk}/")

    assert response.status_code == 204
    assert not SessionQuestion.objects.exists()
    assert not QuestionUpvote.objects.exists()


def test_author_cannot_delete_an_answered_question(member, talk):
    client, user = member(Role.PARTICIPANT, talk.event, badge=True)
    question = SessionQuestionFactory(session=talk, asked_by=user, answer="Oui.", answered_at=timezone.now())

    response = client.delete(f"/api/questions/{question.pk}/")

    assert (response.status_code, error_codes(response)) == (409, ["already_answered"])
    assert SessionQuestion.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_author_deletes(member, talk, role):
    question = SessionQuestionFactory(session=talk)
    client, _ = member(role, talk.event)

    response = client.delete(f"/api/questions/{question.pk}/")

    assert (response.status_code, error_codes(response)) == (403, ["not_owner"])
    assert SessionQuestion.objects.exists()


# --- admin -----------------------------------------------------------------------------------------


def test_admin_lists_only_the_organised_events_questions(rf, event_a, event_b):
    from django.contrib import admin

    from accounts.tests.factories import UserFactory
    from events.admin_questions import SessionQuestionAdmin

    organiser = UserFactory(is_staff=True)
    AssignmentFactory(user=organiser, event=event_a, role=Role.ORGANISATEUR)
    own = SessionQuestionFactory(session=SessionFactory(room=RoomFactory(event=event_a)))
    SessionQuestionFactory(session=SessionFactory(room=RoomFactory(event=event_b)))
    request = rf.get("/admin/events/sessionquestion/")
    request.user = organiser
    model_admin = SessionQuestionAdmin(SessionQuestion, admin.site)

    assert list(model_admin.get_queryset(request)) == [own]
    assert model_admin.has_change_permission(request, own) is True
    assert model_admin.has_add_permission(request) is False
    assert "is_hidden" not in model_admin.get_readonly_fields(request, own)
