"""Mixed concurrent load on PostgreSQL, through the HTTP layer (issue 12, part 3).

For ``CONCURRENCY_SECONDS`` (default 8; the opt-in long run is ``CONCURRENCY_SECONDS=60``),
at the same time and each thread with its own database connection:

* doors: three rooms, two controllers each, every controller driven by two threads that
  send the same scans with the same nonces (a retrying scanner racing itself): entries and
  exits by QR code or typed badge id, people moving between rooms, rooms filling up;
* an atelier near capacity: badge holders registering and giving their place back;
* Q&A: upvote toggles (one user also toggling from two threads at once);
* badge re-issue while the same badges are scanned at the doors; the old QR code is then
  scanned and must be refused as ``revoked``;
* pop-up rooms created, scanned and deleted while scans are in flight (deleted rooms must
  leave nothing behind; a refusal must be a clean 409).

A monitor thread checks the invariants while the load runs (one statement sees one
snapshot, so counters and recounts must agree at every instant). Afterwards: every counter
equals its recount, no room or atelier above capacity, one RoomAccess per (verifier, nonce)
and exactly one per nonce sent, exact vote and registration totals, and no 5xx anywhere.
"""

import os
import random
import threading
import time
from collections import Counter as Tally
from collections import defaultdict

import pytest
from django.db import connection, transaction
from django.db.models import Count, F
from rest_framework.test import APIClient

from conftest import run_together
from events.counters import counters_disagreeing, rooms_disagreeing, scan_counts_disagreeing
from events.models import Participant, QuestionUpvote, Role, Room, RoomAccess, Session, SessionAccess, SessionQuestion
from events.services.programme import delete_room
from events.services.questions import ask_question
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_ateliers import AtelierFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"),
    pytest.mark.django_db(transaction=True),
]

SECONDS = float(os.environ.get("CONCURRENCY_SECONDS", "8"))
DOOR_ROOMS, DOOR_CAPACITY, CONTROLLERS_PER_ROOM = 3, 6, 2
BADGES = 30  # more people than the 18 door places: rooms fill up
REISSUED = 4  # badges re-issued again and again while scanned
ATELIER_CAPACITY, ATELIER_CANDIDATES = 8, 14
VOTERS, QUESTIONS = 12, 4
TAKEN = (SessionAccess.Status.REGISTERED, SessionAccess.Status.PAID)


class Log:
    """What every thread did: requests per kind and status, and anything unexpected."""

    def __init__(self):
        self._lock = threading.Lock()
        self.calls = Tally()
        self.decisions = Tally()
        self.problems = []

    def record(self, kind, response, expected):
        with self._lock:
            self.calls[(kind, response.status_code)] += 1
            if response.status_code not in expected:
                self.problems.append((kind, response.status_code, response.content[:300]))
        return response

    def decided(self, answer: dict):
        with self._lock:
            self.decisions[(answer["status"], answer["reason"])] += 1

    def problem(self, *what):
        with self._lock:
            self.problems.append(what)

    def per_kind(self) -> dict:
        totals = Tally()
        for (kind, _status), n in self.calls.items():
            totals[kind] += n
        return dict(totals)


def _client(client_for, user, event) -> APIClient:
    client = client_for(user, event)
    client.raise_request_exception = False  # a crash must come back as a 500 we count, not kill the thread
    return client


@pytest.fixture
def fair(client_for):
    """An event in full swing: door rooms with controllers on duty, badges, an atelier, a live Q&A."""
    event = EventFactory(name="TechSummit Algeria")
    organisers = [AssignmentFactory(event=event, role=Role.ORGANISATEUR).user for _ in range(2)]
    doors = [RoomFactory(event=event, name=f"Salle {i}", capacity=DOOR_CAPACITY) for i in range(DOOR_ROOMS)]
    controllers = [RoomAssignmentFactory(room=room).user for room in doors for _ in range(CONTROLLERS_PER_ROOM)]
    badges = [badge_holder(event) for _ in range(BADGES)]

    atelier = AtelierFactory(room=RoomFactory(event=event, name="Atelier", capacity=ATELIER_CAPACITY))
    talk = SessionFactory(room=RoomFactory(event=event, name="Amphi"), status=Session.Status.LIVE)
    askers, voters = badges[:QUESTIONS], badges[QUESTIONS : QUESTIONS + VOTERS]
    questions = [ask_question(session=talk, user=b.user, text=f"Question {i} ?") for i, b in enumerate(askers)]
    return {
        "event": event,
        "doors": doors,
        "badges": badges,
        "reissued": badges[-REISSUED:],
        "atelier": atelier,
        "questions": questions,
        "organisers": [_client(client_for, u, event) for u in organisers],
        # Two clients per controller: the same scanner sending every scan twice, concurrently.
        "door_clients": [[_client(client_for, c, event) for _ in range(2)] for c in controllers],
        "controllers": controllers,
        "candidates": [(_client(client_for, b.user, event), b) for b in badges[-ATELIER_CANDIDATES:]],
        "voters": [(_client(client_for, b.user, event), b) for b in voters],
    }


def test_mixed_load_keeps_every_invariant(fair):
    event, doors, badges = fair["event"], fair["doors"], fair["badges"]
    reissued_pks = {b.pk for b in fair["reissued"]}
    payloads = {b.pk: b.qr_code_data for b in badges}  # the current QR code of each badge, as printed
    typed_ids = {b.pk: b.badge_id for b in badges}
    log = Log()
    popup = {"id": None, "scans": 0}
    stop_at = time.monotonic() + SECONDS

    def running():
        return time.monotonic() < stop_at

    # --- doors -------------------------------------------------------------------------------
    def door(controller: int, twin: int):
        """Scan k of controller c is the same request in both twins: same nonce, badge, direction."""
        client, room = fair["door_clients"][controller][twin], doors[controller // CONTROLLERS_PER_ROOM]
        decisions, k = {}, 0
        while running():
            rng = random.Random(f"{controller}:{k}")
            person = rng.choice(badges)
            body = {"direction": "entry" if rng.random() < 0.65 else "exit", "nonce": f"door{controller}-{k}"}
            if person.pk in reissued_pks or rng.random() < 0.85:
                body["qr_code"] = payloads[person.pk]
            else:
                body["badge_id"] = typed_ids[person.pk]
            response = log.record("scan", client.post(f"/api/rooms/{room.pk}/verify_access/", body), {200})
            if response.status_code == 200:
                answer = response.json()
                log.decided(answer)
                allowed = {("granted", None), ("denied", "room_full")}
                if person.pk in reissued_pks:
                    allowed.add(("denied", "revoked"))  # the QR code read just before a re-issue
                if (answer["status"], answer["reason"]) not in allowed:
                    log.problem("scan decision", person.pk, answer["status"], answer["reason"])
                if answer["room"]["current_participants"] > room.capacity:
                    log.problem("scan over capacity", answer["room"])
                decisions[body["nonce"]] = answer["access_id"]
            k += 1
        return decisions

    # --- atelier -----------------------------------------------------------------------------
    def atelier_desk(candidates):
        """Each candidate is driven by this thread only, so the final registrations are known."""
        url, rng, holding = f"/api/sessions/{fair['atelier'].pk}/", random.Random(id(candidates)), set()
        while running():
            # Mostly newcomers trying their luck (the atelier stays full), sometimes a place given back.
            holders = [c for c in candidates if c[1].pk in holding]
            newcomers = [c for c in candidates if c[1].pk not in holding]
            client, badge = rng.choice(holders if holders and (rng.random() < 0.25 or not newcomers) else newcomers)
            if badge.pk in holding:
                log.record("atelier unregister", client.post(url + "unregister/"), {200})
                holding.discard(badge.pk)
            else:
                response = log.record("atelier register", client.post(url + "register/"), {201, 409})
                if response.status_code == 201:
                    holding.add(badge.pk)
                elif response.json()["errors"][0]["code"] != "atelier_full":
                    log.problem("atelier refusal", response.json())
        return holding

    # --- Q&A ---------------------------------------------------------------------------------
    double_tapper = fair["voters"][0]

    def upvotes(voters, seed):
        """Final vote of every (voter, question) this thread drives; the double tapper is shared."""
        rng, final = random.Random(seed), {}
        while running():
            question = rng.choice(fair["questions"])
            voter = double_tapper if rng.random() < 0.2 else rng.choice(voters)
            client, badge = voter
            response = log.record("upvote", client.post(f"/api/questions/{question.pk}/upvote/"), {200})
            if response.status_code == 200 and voter is not double_tapper:
                final[(badge.user_id, question.pk)] = response.json()["upvoted"]
        return final

    # --- badge re-issue during scanning ----------------------------------------------------------
    def reissue():
        client, door_room = fair["organisers"][0], doors[0]
        times, k = Tally(), 0
        while running():
            badge = fair["reissued"][k % REISSUED]
            old = payloads[badge.pk]
            response = log.record("reissue", client.post("/api/qr/generate/", {"participant_id": badge.pk}), {200})
            if response.status_code == 200:
                payloads[badge.pk] = response.json()["qr_code_data"]
                times[badge.pk] += 1
                stale = log.record(
                    "scan old badge",
                    client.post(f"/api/rooms/{door_room.pk}/verify_access/", {"qr_code": old, "nonce": f"old-{k}"}),
                    {200},
                )
                if stale.status_code == 200 and (stale.json()["status"], stale.json()["reason"]) != (
                    "denied",
                    "revoked",
                ):
                    log.problem("old badge opened a door", stale.json())
            k += 1
            time.sleep(0.01)
        return times

    # --- pop-up rooms: created, scanned, deleted ---------------------------------------------------
    def churn():
        """Create a room, let 0 to 3 scans reach it (more in flight), delete it: a room with a door log
        is refused (409 room_in_use), one deleted under a scan takes that scan with it (404)."""
        client, rng, outcome, k = fair["organisers"][0], random.Random(7), defaultdict(list), 0
        while running():
            created = log.record(
                "room create", client.post("/api/rooms/", {"name": f"Pop-up {k}", "capacity": 3}), {201}
            )
            if created.status_code == 201:
                room_id, wanted = created.json()["id"], rng.randrange(4)
                popup.update(id=room_id, scans=0)
                while popup["scans"] < wanted and running():
                    time.sleep(0.002)
                deleted = log.record("room delete", client.delete(f"/api/rooms/{room_id}/"), {204, 409})
                popup["id"] = None
                outcome[deleted.status_code].append(room_id)
                if deleted.status_code == 409 and deleted.json()["errors"][0]["code"] != "room_in_use":
                    log.problem("room delete refusal", deleted.json())
            k += 1
        return outcome

    def popup_scanner():
        client, rng = fair["organisers"][1], random.Random(11)
        people = [b for b in badges if b.pk not in reissued_pks]
        while running():
            room_id = popup["id"]
            if room_id is None:
                time.sleep(0.001)
                continue
            body = {"qr_code": payloads[rng.choice(people).pk], "direction": rng.choice(["entry", "entry", "exit"])}
            response = log.record("popup scan", client.post(f"/api/rooms/{room_id}/verify_access/", body), {200, 404})
            if popup["id"] == room_id:
                popup["scans"] += 1
            if response.status_code == 200 and response.json()["room"]["current_participants"] > 3:
                log.problem("pop-up room over capacity", response.json()["room"])

    # --- the invariants, checked while everything runs -------------------------------------------
    def monitor():
        checks = 0
        while running():
            if rooms_disagreeing() or counters_disagreeing():
                log.problem("counter differs from its recount mid-run", rooms_disagreeing(), counters_disagreeing())
            if Room.objects.filter(current_participants__gt=F("capacity")).exists():
                log.problem("room over capacity mid-run")
            if SessionAccess.objects.filter(session=fair["atelier"], status__in=TAKEN).count() > ATELIER_CAPACITY:
                log.problem("atelier over capacity mid-run")
            checks += 1
            time.sleep(0.05)
        return checks

    candidates, voters = fair["candidates"], fair["voters"][1:]
    jobs = (
        [lambda c=c, t=t: door(c, t) for c in range(len(fair["controllers"])) for t in (0, 1)]
        + [lambda: atelier_desk(candidates[::2]), lambda: atelier_desk(candidates[1::2])]
        + [lambda: upvotes(voters[::2], 1), lambda: upvotes(voters[1::2], 2)]
        + [reissue, churn, popup_scanner, monitor]
    )
    door_jobs = 2 * len(fair["controllers"])

    started = time.monotonic()
    results, errors = run_together(jobs)
    elapsed = time.monotonic() - started

    # Nothing crashed, nothing answered 5xx, every answer was one we accept.
    assert errors == []
    assert log.problems == []
    assert not any(status >= 500 for _kind, status in log.calls)

    # Counters equal their recounts; capacities hold; nobody is inside a room that is gone.
    assert rooms_disagreeing() == []
    assert counters_disagreeing() == []
    assert scan_counts_disagreeing() == []  # the statistics' door-scan counts equal the log
    assert not Room.objects.filter(current_participants__gt=F("capacity")).exists()
    event.refresh_from_db()
    assert event.total_rooms == Room.objects.filter(event=event).count()
    inside = Participant.objects.filter(event=event, current_room__isnull=False).count()
    assert sum(Room.objects.filter(event=event).values_list("current_participants", flat=True)) == inside

    # One decision per nonce: per (verifier, nonce) one row, the twins saw the same row, every nonce sent has it.
    duplicates = (
        RoomAccess.objects.exclude(nonce="").values("verified_by", "nonce").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert list(duplicates) == []
    door_results = results[:door_jobs]
    for c in range(len(fair["controllers"])):
        first, second = door_results[2 * c], door_results[2 * c + 1]
        assert {n: first[n] for n in first.keys() & second.keys()} == {
            n: second[n] for n in first.keys() & second.keys()
        }
        sent = first.keys() | second.keys()
        stored = RoomAccess.objects.filter(verified_by=fair["controllers"][c], nonce__startswith="door")
        assert stored.count() == len(sent)
        assert dict(stored.values_list("nonce", "pk")) == first | second

    # Atelier: never above capacity, and exactly the places the desks hold.
    held = results[door_jobs] | results[door_jobs + 1]
    taken = SessionAccess.objects.filter(session=fair["atelier"], status__in=TAKEN)
    assert taken.count() <= ATELIER_CAPACITY
    assert set(taken.values_list("participant_id", flat=True)) == held

    # Q&A: each count equals its vote rows, and the single-thread voters' votes are exactly as answered.
    for question in SessionQuestion.objects.filter(pk__in=[q.pk for q in fair["questions"]]):
        assert question.upvote_count == QuestionUpvote.objects.filter(question=question).count()
    final_votes = results[door_jobs + 2] | results[door_jobs + 3]
    voted = set(QuestionUpvote.objects.exclude(user=double_tapper[1].user).values_list("user_id", "question_id"))
    assert voted == {pair for pair, up in final_votes.items() if up}

    # Re-issue: one version per successful re-issue, and the QR code now printed is the one that works.
    reissues = results[door_jobs + 4]
    for badge in fair["reissued"]:
        current = Participant.objects.get(pk=badge.pk)
        assert current.badge_version == badge.badge_version + reissues[badge.pk]
        assert current.qr_code_data == payloads[badge.pk]

    # Pop-up rooms: a deleted room left no access row and nobody inside; a refused one is still there.
    outcome = results[door_jobs + 5]
    assert not Room.objects.filter(pk__in=outcome[204]).exists()
    assert not RoomAccess.objects.filter(room_id__in=outcome[204]).exists()
    assert Room.objects.filter(pk__in=outcome[409]).count() == len(outcome[409])

    print(
        f"\nmixed load: {elapsed:.1f}s, requests per kind {log.per_kind()}, by status {dict(log.calls)}, "
        f"door answers {dict(log.decisions)}, rooms deleted {len(outcome[204])} refused {len(outcome[409])}, "
        f"monitor checks {results[-1]}"
    )


# --- room deletion racing scans, one case at a time ---------------------------------------------------------


def test_room_with_a_door_log_is_not_deleted(client_for):
    event = EventFactory()
    room = RoomFactory(event=event)
    organiser = _client(client_for, AssignmentFactory(event=event, role=Role.ORGANISATEUR).user, event)
    badge = badge_holder(event)
    organiser.post(f"/api/rooms/{room.pk}/verify_access/", {"qr_code": badge.qr_code_data, "direction": "exit"})

    response = organiser.delete(f"/api/rooms/{room.pk}/")

    assert response.status_code == 409
    assert response.json()["errors"] == [
        {
            "code": "room_in_use",
            "detail": "Cette salle a un historique de contrôles aux portes ; désactivez-la plutôt.",
            "attr": None,
        }
    ]
    assert RoomAccess.objects.filter(room=room).count() == 1


@pytest.mark.parametrize("scan", ["entry", "unreadable badge"])
def test_scan_caught_by_the_deletion_of_its_room_is_404(client_for, scan):
    """The deletion holds the room's row until it commits; a scan arriving meanwhile (an entry
    waiting for the room row, or a denial whose log row needs the room at commit) answers 404."""
    event = EventFactory()
    room = RoomFactory(event=event, capacity=5)
    organiser = AssignmentFactory(event=event, role=Role.ORGANISATEUR).user
    scanner = _client(client_for, organiser, event)
    badge = badge_holder(event)
    body = {"qr_code": badge.qr_code_data if scan == "entry" else "MP1.UNREADABLE"}
    answers = []

    def scan_now():
        try:
            answers.append(scanner.post(f"/api/rooms/{room.pk}/verify_access/", body))
        finally:
            connection.close()

    with transaction.atomic():
        delete_room(room=room, actor=organiser)
        thread = threading.Thread(target=scan_now)
        thread.start()
        time.sleep(0.5)  # let the scan reach the room's row lock (or not: then the room is gone and it is 404 too)
    thread.join(timeout=30)

    assert [a.status_code for a in answers] == [404]
    assert not Room.objects.filter(pk=room.pk).exists()
    assert not RoomAccess.objects.exists()
    assert counters_disagreeing() == []


def test_two_deletes_of_one_room_count_it_out_once(client_for):
    event = EventFactory()
    rooms = [RoomFactory(event=event) for _ in range(3)]
    organisers = [AssignmentFactory(event=event, role=Role.ORGANISATEUR).user for _ in range(2)]
    clients = [_client(client_for, user, event) for user in organisers]

    results, errors = run_together([lambda c=c: c.delete(f"/api/rooms/{rooms[0].pk}/") for c in clients])

    assert errors == []
    assert sorted(r.status_code for r in results) == [204, 404]
    event.refresh_from_db()
    assert event.total_rooms == 2
    assert counters_disagreeing() == []
