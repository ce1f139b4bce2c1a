"""Demo annonces for the seeded events (called by seeds/demo.py for each event).

Times are relative to the event's opening and closing, so the same specs give a running
event published, expired and scheduled annonces, an upcoming one mostly scheduled ones, and
a past one published and expired ones. Writes go through the services, as the organisateur's
own client would; re-running finds each annonce by (event, title) and puts it back to the
documented state, creating no duplicate.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from annonces.fields import mask_from_roles, roles_from_mask
from annonces.models import Annonce
from annonces.services import create_annonce, update_annonce
from events.models import Event, Role
from seeds.common import Log, changed_fields, quiet


@dataclass(frozen=True)
class AnnonceSpec:
    title: str
    content: str
    target_roles: tuple[str, ...]  # () = everyone
    publish: tuple[str, timedelta]  # ("start" | "end", offset from the event's opening or closing)
    expires: tuple[str, timedelta] | None = None
    is_pinned: bool = False


ANNONCES = (
    AnnonceSpec(
        title="Bienvenue ! Programme et informations pratiques",
        content=(
            "Retrouvez le programme complet, le plan des salles et la liste des exposants dans l'application. "
            "Les annonces importantes de l'événement seront publiées ici."
        ),
        target_roles=(),
        publish=("start", timedelta(days=-40)),
        is_pinned=True,
    ),
    AnnonceSpec(
        title="Retrait des badges à l'accueil",
        content=(
            "Les badges se retirent à l'accueil principal dès 08h30, sur présentation d'une pièce d'identité. "
            "Votre badge QR est aussi disponible dans l'application."
        ),
        target_roles=(Role.PARTICIPANT, Role.EXPOSANT),
        publish=("start", timedelta(days=-2)),
        expires=("end", timedelta(0)),
    ),
    AnnonceSpec(
        title="Exposants : montage des stands la veille de l'ouverture",
        content=(
            "Le hall d'exposition est ouvert aux exposants la veille de l'ouverture de 14h00 à 20h00 pour le "
            "montage des stands. Merci de vous présenter avec votre badge exposant."
        ),
        target_roles=(Role.EXPOSANT,),
        publish=("start", timedelta(days=-5)),
        expires=("start", timedelta(0)),
    ),
    AnnonceSpec(
        title="Équipes : briefing à l'entrée principale",
        content=(
            "Contrôleurs des badges et gestionnaires des salles : briefing à l'entrée principale 30 minutes "
            "avant l'ouverture des portes. Vérifiez vos affectations de salles dans l'application."
        ),
        target_roles=(Role.ORGANISATEUR, Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES),
        publish=("start", timedelta(days=-1)),
        expires=("start", timedelta(hours=3)),
    ),
    AnnonceSpec(
        title="Cérémonie de clôture et remise des prix",
        content=(
            "La cérémonie de clôture et la remise des prix ont lieu en salle plénière. "
            "Merci à toutes et à tous pour votre participation !"
        ),
        target_roles=(),
        publish=("end", timedelta(hours=-6)),
    ),
)


def _at(event: Event, anchor: tuple[str, timedelta]):
    where, offset = anchor
    return (event.start_date if where == "start" else event.end_date) + offset


def annonce_fields(spec: AnnonceSpec, event: Event) -> dict:
    return {
        "content": spec.content,
        "target_roles": roles_from_mask(mask_from_roles(spec.target_roles)),  # as stored: compares equal
        "is_pinned": spec.is_pinned,
        "publish_at": _at(event, spec.publish),
        "expires_at": None if spec.expires is None else _at(event, spec.expires),
    }


@transaction.atomic
def ensure_annonces(event: Event, *, organisateur, log: Log = quiet) -> list[Annonce]:
    """The demo annonces of ``event``, written by ``organisateur``: created, or reset to the specs."""
    annonces = []
    for spec in ANNONCES:
        fields = annonce_fields(spec, event)
        annonce = Annonce.objects.filter(event=event, title=spec.title).order_by("created_at", "pk").first()
        if annonce is None:
            annonce = create_annonce(event=event, actor=organisateur, title=spec.title, **fields)
            log(f"created annonce {spec.title}")
        else:
            changed = changed_fields(annonce, fields)
            if changed:
                annonce = update_annonce(annonce=annonce, actor=organisateur, **changed)
                log(f"reset annonce {spec.title} ({', '.join(changed)})")
        annonces.append(annonce)
    return annonces
