"""A client generated from the served schema works: openapi-python-client (pinned in requirements.txt) generates
it with no warning, every module imports, and an event day runs through it against a live server.

The event day (one organisateur, staff, participants, an exposant, two events): the organisateur creates the
event, rooms, a conference, a free and a paid atelier, staff and participants; participants register; the
controller scans (granted, room full, not registered, payment required, wrong event, an offline batch); the
exposant scans a visitor; Q&A; an annonce; statistics; a multi-event account selects and switches its event.
Every call goes through the generated functions and models, and its status is checked.
"""

import importlib
import io
import os
import pkgutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from events.tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "makeplus_api_client"
CONFIG = Path(settings.BASE_DIR) / "clients" / "python" / "config.yaml"
PASSWORD = "Un-mot-de-passe-2026"


def generate(schema_url: str, where: Path) -> tuple[str, object]:
    """Generates the client from the served schema in ``where``; returns the generator's output and the package."""
    schema = where / "schema.json"
    schema.write_bytes(httpx.get(schema_url, params={"format": "json"}, timeout=30).content)
    generator = Path(sys.executable).with_name("openapi-python-client")
    env = {**os.environ, "PATH": f"{generator.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            generator,
            "generate",
            "--path",
            schema,
            "--meta",
            "none",
            "--output-path",
            where / PACKAGE,
            "--config",
            CONFIG,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    sys.path.insert(0, str(where))
    return output, importlib.import_module(PACKAGE)


class Api:
    """Calls operations of the generated client by operationId, as one signed-in person."""

    def __init__(self, package, modules: dict, base_url: str, token: str | None = None):
        self.package, self.modules, self.base_url = package, modules, base_url
        self.steps = 0
        self.client = (
            package.AuthenticatedClient(base_url=base_url, token=token, timeout=30)
            if token
            else package.Client(base_url=base_url, timeout=30)
        )

    def as_(self, token: str) -> "Api":
        api = Api(self.package, self.modules, self.base_url, token)
        api.steps = self.steps
        return api

    def model(self, name: str, data: dict):
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name).from_dict(data)

    def __call__(self, operation_id: str, status: int, **kwargs):
        response = self.modules[operation_id].sync_detailed(client=self.client, **kwargs)
        SCENARIO.append(operation_id)
        assert response.status_code == status, (operation_id, response.status_code, response.content[:500])
        parsed = response.parsed
        return parsed.to_dict() if hasattr(parsed, "to_dict") else parsed


SCENARIO: list[str] = []


def _operations(package) -> dict:
    modules = {}
    for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
        module = importlib.import_module(info.name)  # every module imports
        if ".api." in info.name and hasattr(module, "sync_detailed"):
            modules[info.name.rsplit(".", 1)[-1]] = module
    return modules


def test_the_generated_client_runs_an_event_day(live_server, tmp_path):
    output, package = generate(f"{live_server.url}/api/schema/", tmp_path)
    assert "warning" not in output.lower(), output
    assert "Generating" in output
    modules = _operations(package)
    assert len(modules) >= 138
    SCENARIO.clear()
    anonymous = Api(package, modules, live_server.url)
    now = timezone.now()

    def iso(delta: timedelta) -> str:
        return (now + delta).isoformat()

    # Accounts: everyone signs up, the optional fields left to the register body's defaults (phone "" included).
    for who in ("orga", "controle", "p1", "p2", "stand"):
        data = {"email": f"{who}@scenario.dz", "password": PASSWORD, "first_name": who.capitalize()}
        anonymous("auth_register_create", 201, body=anonymous.model("RegisterRequest", data))

    def login(who: str) -> dict:
        body = anonymous.model("LoginRequest", {"email": f"{who}@scenario.dz", "password": PASSWORD})
        return anonymous("auth_login_create", 200, body=body)

    def signed_in(who: str, event_id: str) -> Api:
        """Login; someone an organisateur added accepts the event by selecting it (SPEC "Privacy")."""
        tokens = login(who)
        api = anonymous.as_(tokens["access"])
        if (tokens["current_event"] or {}).get("id") != event_id:
            body = api.model("SelectEventRequest", {"event_id": event_id})
            api = anonymous.as_(api("auth_select_event_create", 200, body=body)["access"])
        return api

    # The organisateur creates the event (multipart: the body may carry its programme PDF), then selects it.
    orga = anonymous.as_(login("orga")["access"])
    event_body = {"name": "Journée API", "start_date": iso(-timedelta(days=1)), "end_date": iso(timedelta(days=1))}
    event = orga("events_create", 201, body=orga.model("EventRequest", event_body))
    selected = orga("auth_select_event_create", 200, body=orga.model("SelectEventRequest", {"event_id": event["id"]}))
    orga = orga.as_(selected["access"])

    def room(name: str, capacity: int) -> str:
        body = orga.model("RoomRequest", {"name": name, "capacity": capacity})
        return orga("rooms_create", 201, body=body)["id"]

    hall, small, lab, paid_lab = room("Amphi", 100), room("Petite salle", 1), room("Labo", 10), room("Labo payant", 10)

    def session(room_id: str, title: str, **extra) -> str:
        data = {
            "room": room_id,
            "title": title,
            "start_time": iso(-timedelta(hours=1)),
            "end_time": iso(timedelta(hours=2)),
        }
        return orga("sessions_create", 201, body=orga.model("SessionRequest", data | extra))["id"]

    conference = session(hall, "Keynote")
    atelier = session(lab, "Atelier libre", session_type="atelier")
    paid = session(paid_lab, "Atelier payant", session_type="atelier", is_paid=True, price="1500.00")
    programme = orga("sessions_list", 200)
    assert programme["count"] == 3

    # Staff and participants.
    def role(who: str, role_name: str) -> dict:
        body = orga.model("AssignmentCreateRequest", {"email": f"{who}@scenario.dz", "role": role_name})
        return orga("user_assignments_create", 201, body=body)

    controller = role("controle", "controlleur_des_badges")
    role("stand", "exposant")
    for who in ("p1", "p2"):
        body = orga.model("ParticipantCreateRequest", {"email": f"{who}@scenario.dz", "kind": "participant"})
        orga("participants_create", 201, body=body)
    shift = {
        "user": controller["user"]["id"],
        "room": hall,
        "role": "controlleur_des_badges",
        "start_time": iso(-timedelta(hours=1)),
        "end_time": iso(timedelta(hours=8)),
    }
    orga("room_assignments_create", 201, body=orga.model("RoomAssignmentRequest", shift))
    assert orga("rooms_current_staff_list", 200, id=hall)["count"] == 1

    # The programme as a PDF: uploaded as a file (multipart), downloaded as bytes.
    types = importlib.import_module(f"{PACKAGE}.types")
    pdf = types.File(payload=io.BytesIO(pdf_bytes()), file_name="programme.pdf", mime_type="application/pdf")
    patched = importlib.import_module(f"{PACKAGE}.models").PatchedEventRequest(programme_file=pdf)
    orga("events_partial_update", 200, id=event["id"], body=patched)

    # Participants: their badge, a place in the free atelier and in the paid one (paid by the organisateur).
    p1 = signed_in("p1", event["id"])
    badge1 = p1("participants_me_badge_retrieve", 200)["qr_code_data"]
    assert p1("participants_me_badge_png_retrieve", 200).payload.read().startswith(b"\x89PNG")
    assert p1("events_programme_retrieve", 200, id=event["id"]).payload.read().startswith(b"%PDF")
    p1("sessions_register_create", 201, id=atelier)
    place = p1("sessions_register_create", 201, id=paid)
    assert place["status"] == "registered"
    payment = {"badge_id": p1("participants_me_badge_retrieve", 200)["badge_id"], "method": "cash"}
    orga("sessions_payments_create", 200, id=paid, body=orga.model("AtelierPaymentRequest", payment))
    p2 = signed_in("p2", event["id"])
    badge2 = p2("participants_me_badge_retrieve", 200)["qr_code_data"]

    # A second event of the organisateur, where p2 also holds a badge: p2 now has two events.
    event_b = orga("events_create", 201, body=orga.model("EventRequest", event_body | {"name": "Autre salon"}))
    switched = orga("auth_switch_event_create", 200, body=orga.model("SelectEventRequest", {"event_id": event_b["id"]}))
    orga_b = orga.as_(switched["access"])
    body = orga.model("ParticipantCreateRequest", {"email": "p2@scenario.dz", "kind": "participant"})
    orga_b("participants_create", 201, body=body)

    # Multi-event: login asks for a choice; select-event, then switch-event.
    multi = login("p2")
    assert multi["requires_event_selection"] is True
    assert len(anonymous.as_(multi["access"])("auth_my_events_list", 200)) == 2
    assert sorted(e["name"] for e in multi["events"]) == ["Autre salon", "Journée API"]
    p2_multi = anonymous.as_(multi["access"])
    chosen = p2_multi(
        "auth_select_event_create", 200, body=orga.model("SelectEventRequest", {"event_id": event_b["id"]})
    )
    p2_b = anonymous.as_(chosen["access"])
    badge2_other_event = p2_b("participants_me_badge_retrieve", 200)["qr_code_data"]
    back = p2_b("auth_switch_event_create", 200, body=orga.model("SelectEventRequest", {"event_id": event["id"]}))
    p2 = anonymous.as_(back["access"])
    assert p2("participants_me_badge_retrieve", 200)["qr_code_data"] == badge2

    # The controller scans at the door of the hall, where it is on duty.
    control = signed_in("controle", event["id"])

    def scan(api: Api, room_id: str, qr: str) -> dict:
        body = api.model("VerifyAccessRequest", {"qr_code": qr, "direction": "entry"})
        return api("rooms_verify_access_create", 200, id=room_id, body=body)

    assert scan(control, hall, badge1)["status"] == "granted"
    refused = scan(control, hall, badge2_other_event)
    assert (refused["status"], refused["reason"]) == ("denied", "wrong_event")
    assert scan(control, hall, "MP1.not-a-badge")["reason"] == "invalid_badge"
    # The organisateur scans elsewhere: a full room, an atelier without a place, a paid one without payment.
    assert scan(orga, small, badge1)["status"] == "granted"
    assert scan(orga, small, badge2)["reason"] == "room_full"
    assert scan(orga, lab, badge2)["reason"] == "not_registered"
    assert scan(orga, paid_lab, badge2)["reason"] == "payment_required"
    assert scan(orga, paid_lab, badge1)["status"] == "granted"
    # An offline batch from the controller's device.
    offline = {
        "scans": [
            {"nonce": "device-1-0001", "room": hall, "qr_code": badge2, "direction": "entry",
             "scanned_at": iso(-timedelta(minutes=5)), "device_status": "granted"},
            {"nonce": "device-1-0002", "room": hall, "qr_code": badge2, "direction": "exit",
             "scanned_at": iso(-timedelta(minutes=2)), "device_status": "granted"},
        ]
    }  # fmt: skip
    synced = control("scans_sync_create", 200, body=control.model("SyncRequest", offline))
    assert [item["status"] for item in synced["results"]] == ["granted", "granted"]
    stats = control("controller_room_stats_retrieve", 200)
    assert stats
    assert orga("room_access_list", 200)["count"] >= 10

    # The exposant scans a visitor at its stand.
    stand = signed_in("stand", event["id"])
    stand("exposants_me_retrieve", 200)
    lead = stand("exposant_scan_create", 201, body=stand.model("ScanRequestRequest", {"qr_code": badge1}))
    assert lead["visitor"]["name"] == "P1"
    assert stand("exposant_scans_list", 200)["count"] == 1
    assert b"P1" in stand("exposant_scans_export_retrieve", 200).payload.read()

    # Q&A in the keynote.
    question = p1(
        "sessions_questions_create", 201, id=conference, body=p1.model("QuestionAskRequest", {"text": "Et demain ?"})
    )
    p2("questions_upvote_create", 200, id=question["id"])
    answer = orga.model("PatchedQuestionAnswerRequest", {"answer": "Demain aussi."})
    orga("questions_answer_partial_update", 200, id=question["id"], body=answer)
    assert p1("sessions_questions_retrieve", 200, id=conference)

    # An annonce, read by a participant.
    orga("annonces_create", 201, body=orga.model("AnnonceRequest", {"title": "Bienvenue", "content": "Café à 10 h."}))
    assert p1("annonces_unread_count_retrieve", 200)["unread_count"] == 1
    assert p1("annonces_list", 200)["count"] == 1

    # Statistics.
    statistics = orga("events_statistics_retrieve", 200, id=event["id"])
    assert statistics
    assert orga("dashboard_stats_retrieve", 200)
    assert stand("exposant_statistics_retrieve", 200)

    # Tokens: refresh keeps the event, logout revokes the refresh token.
    tokens = login("orga")
    refreshed = anonymous(
        "auth_token_refresh_create", 200, body=anonymous.model("RefreshRequest", {"refresh": tokens["refresh"]})
    )
    logout = anonymous.as_(refreshed["access"])
    logout("auth_logout_create", 204, body=logout.model("LogoutRequest", {"refresh": refreshed["refresh"]}))
    anonymous(
        "auth_token_refresh_create", 401, body=anonymous.model("RefreshRequest", {"refresh": refreshed["refresh"]})
    )

    print(f"event-day scenario: {len(SCENARIO)} steps through the generated client")
    assert len(SCENARIO) >= 60
