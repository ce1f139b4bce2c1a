"""Get a seeded database ready for the load and write what the load tool needs (a JSON file).

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... python -m bench.prepare --out plan.json

Run by bench/run.py after ``manage.py create_load_event``, once per database. It adds what the
door mix needs and the seed does not make, and says so in the results:

* restricted badges: ``RESTRICTED_SHARE`` of the participants may enter only two rooms (the rest
  every room), so that random badges at a door give ``not_allowed_room`` denials;
* small doors: every ``SMALL_EVERY``-th room gets ``SMALL_CAPACITY`` seats, so that those doors fill
  up during a scan phase and answer ``room_full`` (the seed's rooms seat hundreds; bench/run.py
  empties every room before each scan phase, so that every phase starts from the same state);
* annonces: ``ANNONCES`` of them through the annonces service (a few scheduled, expired or aimed at
  staff only), some already read by the participants, for the annonces list.

Then it signs in, through the same service as the login endpoint (``accounts.services.issue_tokens``:
the password hash is not what is measured), the room's controller of each door (on shift for the
whole event), the organisateur and some participants, and dumps the rooms, the badges (QR codes and
badge ids) and the tokens; and, for the phones of the 9:00 rush (bench/load.py ``Phones``), which sign in
through the login endpoint itself, the emails of other participants (``PHONE_ACCOUNTS``, each with the
seed's password, seeds.common.DEMO_PASSWORD).
"""

import argparse
import json
import random
from datetime import timedelta

import django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--participants-signed-in", type=int, default=64, dest="readers")
    args = parser.parse_args()
    django.setup()
    plan = prepare(readers=args.readers)
    with open(args.out, "w") as out:
        json.dump(plan, out)


RESTRICTED_SHARE = 0.08
SMALL_EVERY = 8
SMALL_CAPACITY = 15
ANNONCES = 120
READ_SHARE = 0.5
PHONE_ACCOUNTS = 2000


def _tune(event, rooms, restricted, organisateur, members, rng) -> None:
    """Restricted badges, small rooms, annonces (the module docstring); once per database."""
    from django.db import connection, transaction
    from django.utils import timezone

    from annonces.models import AnnonceRead
    from annonces.services import create_annonce
    from events.models import Participant, Role, Room

    with transaction.atomic():
        Participant.objects.filter(pk__in=restricted).update(access_all_rooms=False)
        through = Participant.allowed_rooms.through
        through.objects.bulk_create(
            [through(participant_id=p, room_id=room.pk) for p in restricted for room in rng.sample(rooms, 2)],
            batch_size=5000,
        )
        small = [room.pk for room in rooms[SMALL_EVERY // 2 :: SMALL_EVERY]]
        Room.objects.filter(pk__in=small).update(capacity=SMALL_CAPACITY)
        now = timezone.now()
        for n in range(ANNONCES):
            fields = {}
            if n % 10 == 7:
                fields["publish_at"] = now + timedelta(days=1)  # scheduled: not in the feed yet
            elif n % 10 == 8:
                fields.update(publish_at=now - timedelta(days=2), expires_at=now - timedelta(days=1))
            else:
                fields["publish_at"] = now - timedelta(minutes=10 * (ANNONCES - n))
            if n % 6 == 5:
                fields["target_roles"] = [Role.CONTROLLEUR_DES_BADGES, Role.GESTIONNAIRE_DES_SALLES]
            elif n % 6 == 4:
                fields["target_roles"] = [Role.PARTICIPANT]
            annonce = create_annonce(
                event=event,
                actor=organisateur,
                title=f"Annonce {n + 1} : changement de programme",
                content="Les sessions de l'après-midi commencent avec quinze minutes de retard. " * 3,
                is_pinned=n % 25 == 0,
                **fields,
            )
            AnnonceRead.objects.bulk_create(
                [AnnonceRead(annonce=annonce, user=m.user) for m in members if rng.random() < READ_SHARE]
            )
        event.metadata["bench_prepared"] = True
        event.save(update_fields=["metadata"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def prepare(*, readers: int) -> dict:
    from accounts.services import issue_tokens
    from events.calendar import event_day_bounds, event_today
    from events.models import Event, Participant, Role, Room, RoomAccess, RoomAssignment, Session
    from seeds.common import DEMO_PASSWORD
    from seeds.scale import GENERATED_BY

    rng = random.Random(11)
    event = Event.objects.get(metadata__generated_by=GENERATED_BY)
    rooms = list(Room.objects.filter(event=event).order_by("name"))
    participants = list(Participant.objects.filter(event=event).order_by("pk").values_list("pk", flat=True))
    restricted = rng.sample(participants, int(len(participants) * RESTRICTED_SHARE))
    organisateur = event.assignments.get(role=Role.ORGANISATEUR).user
    members = list(event.assignments.filter(role=Role.PARTICIPANT).select_related("user").order_by("pk")[: readers * 4])
    if not event.metadata.get("bench_prepared"):
        _tune(event, rooms, restricted, organisateur, members, rng)

    controllers = {
        a.room_id: a.user
        for a in RoomAssignment.objects.filter(room__event=event, role=Role.CONTROLLEUR_DES_BADGES).select_related(
            "user"
        )
    }
    ateliers: dict = {}
    for session in Session.objects.filter(event=event, session_type=Session.Type.ATELIER).exclude(
        status=Session.Status.CANCELLED
    ):
        ateliers.setdefault(session.room_id, []).append(str(session.pk))

    def token(user, role) -> str:
        return issue_tokens(user=user, event_id=event.pk, role=role)["access"]

    # Participants of this event only (one event: the login gives tokens at once), not the readers.
    phones = list(
        event.assignments.filter(role=Role.PARTICIPANT, is_active=True, accepted_at__isnull=False)
        .order_by("pk")
        .values_list("user__email", flat=True)[readers * 4 : readers * 4 + PHONE_ACCOUNTS]
    )
    start, end = event_day_bounds(event)
    log = RoomAccess.objects.filter(room__event=event)
    return {
        "event": str(event.pk),
        "today": event_today(event).isoformat(),
        "organisateur": {"token": token(organisateur, Role.ORGANISATEUR), "user": organisateur.pk},
        "readers": [
            {"token": token(m.user, Role.PARTICIPANT), "user": m.user.pk, "role": Role.PARTICIPANT}
            for m in members[:readers]
        ],
        "rooms": [
            {
                "id": str(room.pk),
                "name": room.name,
                "capacity": SMALL_CAPACITY if i % SMALL_EVERY == SMALL_EVERY // 2 else room.capacity,
                "small": i % SMALL_EVERY == SMALL_EVERY // 2,
                "token": token(controllers[room.pk], Role.CONTROLLEUR_DES_BADGES),
                "ateliers": ateliers.get(room.pk, []),
            }
            for i, room in enumerate(rooms)
        ],
        "phones": {"accounts": phones, "password": DEMO_PASSWORD},
        "badges": [
            [qr, badge_id]
            for qr, badge_id in Participant.objects.filter(event=event).values_list("qr_code_data", "badge_id")
        ],
        "counts": {
            "participants": len(participants),
            "restricted badges": len(restricted),
            "rooms": len(rooms),
            "small rooms": len(rooms[SMALL_EVERY // 2 :: SMALL_EVERY]),
            "sessions": Session.objects.filter(event=event).count(),
            "annonces": ANNONCES,
            "access log rows": log.count(),
            "access log rows today": log.filter(scanned_at__gte=start, scanned_at__lt=end).count(),
        },
    }


if __name__ == "__main__":
    main()
