"""Demo exposants for the seeded events: profiles, stand plans (PDF) and leads.

:func:`ensure_exposants` is called by seeds/demo.py once an event's members and badges exist.
Like the rest of the seeds it goes through the services (profiles, scans by badge id) and
resets what it finds to the documented state, so re-running creates no duplicates: each demo
visit carries a fixed ``nonce`` and is found again by it.

Visits happen on the event's days, at local (Africa/Algiers) times. A running event gets
visits today, never later than the moment the seed runs; an upcoming event gets none.
"""

import io
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from accounts.services import update_profile
from events.calendar import event_zone
from events.models import Event, Participant, Role, UserEventAssignment
from exposants.models import Exposant, ExposantScan
from exposants.services import ensure_exposant_profile, record_scan, update_exposant_profile, update_scan
from seeds.common import Log, changed_fields, local_day, local_time, quiet


@dataclass(frozen=True)
class StandSpec:
    company_name: str
    description: str
    stand_number: str
    stand_location: str
    website: str
    contact_email: str
    contact_phone: str

    def fields(self) -> dict:
        return {
            "company_name": self.company_name,
            "description": self.description,
            "stand_number": self.stand_number,
            "stand_location": self.stand_location,
            "website": self.website,
            "contact_email": self.contact_email,
            "contact_phone": self.contact_phone,
        }


@dataclass(frozen=True)
class VisitSpec:
    stand: int  # index of the exposant (its users sorted by email)
    visitor: int  # index of the participant badge (users sorted by email)
    day: int  # 0 = the event's first day
    at: str  # "HH:MM", local time
    rating: int | None
    notes: str


# Per event, the stands of its exposants in the order of their emails (exposant1@, exposant2@, ...).
STANDS: dict[str, tuple[StandSpec, ...]] = {
    "TechSummit Algeria": (
        StandSpec(
            "Atlas Cloud Algérie",
            "Hébergement cloud souverain et services managés pour les administrations et les entreprises "
            "algériennes : data centers à Alger et Oran, sauvegarde, migration et support en français et en arabe.",
            "A12",
            "Hall d'exposition, allée A",
            "https://www.atlascloud.dz",
            "contact@atlascloud.dz",
            "+213 23 45 12 12",
        ),
        StandSpec(
            "Hoggar Cybersécurité",
            "Audits de sécurité, tests d'intrusion et centre de supervision (SOC) 24/7 pour les banques, "
            "les assurances et les opérateurs.",
            "B04",
            "Hall d'exposition, allée B",
            "https://www.hoggar-cyber.dz",
            "info@hoggar-cyber.dz",
            "+213 21 60 44 04",
        ),
    ),
    "StartupWeek Oran": (
        StandSpec(
            "El Bahia Pay",
            "Paiement mobile et par QR code pour les commerçants de l'Ouest algérien, compatible CIB et Edahabia.",
            "S01",
            "Espace Startups, niveau 1",
            "https://www.elbahiapay.dz",
            "hello@elbahiapay.dz",
            "+213 41 33 01 01",
        ),
        StandSpec(
            "Oranie Startup Studio",
            "Studio de création de startups : accompagnement, financement d'amorçage et mise en relation avec "
            "les investisseurs de la région.",
            "S02",
            "Espace Startups, niveau 1",
            "https://www.oraniestudio.dz",
            "contact@oraniestudio.dz",
            "+213 41 33 02 02",
        ),
    ),
    "InnoFest Constantine": (
        StandSpec(
            "Cirta Solaire",
            "Études et installation de centrales photovoltaïques pour l'industrie et l'agriculture dans l'Est.",
            "E07",
            "Esplanade, rangée E",
            "https://www.cirtasolaire.dz",
            "contact@cirtasolaire.dz",
            "+213 31 92 07 07",
        ),
        StandSpec(
            "Rhumel AgriTech",
            "Capteurs connectés et pilotage de l'irrigation pour les exploitations céréalières et maraîchères.",
            "E08",
            "Esplanade, rangée E",
            "https://www.rhumel-agritech.dz",
            "info@rhumel-agritech.dz",
            "+213 31 92 08 08",
        ),
        StandSpec(
            "Numidia Robotique",
            "Robots collaboratifs et vision industrielle pour les ateliers de production.",
            "E09",
            "Esplanade, rangée E",
            "https://www.numidia-robotique.dz",
            "contact@numidia-robotique.dz",
            "+213 31 92 09 09",
        ),
    ),
    "MakePlus Demo": (
        StandSpec(
            "Tassili Solutions",
            "Logiciels de gestion pour PME : facturation conforme, stocks et paie, en mode SaaS.",
            "H01",
            "Hall, pavillon central",
            "https://www.tassili-solutions.dz",
            "contact@tassili-solutions.dz",
            "+213 21 55 01 01",
        ),
        StandSpec(
            "Djurdjura Électronique",
            "Conception et assemblage de cartes électroniques et d'objets connectés à Tizi Ouzou.",
            "H02",
            "Hall, pavillon central",
            "https://www.djurdjura-electronique.dz",
            "ventes@djurdjura-electronique.dz",
            "+213 26 21 02 02",
        ),
    ),
}

# Companies given to the demo visitors who have none (what a consenting visitor shares).
VISITOR_COMPANIES = ("Groupe Numidia Services", "Bureau d'études El Djazair Conseil")

# Leads of each event: repeat visits (stand 0 by visitor 0, stand 1 by visitor 1) and a visit
# without notes. Day 1 is "today" for the running demo events.
VISITS = (
    VisitSpec(0, 0, 0, "10:20", 4, "Intéressée par une démo de la plateforme pour sa direction informatique."),
    VisitSpec(0, 1, 0, "15:05", 3, "Étudiant en master, cherche un stage de fin d'études."),
    VisitSpec(1, 0, 0, "16:40", None, ""),
    VisitSpec(0, 0, 1, "09:45", 5, "Revenue avec son responsable achats : devis à envoyer avant jeudi."),
    VisitSpec(1, 1, 1, "10:30", 4, "Souhaite un rendez-vous la semaine prochaine à Oran."),
    VisitSpec(2, 0, 1, "11:10", 3, "Projet d'automatisation d'une ligne d'emballage."),
    VisitSpec(1, 1, 1, "11:50", 4, "Deuxième passage : a laissé sa carte de visite."),
    VisitSpec(0, 1, 1, "14:15", 2, "Simple curiosité, pas de projet à court terme."),
)


def _fallback_stand(profile: Exposant, index: int) -> StandSpec:
    user = profile.user
    name = user.company or f"{user.last_name or user.email.split('@')[0]} Services"
    return StandSpec(name, "", f"X{index + 1:02d}", "", "", "", "")


# --- stand plan -----------------------------------------------------------------------------


def _pdf_text(text: str) -> bytes:
    """A PDF literal string in WinAnsi (Helvetica's encoding here): accents kept, the rest '?'."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("cp1252", errors="replace") + b")"


def stand_plan_pdf(*, event_name: str, spec: StandSpec, neighbours: list[str]) -> bytes:
    """A one-page A4 landscape plan: the aisle of stands with this one highlighted."""
    width, height = 842, 595
    writer = PdfWriter()
    page = writer.add_blank_page(width=width, height=height)
    helvetica = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): helvetica})}
    )

    def text(x: int, y: int, size: int, value: str) -> bytes:
        return b"BT /F1 %d Tf %d %d Td " % (size, x, y) + _pdf_text(value) + b" Tj ET\n"

    ops = [
        text(50, 540, 22, f"Plan du stand {spec.stand_number} - {spec.company_name}"),
        text(50, 515, 13, f"{event_name} - {spec.stand_location}"),
        b"0 G 1 w 50 90 742 380 re S\n",  # the hall
        b"0.85 g 50 250 742 60 re f 0 g\n",  # the aisle
        text(360, 275, 12, "Allée principale"),
        text(60, 70, 10, "Entrée"),
    ]
    stands = sorted({*neighbours, spec.stand_number})
    box_width = 700 // max(len(stands), 1)
    for i, number in enumerate(stands):
        x = 71 + i * box_width
        mine = number == spec.stand_number
        fill = b"0.2 g" if mine else b"0.95 g"
        ops.append(b"%s %d 330 %d 110 re f 0 g 0 G %d 330 %d 110 re S\n" % (fill, x, box_width - 12, x, box_width - 12))
        ops.append(b"1 g\n" if mine else b"0 g\n")
        ops.append(text(x + 10, 380, 16, number))
        ops.append(b"0 g\n")
    ops.append(text(50, 40, 10, "Le stand en noir est le vôtre. Document généré par MakePlus."))
    stream = DecodedStreamObject()
    stream.set_data(b"".join(ops))
    page.replace_contents(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- building it ----------------------------------------------------------------------------


def _exposant_users(event: Event):
    return [
        assignment.user
        for assignment in UserEventAssignment.objects.filter(event=event, role=Role.EXPOSANT, is_active=True)
        .select_related("user")
        .order_by("user__email")
    ]


def ensure_stand(event: Event, profile: Exposant, spec: StandSpec, *, neighbours: list[str], log: Log) -> Exposant:
    changed = changed_fields(profile, spec.fields())
    if not profile.plan_file:
        pdf = stand_plan_pdf(event_name=event.name, spec=spec, neighbours=neighbours)
        changed["plan_file"] = ContentFile(pdf, name="plan.pdf")
    if changed:
        profile = update_exposant_profile(exposant=profile, actor=None, **changed)
        log(f"set up the stand of {spec.company_name} ({', '.join(changed)})")
    return profile


def _visit_time(event: Event, spec: VisitSpec, *, now: datetime, order: int) -> datetime | None:
    """When the demo visit happens, or None when it cannot have happened yet (or after the event).

    Planned at its local time; a visit planned later today happens a few minutes before ``now``
    instead (``order`` keeps the visits in their documented order), still today.
    """
    tz = event_zone(event)
    day = local_day(event.start_date, tz) + timedelta(days=spec.day)
    planned = local_time(day, spec.at, tz)
    if planned > event.end_date:
        return None
    if planned <= now:
        return max(planned, event.start_date)
    moved = now - timedelta(minutes=5 * (len(VISITS) - order))
    if moved < max(datetime.combine(day, time.min, tzinfo=tz), event.start_date):
        return None
    return moved


def ensure_visit(
    profile: Exposant, visitor: Participant, spec: VisitSpec, *, scanned_at: datetime, nonce: str
) -> tuple[ExposantScan, bool]:
    """Scan the visitor's badge at the stand (by badge id), or put the stored visit back."""
    result = record_scan(
        exposant=profile,
        badge_id=visitor.badge_id,
        notes=spec.notes,
        rating=spec.rating,
        nonce=nonce,
        scanned_at=scanned_at,
    )
    scan = result.scan
    if result.created:
        return scan, True
    if (scan.notes, scan.rating) != (spec.notes, spec.rating):
        scan = update_scan(scan=scan, actor=None, notes=spec.notes, rating=spec.rating)
    if scan.scanned_at != scanned_at:
        # Clients never move a visit in time; the seed does, so that a re-run on another day
        # keeps the running event's demo visits "today".
        ExposantScan.objects.filter(pk=scan.pk).update(scanned_at=scanned_at)
    return scan, False


@transaction.atomic
def ensure_exposants(event: Event, *, now: datetime | None = None, log: Log = quiet) -> list[Exposant]:
    """Profiles for the event's active exposants, their stand plans, and the demo leads."""
    now = now or timezone.now()
    users = _exposant_users(event)
    profiles = [ensure_exposant_profile(event=event, user=user) for user in users]
    specs = STANDS.get(event.name, ())
    stands = [specs[i] if i < len(specs) else _fallback_stand(p, i) for i, p in enumerate(profiles)]
    numbers = [spec.stand_number for spec in stands]
    for i, (profile, spec) in enumerate(zip(profiles, stands, strict=True)):
        profile.event = event
        profiles[i] = ensure_stand(event, profile, spec, neighbours=numbers, log=log)
        profiles[i].event = event

    visitors = list(
        Participant.objects.filter(event=event, kind=Participant.Kind.PARTICIPANT)
        .select_related("user")
        .order_by("user__email")
    )
    for visitor, company in zip(visitors, VISITOR_COMPANIES, strict=False):
        if not visitor.user.company:
            update_profile(user=visitor.user, company=company)
    created = 0
    for order, spec in enumerate(VISITS):
        if spec.stand >= len(profiles) or spec.visitor >= len(visitors):
            continue
        scanned_at = _visit_time(event, spec, now=now, order=order)
        if scanned_at is None:
            continue
        _scan, new = ensure_visit(
            profiles[spec.stand], visitors[spec.visitor], spec, scanned_at=scanned_at, nonce=f"seed-{order + 1}"
        )
        created += new
    if profiles:
        log(f"{len(profiles)} exposants in {event.name}, {created} new demo visits")
    return profiles
