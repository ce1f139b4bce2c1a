"""An organisateur runs its event from the back office in a real browser (issue 20, "Tests").

Chromium (Debian's, /usr/bin/chromium) against pytest-django's live server: the organisateur logs in with no
superuser or staff step, opens the dashboard, adds a participant, prints badges (from the list and from a person's
page), records an atelier payment at the desk, cancels a session with a reason, opens the door log, switches to
Arabic (right-to-left, the product's labels in Arabic, the switch kept on the account), and never sees a name of
another event on any page it opens."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from events.models import Participant, Role, Session, SessionAccess
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory, SessionFactory

pytestmark = pytest.mark.browser

PASSWORD = "makeplus2025"
# Names of event B: none may appear on a page event A's organisateur opens.
OTHER_EVENT_NAMES = ["StartupWeek Oran", "Salle Oran Secrète", "Atelier Oran Confidentiel", "Yacine", "Oranais"]


@pytest.fixture
def world(transactional_db):
    event = EventFactory(name="TechSummit Algeria")
    organisateur = UserFactory(email="organisateur@techsummit.dz", first_name="Amina", last_name="Benali")
    assert not organisateur.is_staff and not organisateur.is_superuser
    AssignmentFactory(user=organisateur, event=event, role=Role.ORGANISATEUR)
    room = RoomFactory(event=event, name="Salle Atlas", capacity=50)
    keynote = SessionFactory(room=room, title="Keynote d'ouverture")
    atelier = AtelierFactory(room=room, title="Atelier Django", paid=True)
    karim = badge_holder(event, email="karim@techsummit.dz", first_name="Karim", last_name="Ould")
    SessionAccessFactory(session=atelier, participant=karim)

    other = EventFactory(name="StartupWeek Oran")
    AssignmentFactory(user=UserFactory(email="organisateur@startupweek.dz"), event=other, role=Role.ORGANISATEUR)
    other_room = RoomFactory(event=other, name="Salle Oran Secrète")
    AtelierFactory(room=other_room, title="Atelier Oran Confidentiel")
    badge_holder(other, email="yacine@startupweek.dz", first_name="Yacine", last_name="Oranais")
    return {
        "event": event,
        "organisateur": organisateur,
        "room": room,
        "keynote": keynote,
        "atelier": atelier,
        "karim": karim,
    }


class Visits:
    """Opens back office pages and checks each one for another event's names."""

    def __init__(self, page):
        self.page = page
        self.seen: list[str] = []

    def check(self):
        html = self.page.content()
        leaked = [name for name in OTHER_EVENT_NAMES if name in html]
        assert leaked == [], f"{self.page.url} shows {leaked}"
        self.seen.append(self.page.url)

    def open(self, url: str):
        response = self.page.goto(url)
        assert response.status == 200, url
        self.check()


def log_in(page, email, password=PASSWORD):
    page.goto(reverse("admin:login"))
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("#login-form [type=submit]")


def test_organisateur_runs_the_event(page, world):
    event, room = world["event"], world["room"]
    visits = Visits(page)

    # 1. Logs in with its own account: no superuser, no staff flag.
    log_in(page, "organisateur@techsummit.dz")
    page.wait_for_url(re.compile(r"/admin/$"))
    visits.check()
    assert page.locator("#site-name").inner_text() == "MakePlus"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Administration de Django" not in page.content()

    # 2. The dashboard of its event: checked in / expected, the room inside now.
    visits.open(reverse("admin:events_event_dashboard", args=[event.pk]))
    assert page.locator('[data-key="checked_in.participants"]').inner_text() == "0"
    assert page.locator('[data-key="checked_in.expected_participants"]').inner_text() == "1"
    room_row = page.locator(f'#mp-rooms tr[data-room="{room.pk}"]')
    assert "Salle Atlas" in room_row.inner_text()
    assert room_row.locator('[data-field="current_participants"]').inner_text() == "0"
    assert page.locator("#mp-scans .mp-bar[data-hour]").count() == 24

    # 3. Adds a participant; the add form offers its event's rooms only.
    visits.open(reverse("admin:events_participant_add"))
    page.fill("#id_email", "nadia@techsummit.dz")
    page.fill("#id_first_name", "Nadia")
    page.fill("#id_last_name", "Haddad")
    event_select = page.locator("select#id_event")
    if event_select.count():  # a choice only when the form does not preselect the organisateur's one event
        event_select.select_option(str(event.pk))
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/events/participant/"))
    visits.check()
    assert page.locator("ul.messagelist li.success").count() == 1
    nadia = Participant.objects.get(event=event, user__email="nadia@techsummit.dz")
    assert nadia.badge_id in page.content()

    # 4. Prints Nadia's badge (PDF) from the participants list.
    page.locator(f'tr:has-text("{nadia.badge_id}") input.action-select').check()
    page.select_option("select[name=action]", "print_badges")
    with page.expect_download() as download_info:
        page.click("button[name=index]")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # 5. At the desk, on Karim's page: records his atelier payment (amount, method, receipt number) and prints his
    # badge from his page.
    karim = world["karim"]
    visits.open(reverse("admin:events_participant_change", args=[karim.pk]))
    page.click("#mp-record-payment")
    page.wait_for_url(re.compile(r"/payment/$"))
    visits.check()
    page.select_option("select[name=session]", str(world["atelier"].pk))
    page.select_option("select[name=method]", "cash")
    page.fill("input[name=receipt_number]", "R-0042")
    page.click("input[name=record]")
    page.wait_for_url(re.compile(rf"/admin/events/participant/{karim.pk}/change/$"))
    visits.check()
    assert page.locator("ul.messagelist li.success").count() == 1
    place = SessionAccess.objects.get(session=world["atelier"], participant=karim)
    assert (place.status, place.amount, place.payment_method, place.receipt_number) == (
        SessionAccess.Status.PAID,
        Decimal("1500.00"),
        "cash",
        "R-0042",
    )
    assert place.recorded_by_id == world["organisateur"].pk
    badge = page.request.get(page.locator("#mp-print-badge").get_attribute("href"))
    assert badge.status == 200
    assert badge.headers["content-type"] == "application/pdf"
    assert badge.body()[:5] == b"%PDF-"

    # 6. Cancels the keynote with a reason, through the sessions list's action.
    visits.open(reverse("admin:events_session_changelist"))
    keynote = world["keynote"]
    page.locator(f'tr:has-text("{keynote.title}") input.action-select').check()
    page.select_option("select[name=action]", "cancel_sessions")
    page.click("button[name=index]")
    page.wait_for_selector("#cancel-form")
    visits.check()
    page.fill("textarea[name=reason]", "Intervenant absent")
    page.click("input[name=apply]")
    page.wait_for_selector("ul.messagelist li.success")
    visits.check()
    keynote.refresh_from_db()
    assert (keynote.status, keynote.cancel_reason, keynote.cancelled_by_id) == (
        Session.Status.CANCELLED,
        "Intervenant absent",
        world["organisateur"].pk,
    )
    assert keynote.cancelled_at is not None

    # The dashboard counts the payment; the door log opens.
    visits.open(reverse("admin:events_event_dashboard", args=[event.pk]))
    assert page.locator('[data-key="ateliers.paid"]').inner_text() == "1"
    visits.open(reverse("admin:events_roomaccess_changelist"))

    # 7. Switches to Arabic: the page is right-to-left with the product's labels in Arabic, and stays so.
    visits.open(reverse("admin:events_participant_changelist"))
    with page.expect_navigation():
        page.click('#language-switch button[value="ar"]')
    visits.check()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert re.search(r"/admin/events/participant/$", page.url)
    text = page.locator("#content").inner_text()
    headers = page.locator("#result_list thead").inner_text()
    for label in ["فعالية", "الاسم", "تم تسجيل الحضور"]:  # columns: event, name, checked in
        assert label in headers, (label, headers)
    assert "استيراد المشاركين" in text  # "Import participants"
    for english in ["Participants", "Checked in", "Event", "logged in"]:
        assert english not in text, english
    assert "تم تسجيل الدخول" not in text  # "checked in" is arrival at the event, not a sign-in
    assert User.objects.get(pk=world["organisateur"].pk).language == "ar"
    # The rooms picker, drawn by the admin's JavaScript, is in Arabic too (not in the default language, French).
    visits.open(reverse("admin:events_participant_change", args=[karim.pk]))
    picker = page.locator(".selector").inner_text()
    assert "اختيار كل" in picker, picker
    assert "Choisir" not in picker and "Choose" not in picker
    visits.open(reverse("admin:index"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "الفعاليات" in page.locator("#content").inner_text()  # the section header too

    # Every page opened: no name of the other event (checked on each visit).
    assert len(visits.seen) >= 12


def test_another_events_organisateur_gets_nothing(page, world):
    """Event B's organisateur opens event A's dashboard and participant: not found, and no name of A shown."""
    log_in(page, "organisateur@startupweek.dz")
    page.wait_for_url(re.compile(r"/admin/$"))
    response = page.goto(reverse("admin:events_event_dashboard", args=[world["event"].pk]))
    assert response.status == 404
    assert "TechSummit" not in page.content()
    page.goto(reverse("admin:events_participant_changelist"))
    assert "karim@techsummit.dz" not in page.content()
    assert "Karim" not in page.content()


def test_a_participant_is_refused_at_login(page, world):
    UserFactory(email="participant@techsummit.dz")
    log_in(page, "participant@techsummit.dz")
    assert "/admin/login/" in page.url
    assert page.locator(".errornote").count() == 1
    assert page.locator("html").get_attribute("dir") == "ltr"
