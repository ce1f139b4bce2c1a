"""The mobile app's Q&A (contract §3.5; §4 row 13): the participant asks and reads, the room manager
toggles answered; the Question shape without any asker identity; who may toggle stays our rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import assert_same_queries, error_codes
from events.models import Role, SessionQuestion
from events.tests.factories import badge_holder
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_questions import SessionQuestionFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db

LIST = "/api/session-questions/"
QUESTION_KEYS = {
    "id",
    "session",
    "question_text",
    "asked_at",
    "is_answered",
    "answer_text",
    "answered_by",
    "answered_at",
    "session_title",
    "answered_by_name",
}
NONE = type(None)
QUESTION_MODEL = {
    "id": int,
    "session": str,
    "question_text": str,
    "asked_at": str,
    "is_answered": bool,
    "answer_text": (str, NONE),
    "answered_by": (int, NONE),
    "answered_at": (str, NONE),
    "session_title": str,
    "answered_by_name": (str, NONE),
}


def assert_question(obj: dict) -> None:
    assert set(obj) == QUESTION_KEYS  # nothing about who asked
    for key, types in QUESTION_MODEL.items():
        assert isinstance(obj[key], types), (key, obj[key])
    if isinstance(obj["answered_by"], bool):
        raise AssertionError("answered_by is a bool")


@pytest.fixture
def room(event_a):
    return RoomFactory(event=event_a, name="Salle Atlas")


@pytest.fixture
def session(room):
    return SessionFactory(room=room, title="Keynote", status="live")


@pytest.fixture
def asker(client_for, event_a):
    holder = badge_holder(event_a, first_name="Amina", last_name="Kaci")
    return client_for(holder.user, event_a), holder.user


@pytest.fixture
def moderator(client_for, event_a, room):
    now = timezone.now()
    user = RoomAssignmentFactory(
        room=room,
        role=Role.GESTIONNAIRE_DES_SALLES,
        start_time=now - timedelta(hours=1),
        end_time=now + timedelta(hours=1),
    ).user
    user.first_name, user.last_name = "Yacine", "Ferhat"
    user.save(update_fields=["first_name", "last_name"])
    return client_for(user, event_a), user


def post(client, path, body=None):
    return client.post(path, body, format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_replay_participant_then_room_manager(asker, moderator, session):
    participant, _ = asker
    manager, manager_user = moderator

    asked = post(participant, LIST, {"session": str(session.pk), "question_text": "  Les slides ?  "})
    read = participant.get(f"{LIST}?session={session.pk}")
    managers_view = manager.get(f"{LIST}?session={session.pk}")
    answered = post(manager, f"{LIST}{asked.json()['id']}/answer/")
    unanswered = post(manager, f"{LIST}{asked.json()['id']}/answer/")

    assert asked.status_code == 201
    assert_question(asked.json())
    assert (asked.json()["session"], asked.json()["question_text"], asked.json()["session_title"]) == (
        str(session.pk),
        "Les slides ?",
        "Keynote",
    )
    assert (asked.json()["is_answered"], asked.json()["answered_by"], asked.json()["answer_text"]) == (
        False,
        None,
        None,
    )
    assert read.status_code == 200 and managers_view.status_code == 200
    for page in (read.json(), managers_view.json()):
        assert [q["id"] for q in page["results"]] == [asked.json()["id"]]
        assert_question(page["results"][0])
    assert answered.status_code == 200
    assert_question(answered.json())
    assert (answered.json()["is_answered"], answered.json()["answered_by"], answered.json()["answered_by_name"]) == (
        True,
        manager_user.pk,
        "Yacine Ferhat",
    )
    assert answered.json()["answered_at"] is not None
    assert unanswered.status_code == 200
    assert (unanswered.json()["is_answered"], unanswered.json()["answered_by"], unanswered.json()["answered_at"]) == (
        False,
        None,
        None,
    )


def test_questions_asked_from_the_app_are_anonymous_everywhere(asker, session, client_for, event_a):
    participant, me = asker
    other = client_for(badge_holder(event_a).user, event_a)

    question_id = post(participant, LIST, {"session": str(session.pk), "question_text": "Qui ?"}).json()["id"]
    ours = other.get(f"/api/sessions/{session.pk}/questions/").json()["results"][0]

    assert SessionQuestion.objects.get(pk=question_id).is_anonymous is True
    assert (ours["is_anonymous"], ours["author"]) == (True, None)
    assert "Amina" not in str(other.get(f"{LIST}?session={session.pk}").json())


def test_untoggling_clears_a_written_answer(moderator, session):
    manager, _ = moderator
    question = SessionQuestionFactory(session=session, answer="Oui.", answered_at=timezone.now())

    body = post(manager, f"{LIST}{question.pk}/answer/").json()

    assert (body["is_answered"], body["answer_text"]) == (False, None)
    question.refresh_from_db()
    assert (question.answer, question.answered_at, question.answered_by) == ("", None, None)


def test_hidden_questions_are_not_listed(asker, moderator, session):
    visible = SessionQuestionFactory(session=session)
    SessionQuestionFactory(session=session, is_hidden=True)

    for client, _ in (asker, moderator):
        assert [q["id"] for q in client.get(f"{LIST}?session={session.pk}").json()["results"]] == [visible.pk]


# --- who may toggle ------------------------------------------------------------------------------


def test_a_participant_cannot_toggle(asker, session):
    participant, _ = asker
    question = SessionQuestionFactory(session=session)

    response = post(participant, f"{LIST}{question.pk}/answer/")

    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])
    assert isinstance(response.json()["error"], str)
    question.refresh_from_db()
    assert question.answered_at is None


def test_a_manager_of_another_room_cannot_toggle(moderator, event_a):
    manager, _ = moderator
    question = SessionQuestionFactory(session=SessionFactory(room=RoomFactory(event=event_a)))

    response = post(manager, f"{LIST}{question.pk}/answer/")

    assert (response.status_code, error_codes(response)) == (403, ["not_assigned_to_room"])
    question.refresh_from_db()
    assert question.answered_at is None


def test_organisateurs_toggle_anywhere(organisateur, session):
    question = SessionQuestionFactory(session=session)

    response = post(organisateur.client, f"{LIST}{question.pk}/answer/")

    assert (response.status_code, response.json()["is_answered"]) == (200, True)


def test_another_events_questions_are_invisible(moderator, asker, event_b):
    manager, _ = moderator
    participant, _ = asker
    foreign_session = SessionFactory(room=RoomFactory(event=event_b), status="live")
    foreign = SessionQuestionFactory(session=foreign_session)

    toggled = post(manager, f"{LIST}{foreign.pk}/answer/")
    listed = participant.get(f"{LIST}?session={foreign_session.pk}")
    asked = post(participant, LIST, {"session": str(foreign_session.pk), "question_text": "Ailleurs ?"})

    assert toggled.status_code == 404
    assert (listed.status_code, [(e["attr"], e["code"]) for e in listed.json()["errors"]]) == (
        400,
        [("session", "does_not_exist")],
    )
    assert (asked.status_code, error_codes(asked)) == (400, ["does_not_exist"])
    assert not SessionQuestion.objects.filter(text="Ailleurs ?").exists()


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [("session", "required"), ("question_text", "required")]),
        ({"session": "nope", "question_text": "Q ?"}, [("session", "invalid")]),
        ({"session": "{session}", "question_text": "   "}, [("question_text", "blank")]),
        ({"session": "{session}", "question_text": "x" * 1001}, [("question_text", "max_length")]),
        ({"session": "{session}", "question_text": None}, [("question_text", "null")]),
    ],
)
def test_bad_questions_are_400(asker, session, body, expected):
    participant, _ = asker
    body = {k: (v.format(session=session.pk) if isinstance(v, str) else v) for k, v in body.items()}

    response = post(participant, LIST, body)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == expected
    assert isinstance(response.json()["message"], str)


@pytest.mark.parametrize("query", ["", "?session=", "?session=abc", "?session=5c1b0d4e-0000-4000-8000-000000000000"])
def test_a_list_without_a_session_of_ours_is_400(asker, query):
    participant, _ = asker

    response = participant.get(f"{LIST}{query}")

    assert response.status_code == 400
    assert isinstance(response.json()["message"], str)


def test_our_rules_for_asking_apply(client_for, event_a, room, session):
    staff = RoomAssignmentFactory(room=room).user  # a controller: no badge
    closed = SessionFactory(room=room, status="completed", start_time=session.end_time)
    holder = client_for(badge_holder(event_a).user, event_a)

    no_badge = post(client_for(staff, event_a), LIST, {"session": str(session.pk), "question_text": "Q ?"})
    over = post(holder, LIST, {"session": str(closed.pk), "question_text": "Q ?"})

    assert (no_badge.status_code, error_codes(no_badge)) == (403, ["no_badge"])
    assert (over.status_code, error_codes(over)) == (409, ["session_closed"])


def test_unknown_question_is_404(moderator):
    manager, _ = moderator

    assert post(manager, f"{LIST}999999/answer/").status_code == 404


def test_question_list_query_count_does_not_grow(asker, moderator, session):
    participant, _ = asker
    _, manager_user = moderator
    SessionQuestionFactory(session=session, answered_by=manager_user, answered_at=timezone.now())

    def add_rows():
        for _ in range(5):
            SessionQuestionFactory(session=session, answered_by=manager_user, answered_at=timezone.now())

    one, many = assert_same_queries(lambda: participant.get(f"{LIST}?session={session.pk}").json(), add_rows)

    assert (one["count"], many["count"]) == (1, 6)
    assert {q["answered_by_name"] for q in many["results"]} == {"Yacine Ferhat"}
