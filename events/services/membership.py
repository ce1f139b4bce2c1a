"""A person's own answer to being put in an event by someone else (SPEC "Privacy").

Someone added by an organisateur (by email, import, user-assignments) has not accepted the event:
the event sees only its registration data (``Participant.first_name/last_name/phone``, what was
typed or imported) and never the account's profile. The person accepts by using the invitation
(code or link) or by selecting the event after signing in (the app's event picker: selecting is
accepting); an event created by the person is accepted from the start. The person may instead
leave an event: its role ends and its badge is removed.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from events.models import Participant, UserEventAssignment
from makeplus.errors import AppError


def _show_profile(user: User, badges) -> None:
    """The badges' registration data becomes the account's profile (what an accepted event shows)."""
    badges.update(first_name=user.first_name, last_name=user.last_name, phone=user.phone)


def accept_event(*, user: User, event_id) -> bool:
    """Record that ``user`` accepts the event; True when this call accepted it. Its badge's
    registration data becomes its profile's, so search and printing use the accepted name."""
    with transaction.atomic():
        accepted = UserEventAssignment.objects.filter(
            user=user, event_id=event_id, is_active=True, accepted_at__isnull=True
        ).update(accepted_at=timezone.now())
        if accepted:
            _show_profile(user, Participant.objects.filter(user=user, event_id=event_id))
    return bool(accepted)


def profile_changed(*, user: User) -> None:
    """Keep the registration data of the events the user accepted equal to its profile."""
    accepted_events = UserEventAssignment.objects.filter(user=user, accepted_at__isnull=False).values("event_id")
    _show_profile(user, Participant.objects.filter(user=user, event_id__in=accepted_events))


@transaction.atomic
def leave_event(*, user: User, event_id) -> None:
    """The user ends its own role in the event (and gives back its badge). An event keeps one
    active organisateur; paid atelier places keep the badge (payments are records)."""
    from events.services import update_assignment
    from events.services.participants import remove_participant

    assignment = UserEventAssignment.objects.filter(user=user, event_id=event_id, is_active=True).first()
    if assignment is None:  # the same answer for "no such event" and "not yours"
        raise AppError(_("Event not found among your events."), "event_not_found")
    badge = Participant.objects.filter(user=user, event_id=event_id).first()
    if badge is not None:
        remove_participant(participant=badge, actor=user)  # also ends the participant/exposant role
    else:
        update_assignment(assignment=assignment, actor=user, is_active=False)
    UserEventAssignment.objects.filter(pk=assignment.pk).update(accepted_at=None)
