"""Event scoping for the API: everything starts from the caller's current event.

* :class:`EventScoped` (and :class:`EventScopedViewSet`): the current event and assignment, the
  queryset from a selector (``scoped_queryset``) with the schema generator's guard written once,
  and the event and role in every serializer's context.
* :class:`EventRelatedField`: a primary key in a request body that must name an object of the
  current event; its choices come from a selector (another event's object is refused exactly
  like one that does not exist: no existence oracle).
* :func:`of_current_event`: the same, as the ``queryset`` of a django-filter choice filter.
"""

from rest_framework import serializers, viewsets

from events.permissions import EventRolePermission, current_assignment


def current_event_of(request):
    """The caller's current event, or None (not selected, or no longer a member)."""
    assignment = getattr(request, "event_assignment", None)
    return assignment.event if assignment is not None else None


class EventScoped:
    """For views of one event's resources. Declare ``event_roles`` (events/permissions.py); a
    viewset also declares ``scoped_queryset(assignment)`` and names its model in ``queryset`` (for
    the schema generator only), an APIView reads ``assignment``/``current_event()``."""

    permission_classes = [EventRolePermission]

    @property
    def assignment(self):
        return current_assignment(self.request)

    def current_event(self):
        return self.assignment.event

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads the model only
            return self.queryset.none()
        return self.scoped_queryset(self.assignment)

    def scoped_queryset(self, assignment):
        raise NotImplementedError

    def get_serializer_context(self):
        context = super().get_serializer_context()
        assignment = getattr(self.request, "event_assignment", None)
        if assignment is not None:
            context.update(event=assignment.event, role=assignment.role)
        return context

    def paginated(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


class EventScopedViewSet(EventScoped, viewsets.GenericViewSet):
    pass


class EventRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key naming an object of the serializer's ``event`` (context), among
    ``selector(event)``. The queryset is built only when a value comes (hot paths rarely send one).
    ``queryset`` is not given: the model for the schema comes from ``model``."""

    def __init__(self, selector, *, model, **kwargs):
        self.selector, self.model = selector, model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        event = self.context.get("event")
        return self.model.objects.none() if event is None else self.selector(event)


def of_current_event(selector):
    """A django-filter ``queryset`` callable: ``selector(current event)`` (none without an event)."""

    def choices(request):
        return selector(current_event_of(request))  # no event: the selector's filter on None matches nothing

    return choices
