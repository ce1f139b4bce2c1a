"""The five roles a user can hold in an event, and the groups the rules speak of.

Every rule that says "these roles may ..." names one of these groups; nothing else in the
code base lists roles by hand. The role itself is read from the active assignment on every
request (events/authentication.py), never trusted from the token.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORGANISATEUR = "organisateur", _("Organisateur")
    GESTIONNAIRE_DES_SALLES = "gestionnaire_des_salles", _("Gestionnaire des salles")
    CONTROLLEUR_DES_BADGES = "controlleur_des_badges", _("Contrôleur des badges")
    PARTICIPANT = "participant", _("Participant")
    EXPOSANT = "exposant", _("Exposant")


ORGANISATEURS = (Role.ORGANISATEUR,)
# Roles that work in shifts at rooms (RoomAssignment.role): on duty only during a shift.
SHIFT_ROLES = (Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES)
# The event's team: organisateurs and shift staff. They see the whole programme (paid streams
# included), the door log of their rooms, and are the people the admin's team inline manages.
TEAM = (Role.ORGANISATEUR, *SHIFT_ROLES)
# Who scans badges at the doors (organisateurs anywhere, shift staff where on duty), verifies
# badges at the entrance and fetches the event's public badge key: the whole team.
SCANNERS = TEAM
# Who moderates a room: sessions live/completed, Q&A answers and hiding, occupancy reset, the
# room's participant list (organisateurs anywhere, gestionnaires where on duty).
MODERATORS = (Role.ORGANISATEUR, Role.GESTIONNAIRE_DES_SALLES)
# Roles that hold a badge (Participant.kind has the same values).
BADGE_HOLDERS = (Role.PARTICIPANT, Role.EXPOSANT)
EXPOSANTS = (Role.EXPOSANT,)
# Exposant figures: the exposant's own, or every exposant's for organisateurs.
EXPOSANT_FIGURES = (Role.EXPOSANT, Role.ORGANISATEUR)


def labels(roles) -> str:
    """The roles as people read them, in the request's language: "Organisateur, Exposant"."""
    return ", ".join(str(Role(role).label) for role in roles)
