"""Participant import (CSV/XLSX): the file reader, the dry run, the all-or-nothing write, re-imports,
the API (POST /api/participants/import/) and its refusals."""

import codecs
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import AccountCode, User
from accounts.tests.factories import UserFactory
from conftest import error_codes
from events import badges
from events.imports import read_table
from events.models import Event, Participant, Role, Session, SessionAccess, UserEventAssignment
from events.services.imports import import_participants
from events.tests.factories import AssignmentFactory, badge_holder
from events.tests.factories_ateliers import AtelierFactory
from events.tests.factories_programme import RoomFactory
from makeplus.models import Job

pytestmark = pytest.mark.django_db

URL = "/api/participants/import/"
# The job runs once its start commits (in-process without a broker): those tests commit for real.
COMMITS = pytest.mark.django_db(transaction=True)
HEADER = ["Courriel", "Prénom", "Nom", "Téléphone", "Société", "Catégorie", "Salles", "Ateliers"]


def csv_upload(rows, *, delimiter=",", bom=False, encoding="utf-8", name="inscrits.csv", header=HEADER):
    lines = [delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in row) for row in [header, *rows]]
    data = "\r\n".join(lines).encode(encoding)
    return SimpleUploadedFile(name, (codecs.BOM_UTF8 if bom else b"") + data, content_type="text/csv")


def xlsx_upload(rows, *, header=HEADER, name="inscrits.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Notes").append(["ignored", "sheet"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


@pytest.fixture
def world(event_a, event_b):
    """Event A: rooms "Salle A" and "Amphi Béjaïa" (2 seats) with the free atelier "Atelier IA" in it.
    Event B: "Salle Oran" and its atelier "Atelier Oran" (never reachable from A)."""
    salle_a = RoomFactory(event=event_a, name="Salle A", capacity=50)
    amphi = RoomFactory(event=event_a, name="Amphi Béjaïa", capacity=2)
    atelier = AtelierFactory(room=amphi, title="Atelier IA")
    oran = RoomFactory(event=event_b, name="Salle Oran")
    AtelierFactory(room=oran, title="Atelier Oran")
    return {"salle_a": salle_a, "amphi": amphi, "atelier": atelier}


GOOD = ["amina@example.dz", "Amina", "Kaci", "0555 12 34 56", "Sonatrach", "participant", "Salle A", "Atelier IA"]
BAD_ROWS = [
    GOOD,
    ["karim@", "Karim", "Haddad", "", "", "", "", ""],  # line 3: bad email
    ["yacine@example.dz", "Yacine", "Brahimi", "", "", "", "Salle Oran", ""],  # line 4: a room of event B
    ["AMINA@example.dz", "Amina", "K.", "", "", "", "", ""],  # line 5: same person as line 2
    ["lina@example.dz", "Lina", "Ferhat", "", "", "exposant", "salle a; amphi bejaia", ""],
]
FIXED_ROWS = [
    GOOD,
    ["karim@example.dz", "Karim", "Haddad", "", "", "", "", ""],
    ["yacine@example.dz", "Yacine", "Brahimi", "", "", "", "Amphi Béjaïa", ""],
    ["lina@example.dz", "Lina", "Ferhat", "", "", "exposant", "salle a; amphi bejaia", ""],
]


def post(client, upload, **fields):
    return client.post(URL, {"file": upload, **fields}, format="multipart")


def counts():
    return User.objects.count(), Participant.objects.count(), UserEventAssignment.objects.count()


# --- dry run and all-or-nothing -------------------------------------------------------------------


def test_dry_run_reports_each_bad_row_and_writes_nothing(organisateur, world):
    before = counts()

    response = post(organisateur.client, csv_upload(BAD_ROWS))

    assert response.status_code == 200
    report = response.json()
    assert [(e["line"], e["column"], e["code"]) for e in report["errors"]] == [
        (3, "Courriel", "invalid_email"),
        (4, "Salles", "unknown_room"),
        (5, "Courriel", "duplicate_line"),
    ]
    assert report["errors"][1]["detail"] == "Aucune salle de cet événement ne porte ce nom : Salle Oran."
    assert report["errors"][2]["detail"] == "Même e-mail qu’à la ligne 2 : gardez une ligne par personne."
    assert {k: report[k] for k in ("dry_run", "written", "rows", "created", "updated", "unchanged")} == {
        "dry_run": True,
        "written": False,
        "rows": 5,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
    }
    assert report["columns"] == {
        "email": "Courriel",
        "first_name": "Prénom",
        "last_name": "Nom",
        "phone": "Téléphone",
        "company": "Société",
        "kind": "Catégorie",
        "rooms": "Salles",
        "ateliers": "Ateliers",
    }
    assert counts() == before


@COMMITS
def test_real_run_with_errors_writes_nothing(organisateur, world):
    before = counts()

    response = post(organisateur.client, csv_upload(BAD_ROWS), dry_run="false")

    assert response.status_code == 202
    result = Job.objects.get().result
    assert (response.json()["status"], response.json()["result"]) == ("done", result)
    assert (result["dry_run"], result["written"], result["created"]) == (False, False, 0)
    assert [(e["line"], e["code"]) for e in result["errors"]] == [
        (3, "invalid_email"),
        (4, "unknown_room"),
        (5, "duplicate_line"),
    ]
    assert counts() == before


def test_dry_run_of_the_fixed_file_says_what_would_be_created(organisateur, world):
    response = post(organisateur.client, csv_upload(FIXED_ROWS))

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["errors"]) == (4, [])
    assert Participant.objects.count() == 0


@COMMITS
def test_fixed_file_is_imported_by_a_job(organisateur, world, event_a):
    response = post(organisateur.client, csv_upload(FIXED_ROWS), dry_run="false")

    assert response.status_code == 202
    job = Job.objects.get()
    assert (response.json()["id"], response.json()["status"]) == (str(job.pk), "done")
    assert response["Location"] == f"/api/jobs/{job.pk}/"
    assert (job.kind, job.status, job.event_id) == ("import_participants", Job.Status.DONE, event_a.pk)
    assert {k: job.result[k] for k in ("written", "rows", "created", "updated", "unchanged", "errors")} == {
        "written": True,
        "rows": 4,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }
    amina = Participant.objects.select_related("user").get(user__email="amina@example.dz")
    assert (amina.user.first_name, amina.user.last_name, amina.user.phone, amina.user.company) == (
        "Amina",
        "Kaci",
        "0555 12 34 56",
        "Sonatrach",
    )
    assert amina.user.has_usable_password() is False
    assert (amina.event_id, amina.kind, amina.access_all_rooms) == (event_a.pk, "participant", False)
    assert list(amina.allowed_rooms.values_list("name", flat=True)) == ["Salle A"]
    assert SessionAccess.objects.get(participant=amina).session == world["atelier"]
    assert badges.verify_badge(amina.qr_code_data, event=event_a).participant == amina
    lina = Participant.objects.get(user__email="lina@example.dz")
    assert lina.kind == "exposant"
    assert sorted(lina.allowed_rooms.values_list("name", flat=True)) == ["Amphi Béjaïa", "Salle A"]
    assert UserEventAssignment.objects.get(user=lina.user, event=event_a).role == Role.EXPOSANT
    assert lina.user.exposant_profiles.count() == 1
    karim = Participant.objects.get(user__email="karim@example.dz")
    assert (karim.access_all_rooms, karim.allowed_rooms.count()) == (True, 0)
    event_a.refresh_from_db()
    assert (event_a.total_participants, event_a.total_exhibitors) == (3, 1)
    assert len({p.badge_id for p in Participant.objects.all()}) == 4


# --- idempotent re-import ------------------------------------------------------------------------


def run(event, upload, by=None, **kwargs):
    return import_participants(event=event, table=read_table(upload), by=by, **kwargs)


def test_same_file_twice_changes_nothing_the_second_time(world, event_a):
    first = run(event_a, csv_upload(FIXED_ROWS))
    before = counts(), SessionAccess.objects.count()

    second = run(event_a, csv_upload(FIXED_ROWS))

    assert (first["created"], second["created"], second["updated"], second["unchanged"]) == (4, 0, 0, 4)
    assert (counts(), SessionAccess.objects.count()) == before


def test_reimport_updates_without_duplicates(world, event_a):
    run(event_a, csv_upload(FIXED_ROWS))
    amina = Participant.objects.get(user__email="amina@example.dz")
    changed = [
        ["Amina@Example.dz", "Amina", "Kaci-Ali", "", "", "exposant", "", "Atelier IA"],  # all rooms now
        ["karim@example.dz", "Karim", "Haddad", "", "", "", "Amphi Béjaïa", ""],  # one room now
        ["nadia@example.dz", "Nadia", "Saidi", "", "", "", "", ""],  # new
    ]

    report = run(event_a, csv_upload(changed))

    assert (report["created"], report["updated"], report["unchanged"], report["errors"]) == (1, 2, 0, [])
    assert Participant.objects.filter(event=event_a).count() == 5
    assert User.objects.filter(email="amina@example.dz").count() == 1
    amina.refresh_from_db()
    assert (amina.kind, amina.access_all_rooms, amina.allowed_rooms.count()) == ("exposant", True, 0)
    assert amina.user.last_name == "Kaci-Ali"  # nobody claimed the account: the file's data wins
    assert amina.user.phone == "0555 12 34 56"  # an empty cell erases nothing
    assert SessionAccess.objects.filter(participant=amina).count() == 1
    karim = Participant.objects.get(user__email="karim@example.dz")
    assert (karim.access_all_rooms, list(karim.allowed_rooms.values_list("name", flat=True))) == (
        False,
        ["Amphi Béjaïa"],
    )
    event_a.refresh_from_db()
    assert (event_a.total_participants, event_a.total_exhibitors) == (3, 2)


def test_an_account_its_owner_uses_keeps_its_name_and_gets_blanks_filled(world, event_a):
    owner = UserFactory(email="amina@example.dz", first_name="Amina", last_name="Kaci", phone="", company="")

    report = run(event_a, csv_upload([["amina@example.dz", "AMINA", "KACI", "0555", "Sonelgaz", "", "", ""]]))

    owner.refresh_from_db()
    assert report["created"] == 1
    assert (owner.first_name, owner.last_name, owner.phone, owner.company) == ("Amina", "Kaci", "0555", "Sonelgaz")
    assert owner.check_password("makeplus2025")
    assert Participant.objects.get(event=event_a).user == owner


def test_a_removed_participant_role_comes_back(world, event_a):
    holder = badge_holder(event_a, email="old@example.dz")
    assignment = UserEventAssignment.objects.get(user=holder.user, event=event_a)
    holder.delete()
    assignment.is_active = False
    assignment.save()

    report = run(event_a, csv_upload([["old@example.dz", "", "", "", "", "", "", ""]]))

    assert report["created"] == 1
    assignment.refresh_from_db()
    assert (assignment.role, assignment.is_active) == (Role.PARTICIPANT, True)


def test_staff_of_the_event_is_refused(world, event_a):
    staff = AssignmentFactory(event=event_a, role=Role.CONTROLLEUR_DES_BADGES, user__email="ctrl@example.dz")

    report = run(event_a, csv_upload([GOOD, ["ctrl@example.dz", "", "", "", "", "", "", ""]]))

    assert [(e["line"], e["column"], e["code"]) for e in report["errors"]] == [(3, "Courriel", "role_conflict")]
    assert report["written"] is False
    assert Participant.objects.count() == 0
    staff.refresh_from_db()
    assert staff.role == Role.CONTROLLEUR_DES_BADGES


def test_atelier_places_are_counted_in_file_order(world, event_a):
    rows = [[f"p{n}@example.dz", "", "", "", "", "", "", "Atelier IA"] for n in range(3)]

    report = run(event_a, csv_upload(rows))

    assert [(e["line"], e["column"], e["code"]) for e in report["errors"]] == [(4, "Ateliers", "atelier_full")]
    assert report["errors"][0]["detail"] == "L’atelier « Atelier IA » est complet."
    assert SessionAccess.objects.count() == 0


def test_a_closed_atelier_takes_no_new_place_but_keeps_the_held_ones(world, event_a):
    run(event_a, csv_upload([GOOD]))
    Session.objects.filter(pk=world["atelier"].pk).update(status=Session.Status.CANCELLED)

    again = run(event_a, csv_upload([GOOD]))
    newcomer = run(event_a, csv_upload([["new@example.dz", "", "", "", "", "", "", "atelier ia"]]))

    assert (again["unchanged"], again["errors"]) == (1, [])
    assert [e["code"] for e in newcomer["errors"]] == ["atelier_closed"]


def test_a_cancelled_place_is_taken_again(world, event_a):
    run(event_a, csv_upload([GOOD]))
    SessionAccess.objects.update(status=SessionAccess.Status.CANCELLED)

    report = run(event_a, csv_upload([GOOD]))

    assert report["updated"] == 1
    assert SessionAccess.objects.get().status == SessionAccess.Status.REGISTERED


def test_other_checks_of_a_row(world, event_a, event_b):
    AtelierFactory(room=world["salle_a"], title="Atelier IA")  # a second atelier with that title
    rows = [
        ["", "Sans", "Email", "", "", "", "", ""],
        ["a@example.dz", "x" * 151, "", "", "", "visiteur VIP", "", ""],
        ["b@example.dz", "", "", "", "", "", "", "Atelier Oran"],
        ["c@example.dz", "", "", "", "", "", "", "Atelier IA"],
    ]

    report = run(event_a, csv_upload(rows), dry_run=True)

    assert [(e["line"], e["column"], e["code"]) for e in report["errors"]] == [
        (2, "Courriel", "missing_email"),
        (3, "Prénom", "too_long"),
        (3, "Catégorie", "invalid_kind"),
        (4, "Ateliers", "unknown_atelier"),
        (5, "Ateliers", "ambiguous_atelier"),
    ]


# --- formats -------------------------------------------------------------------------------------


def test_semicolon_csv_with_bom_and_other_header_spellings(world, event_a):
    header = ["E-MAIL ", "first name", "LAST NAME", "Horodateur", "Salles autorisées"]
    rows = [["x@example.dz", "Zoé", "Aït", "2025-01-01", "Salle A, Amphi Béjaïa"]]

    table = read_table(csv_upload(rows, delimiter=";", bom=True, header=header))
    report = import_participants(event=event_a, table=table, by=None)

    assert table.format == "csv"
    assert report["columns"] == {
        "email": "E-MAIL",
        "first_name": "first name",
        "last_name": "LAST NAME",
        "rooms": "Salles autorisées",
    }
    assert report["ignored_columns"] == ["Horodateur"]
    user = User.objects.get(email="x@example.dz")
    assert (user.first_name, user.last_name) == ("Zoé", "Aït")
    assert user.badges.get().allowed_rooms.count() == 2


def test_windows_1252_csv(world, event_a):
    upload = csv_upload([["y@example.dz", "Hélène", "Bénali", "", "", "", "", ""]], delimiter=";", encoding="cp1252")

    run(event_a, upload)

    assert User.objects.get(email="y@example.dz").first_name == "Hélène"


def test_a_title_row_above_the_header_keeps_spreadsheet_line_numbers(world, event_a):
    data = b"Inscriptions TechSummit\r\n\r\nEmail,Nom\r\nbad-email,X\r\n"

    report = run(event_a, SimpleUploadedFile("f.csv", data), dry_run=True)

    assert [(e["line"], e["code"]) for e in report["errors"]] == [(4, "invalid_email")]


@COMMITS
def test_xlsx_first_sheet(organisateur, world, event_a):
    rows = [["w@example.dz", "Walid", "Mansouri", 555123456, "ENIE", "Exposant", "Salle A", None]]

    response = post(organisateur.client, xlsx_upload(rows), dry_run="false")

    assert response.status_code == 202
    assert Job.objects.get().result["created"] == 1
    holder = Participant.objects.select_related("user").get(user__email="w@example.dz")
    assert (holder.kind, holder.user.phone, holder.user.company) == ("exposant", "555123456", "ENIE")


# --- invitations ---------------------------------------------------------------------------------


@COMMITS
def test_invite_sends_one_invitation_to_each_account_without_password(organisateur, world, event_a, smtp_server):
    UserFactory(email="karim@example.dz")  # has a password: no invitation

    response = post(organisateur.client, csv_upload(FIXED_ROWS), dry_run="false", invite="true")
    again = post(organisateur.client, csv_upload(FIXED_ROWS), dry_run="false", invite="true")

    assert response.status_code == again.status_code == 202
    jobs = Job.objects.order_by("created_at")
    assert [job.result["invited"] for job in jobs] == [3, 0]  # a pending invitation is not sent twice
    assert sorted(message["To"] for message in smtp_server.messages) == [
        "amina@example.dz",
        "lina@example.dz",
        "yacine@example.dz",
    ]
    assert AccountCode.objects.filter(purpose=AccountCode.Purpose.INVITATION).count() == 3


# --- permissions and isolation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES, Role.EXPOSANT, Role.PARTICIPANT],
)
def test_other_roles_are_refused(member, event_a, world, role):
    client, _user = member(role, event_a)

    response = post(client, csv_upload(FIXED_ROWS), dry_run="false")

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]
    assert Participant.objects.count() == 0


def test_anonymous_is_refused(api_client, world):
    response = post(api_client, csv_upload(FIXED_ROWS))

    assert response.status_code == 401


def test_organisateur_of_another_event_imports_into_its_own_event(member, event_b, world):
    client, _user = member(Role.ORGANISATEUR, event_b)
    rows = [["z@example.dz", "", "", "", "", "", "Salle A", "Atelier IA"]]  # names of event A

    response = post(client, csv_upload(rows))

    assert [e["code"] for e in response.json()["errors"]] == [
        "unknown_room",
        "unknown_atelier",
    ]  # in the order of the columns


@COMMITS
def test_the_job_of_an_import_is_another_events_404(member, organisateur, event_b, world):
    job_id = post(organisateur.client, csv_upload([GOOD]), dry_run="false").json()["id"]
    client, _user = member(Role.ORGANISATEUR, event_b)

    assert organisateur.client.get(f"/api/jobs/{job_id}/").status_code == 200
    assert client.get(f"/api/jobs/{job_id}/").status_code == 404


# --- cost ----------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_rows(world, event_a):
    """A new person, an existing one updated (a rooms change, an atelier place), per row: one import
    of 2 rows and one of 20 rows take the same number of queries."""

    def people(tag, n):
        return [[f"{tag}{i}@example.dz", f"P{i}", "", "", "", "", "Salle A", ""] for i in range(n)]

    def existing(tag, n):  # an earlier import, now moved to the amphi
        run(event_a, csv_upload(people(tag, n)))
        return [[f"{tag}{i}@example.dz", "", "", "", "", "", "Amphi Béjaïa", ""] for i in range(n)]

    few = csv_upload(people("few", 1) + existing("few-old", 1))
    many = csv_upload(people("many", 10) + existing("many-old", 10))
    Session.objects.update(end_time=timezone.now() + timedelta(days=1))

    with CaptureQueriesContext(connection) as one:
        assert run(event_a, few)["created"] == 1
    with CaptureQueriesContext(connection) as more:
        assert run(event_a, many)["created"] == 10

    assert len(one) == len(more)


# --- bad input -----------------------------------------------------------------------------------


def test_no_file(organisateur, world):
    response = organisateur.client.post(URL, {"dry_run": "true"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "file"
    assert error_codes(response) == ["required"]


def test_json_body_is_a_400(organisateur, world):
    response = organisateur.client.post(URL, {"file": "a,b"}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == ["invalid"]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.csv", b"", "empty"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "unsupported_file_type"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "unsupported_file_type"),
        ("list.xlsx", b"PK\x03\x04not really a zip", "unreadable_file"),
        ("list.xlsx", b"Email\nx@example.dz\n", "unreadable_file"),
        ("list.csv", "Nom;Prénom\nKaci;Amina\n".encode(), "missing_email_column"),
        ("list.csv", b"Email;Nom\n\n;\n", "no_rows"),
        ("list.csv", b"Email;Courriel\nx@example.dz;x@example.dz\n", "duplicate_column"),
        ("list.csv", b'Email,Nom\n"unterminated,x\n', "unreadable_file"),
    ],
)
def test_bad_files_are_4xx_in_the_error_format(organisateur, world, name, content, code):
    response = post(organisateur.client, SimpleUploadedFile(name, content), dry_run="false")

    assert response.status_code == 400, response.content
    assert error_codes(response) == [code]
    assert response.json()["message"]
    assert Participant.objects.count() == 0


def test_too_many_rows(organisateur, world, settings):
    settings.PARTICIPANT_IMPORT_MAX_ROWS = 3

    response = post(organisateur.client, csv_upload(FIXED_ROWS))

    assert response.status_code == 400
    assert error_codes(response) == ["too_many_rows"]


def test_too_large(organisateur, world, settings):
    settings.MAX_UPLOAD_SIZE = 100

    response = post(organisateur.client, csv_upload(FIXED_ROWS))

    assert response.status_code in (400, 413)
    assert error_codes(response)[0] in ("file_too_large", "request_too_large")


def test_the_event_counters_agree_after_an_import(world, event_a):
    from events.counters import counters_disagreeing

    run(event_a, csv_upload(FIXED_ROWS))

    assert counters_disagreeing() == []
    assert Event.objects.get(pk=event_a.pk).total_participants == 3
