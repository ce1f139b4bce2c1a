"""Issue 20 item 6: Q&A in the back office: answer, hide, show again, filter by session, through the services."""

import pytest
from django.urls import reverse

from conftest import assert_same_queries
from events.models import SessionQuestion
from events.tests.backoffice import is_login_page, organiser, signed_in
from events.tests.factories import badge_holder
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_questions import SessionQuestionFactory

pytestmark = pytest.mark.django_db

QUESTIONS = reverse("admin:events_sessionquestion_changelist")


@pytest.fixture
def qa(event_a, event_b):
    client, user = organiser(event_a)
    room = RoomFactory(event=event_a)
    keynote = SessionFactory(room=room, title="Keynote")
    panel = SessionFactory(
        room=room,
        title="Panel",
        start_time=keynote.end_time,
        end_time=keynote.end_time + (keynote.end_time - keynote.start_time),
    )
    asker = badge_holder(event_a, first_name="Rym", last_name="Saidi").user
    q1 = SessionQuestionFactory(session=keynote, asked_by=asker, text="Quand sort la version 2 ?")
    q2 = SessionQuestionFactory(session=panel, asked_by=asker, text="Et le prix ?", is_anonymous=True)
    theirs = SessionQuestionFactory(
        session=SessionFactory(room=RoomFactory(event=event_b), title="Ailleurs"), text="Secret"
    )
    return {"client": client, "user": user, "keynote": keynote, "panel": panel, "q1": q1, "q2": q2, "theirs": theirs}


def change(question):
    return reverse("admin:events_sessionquestion_change", args=[question.pk])


def test_answer_through_the_service(qa):
    response = qa["client"].post(change(qa["q1"]), {"answer": "  En juin.  ", "is_hidden": ""})
    assert response.status_code == 302
    q1 = SessionQuestion.objects.get(pk=qa["q1"].pk)
    assert (q1.answer, q1.answered_by, q1.answered_at is not None) == ("En juin.", qa["user"], True)
    # Erasing the answer makes it unanswered again.
    qa["client"].post(change(qa["q1"]), {"answer": "", "is_hidden": ""})
    q1.refresh_from_db()
    assert (q1.answer, q1.answered_by, q1.answered_at) == ("", None, None)


def test_hide_and_show_again_with_actions(qa):
    ids = [str(qa["q1"].pk), str(qa["q2"].pk)]
    qa["client"].post(QUESTIONS, {"action": "hide_questions", "_selected_action": ids})
    assert set(SessionQuestion.objects.filter(is_hidden=True).values_list("text", flat=True)) == {
        "Quand sort la version 2 ?",
        "Et le prix ?",
    }
    qa["client"].post(QUESTIONS, {"action": "unhide_questions", "_selected_action": ids[:1]})
    assert list(SessionQuestion.objects.filter(is_hidden=True).values_list("text", flat=True)) == ["Et le prix ?"]


def test_filter_by_session_lists_only_the_events_sessions(qa):
    response = qa["client"].get(QUESTIONS, {"session__id__exact": str(qa["keynote"].pk)})
    assert [q.text for q in response.context["cl"].result_list] == ["Quand sort la version 2 ?"]
    flat = " ".join(
        str(c["display"]) for spec in response.context["cl"].filter_specs for c in spec.choices(response.context["cl"])
    )
    assert "Keynote" in flat and "Panel" in flat and "Ailleurs" not in flat


def test_anonymous_questions_stay_anonymous(qa):
    html = qa["client"].get(QUESTIONS).content.decode()
    assert html.count("Rym Saidi") == 1  # the named question only


def test_another_events_question_is_out_of_reach(qa):
    theirs = qa["theirs"]
    response = qa["client"].post(change(theirs), {"answer": "x", "is_hidden": "on"})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.answer, theirs.is_hidden) == ("", False)
    qa["client"].post(QUESTIONS, {"action": "hide_questions", "_selected_action": [str(theirs.pk)]})
    assert SessionQuestion.objects.get(pk=theirs.pk).is_hidden is False
    assert "Secret" not in qa["client"].get(QUESTIONS).content.decode()


def test_no_delete_in_the_back_office(qa):
    assert qa["client"].get(reverse("admin:events_sessionquestion_delete", args=[qa["q1"].pk])).status_code == 403


def test_a_participant_gets_the_login_page(qa, event_a):
    assert is_login_page(signed_in(badge_holder(event_a).user).get(QUESTIONS))


def test_questions_list_query_count_does_not_grow(qa):
    def more():
        for _ in range(5):
            SessionQuestionFactory(session=qa["keynote"], asked_by=badge_holder(qa["keynote"].event).user)

    assert_same_queries(lambda: qa["client"].get(QUESTIONS).status_code, more)
