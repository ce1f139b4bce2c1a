"""Live Q&A endpoints.

- ``GET/POST /api/sessions/{id}/questions/`` (:class:`SessionQuestionsView`): members of the
  session's event read; badge holders ask (rules in events/services/questions.py), at most
  ``settings.QUESTION_RATE`` (default ``5/min``) per user, counted in the shared cache (429
  ``throttled``). The list is most upvoted first; ``answered`` filters; ``since`` returns
  only what changed; an ``ETag`` answers ``If-None-Match`` with 304 when nothing changed;
  ``X-Next-Since`` is the ``since`` of the next poll.
- ``/api/questions/{id}/`` (:class:`QuestionViewSet`): retrieve; delete (author, unanswered);
  ``upvote/`` (toggle); ``answer/``, ``hide/``, ``unhide/`` (organisateurs, or the
  gestionnaire on duty at the session's room).

Everything is scoped to the caller's current event: another event's session or question is a 404.
"""

from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from events.models import Role, Session, SessionQuestion
from events.permissions import MEMBERS, MODERATE
from events.roles import MODERATORS
from events.scoping import EventScoped, EventScopedViewSet
from events.selectors import questions as selectors
from events.serializers.questions import (
    QuestionAnswerSerializer,
    QuestionAskSerializer,
    QuestionListQuerySerializer,
    QuestionVoteSerializer,
    SessionQuestionPageSerializer,
    SessionQuestionSerializer,
)
from events.services import questions as services
from makeplus.pagination import PageNumberPagination

_TAGS = ["questions"]
POLL_OVERLAP = timedelta(seconds=5)


class QuestionRateThrottle(SimpleRateThrottle):
    """Questions asked per user, in the default cache (shared between app processes with Redis)."""

    scope = "questions"

    def get_rate(self):
        return getattr(settings, "QUESTION_RATE", "5/min")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def _shown_to(role, *, moderator: bool) -> dict:
    """What a question shows the caller (events/serializers/questions.py): hidden ones to moderators,
    anonymous authors to organisateurs only."""
    return {"moderator": moderator, "reveal_authors": role == Role.ORGANISATEUR}


class SessionQuestionsView(EventScoped, APIView):
    event_roles = MEMBERS
    pagination_class = PageNumberPagination

    def get_throttles(self):
        return [QuestionRateThrottle()] if self.request.method == "POST" else []

    def _session(self):
        return get_object_or_404(Session.objects.filter(event=self.current_event()), pk=self.kwargs["pk"])

    @extend_schema(
        tags=_TAGS,
        parameters=[
            QuestionListQuerySerializer,
            OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER, description="A previous ETag."),
            OpenApiParameter("ETag", str, OpenApiParameter.HEADER, response=[200, 304]),
            OpenApiParameter(
                "X-Next-Since",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="The `since` to send on the next poll (a little in the past: overlaps, never gaps).",
            ),
        ],
        responses={200: SessionQuestionPageSerializer, 304: OpenApiResponse(description="Not modified.")},
        filters=False,
    )
    def get(self, request, pk):
        """The session's questions, most upvoted first (then oldest). Send the ``ETag`` back in
        ``If-None-Match`` to get a 304 when nothing changed; use ``since`` for only the changes."""
        # Rows are stamped before they commit: the next poll looks a little back, so nothing slips between.
        next_since = timezone.now() - POLL_OVERLAP
        query = QuestionListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        session = self._session()
        assignment = self.assignment
        moderator = selectors.may_moderate(assignment, room_id=session.room_id)
        questions = selectors.questions_for_session(
            session, viewer=request.user, moderator=moderator, **query.validated_data
        )
        etag = selectors.questions_etag(
            questions, parts=(request.user.pk, assignment.role, moderator, request.META.get("QUERY_STRING", ""))
        )
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(questions, request, view=self)
        data = SessionQuestionSerializer(
            page, many=True, context={"request": request, **_shown_to(assignment.role, moderator=moderator)}
        ).data
        response = paginator.get_paginated_response(data)
        response["ETag"] = etag
        response["X-Next-Since"] = next_since.isoformat()
        response["Cache-Control"] = "private, no-cache"
        return response

    @extend_schema(tags=_TAGS, request=QuestionAskSerializer, responses={201: SessionQuestionSerializer})
    def post(self, request, pk):
        """Ask a question (badge holders, session scheduled or live; paid atelier: paid access).
        Errors: no_badge, session_closed, payment_required, throttled."""
        serializer = QuestionAskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = self._session()
        question = services.ask_question(session=session, user=request.user, **serializer.validated_data)
        question.has_upvoted = False
        context = {"request": request, **_shown_to(self.assignment.role, moderator=False)}
        data = SessionQuestionSerializer(question, context=context).data
        return Response(data, status=status.HTTP_201_CREATED)


class QuestionViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, EventScopedViewSet):
    """One question of the current event's sessions."""

    queryset = SessionQuestion.objects.none()
    serializer_class = SessionQuestionSerializer
    event_roles = {"read": MEMBERS, "write": MEMBERS, "answer": MODERATE, "hide": MODERATE, "unhide": MODERATE}
    filter_backends = []
    pagination_class = None

    def scoped_queryset(self, assignment):
        return selectors.questions_for_event(
            assignment.event, viewer=self.request.user, include_hidden=assignment.role in MODERATORS
        )

    def get_object(self):
        question = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, question)
        # Hidden questions exist only for those who may moderate them (403 from the permission
        # on the moderation actions, 404 elsewhere).
        moderating = self.event_roles.get(self.action) is MODERATE
        if (
            question.is_hidden
            and not moderating
            and not selectors.may_moderate(self.assignment, room_id=question.session.room_id)
        ):
            raise Http404
        return question

    def get_serializer_context(self):
        context = super().get_serializer_context()
        role = context.get("role")  # none for the schema generator
        if role is not None:
            context.update(_shown_to(role, moderator=role in MODERATORS))
        return context

    @extend_schema(tags=_TAGS)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(tags=_TAGS)
    def destroy(self, request, *args, **kwargs):
        """The author deletes its question while unanswered (403 not_owner, 409 already_answered)."""
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.delete_question(question=instance, actor=self.request.user)

    @extend_schema(tags=_TAGS, request=None, responses={200: QuestionVoteSerializer})
    @action(detail=True, methods=["post"])
    def upvote(self, request, pk=None):
        """Toggle the caller's upvote (not on its own question: 400 own_question)."""
        vote = services.toggle_upvote(question=self.get_object(), user=request.user)
        return Response(QuestionVoteSerializer(vote).data)

    @extend_schema(tags=_TAGS, request=QuestionAnswerSerializer, responses={200: SessionQuestionSerializer})
    @action(detail=True, methods=["patch"])
    def answer(self, request, pk=None):
        """Organisateurs, or the gestionnaire on duty at the session's room."""
        serializer = QuestionAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.answer_question(
            question=self.get_object(), actor=request.user, answer=serializer.validated_data["answer"]
        )
        return Response(self.get_serializer(question).data)

    def _hide(self, hidden: bool):
        question = services.set_question_hidden(question=self.get_object(), actor=self.request.user, hidden=hidden)
        return Response(self.get_serializer(question).data)

    @extend_schema(tags=_TAGS, request=None, responses={200: SessionQuestionSerializer})
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        """Organisateurs, or the gestionnaire on duty at the session's room."""
        return self._hide(True)

    @extend_schema(tags=_TAGS, request=None, responses={200: SessionQuestionSerializer})
    @action(detail=True, methods=["post"])
    def unhide(self, request, pk=None):
        """Organisateurs, or the gestionnaire on duty at the session's room."""
        return self._hide(False)
