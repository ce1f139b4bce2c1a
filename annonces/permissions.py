from django.utils.translation import gettext_lazy as _

from events.permissions import IsOwner
from events.roles import ORGANISATEURS, Role

# Who writes annonces: organisateurs, and room managers to the staff only (annonces.services.check_author_targets).
ANNONCE_AUTHORS = (*ORGANISATEURS, Role.GESTIONNAIRE_DES_SALLES)


class IsAnnonceOwner(IsOwner):
    """Object-level: only an annonce's author edits or deletes it (403 ``not_owner``)."""

    owner_field = "created_by_id"
    message = _("Only the author of this annonce can change it.")
    code = "not_owner"
