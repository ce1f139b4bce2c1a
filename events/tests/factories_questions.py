"""Factories for the live Q&A (sessions come from factories_programme)."""

import factory

from accounts.tests.factories import UserFactory
from events.models import QuestionUpvote, SessionQuestion
from events.tests.factories_programme import SessionFactory


class SessionQuestionFactory(factory.django.DjangoModelFactory):
    """A visible, unanswered, signed question without votes."""

    class Meta:
        model = SessionQuestion

    session = factory.SubFactory(SessionFactory)
    asked_by = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Question {n} ?")


class QuestionUpvoteFactory(factory.django.DjangoModelFactory):
    """A vote row only: the counter is the services' business (tests set upvote_count themselves)."""

    class Meta:
        model = QuestionUpvote

    question = factory.SubFactory(SessionQuestionFactory)
    user = factory.SubFactory(UserFactory)
