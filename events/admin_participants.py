"""Badge holders in the Django admin, and printable badge sheets (PDF).

Writes go through events/services/participants.py like the API's: adding signs the badge
and gives the holder its role, changing the kind moves the role too, deleting deactivates
the role. Check-in is the door scan's and is read-only here. Signing keys are never shown:
EventBadgeKey is deliberately not registered.
"""

import io

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from events import badges
from events.admin_scoping import OrganisateurScopedAdmin, ServiceErrorsAsMessages, organised_event_ids
from events.models import Participant, Room
from events.selectors.participants import badges_for_print
from events.services import participants as services
from makeplus.admin_csv import export_as_csv

# --- badge sheets -------------------------------------------------------------------------

DPI = 300
PAGE_SIZE = (2480, 3508)  # A4 at 300 dpi
PAGE_MARGIN = 118  # 10 mm
COLUMNS, ROWS = 2, 4  # 8 badges of 95 × 69 mm per page
BADGES_PER_PAGE = COLUMNS * ROWS
MAX_BADGES_PER_PDF = 800  # ~100 pages, ~10 s: stays inside the worker timeout
_CELL_PADDING = 40
_QR_BOX_SIZE = 8  # 49 modules (version 6 with its quiet zone) → 392 px, 33 mm
# DejaVu covers Latin, accents and Arabic when the system has it; Pillow's own font otherwise.
_FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


def _font(size: int, bold: bool = False):
    try:
        return ImageFont.truetype(_FONT_FILES[bold], size)
    except OSError:
        return ImageFont.load_default(size=size)


def _fit(draw, text: str, font, width: int) -> str:
    """The text, shortened with an ellipsis until it fits ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [_fit(draw, line, font, width) for line in lines]


def _dotted_rectangle(draw, box, step: int = 16) -> None:
    """Cutting guides around a badge."""
    left, top, right, bottom = box
    for x in range(left, right, step):
        draw.line([(x, top), (min(x + step // 2, right), top)], fill=0, width=2)
        draw.line([(x, bottom), (min(x + step // 2, right), bottom)], fill=0, width=2)
    for y in range(top, bottom, step):
        draw.line([(left, y), (left, min(y + step // 2, bottom))], fill=0, width=2)
        draw.line([(right, y), (right, min(y + step // 2, bottom))], fill=0, width=2)


def _draw_badge(page, draw, participant: Participant, box, fonts) -> None:
    left, top, right, bottom = box
    _dotted_rectangle(draw, box)
    x, y = left + _CELL_PADDING, top + _CELL_PADDING
    inner_width = right - left - 2 * _CELL_PADDING

    draw.text((x, y), _fit(draw, participant.event.name, fonts["event"], inner_width), font=fonts["event"], fill=0)

    qr = badges.qr_image(participant.qr_code_data, box_size=_QR_BOX_SIZE)
    qr_top = y + 70
    page.paste(qr, (right - _CELL_PADDING - qr.width, qr_top))

    text_width = inner_width - qr.width - 30
    name = participant.user.get_full_name() or participant.user.email
    line_y = qr_top + 20
    for line in _wrap(draw, name, fonts["name"], text_width, max_lines=3):
        draw.text((x, line_y), line, font=fonts["name"], fill=0)
        line_y += 84
    badge_id = f"{participant.badge_id[:4]}-{participant.badge_id[4:]}"
    draw.text((x, qr_top + qr.height - 56), badge_id, font=fonts["badge_id"], fill=0)

    # The role on a black band across the bottom: readable from a distance.
    band_top = bottom - _CELL_PADDING - 110
    draw.rectangle([left + _CELL_PADDING, band_top, right - _CELL_PADDING, bottom - _CELL_PADDING], fill=0)
    role = str(participant.get_kind_display()).upper()
    role_width = draw.textlength(role, font=fonts["role"])
    draw.text((left + (right - left - role_width) / 2, band_top + 22), role, font=fonts["role"], fill=1)


def _page(participants, fonts):
    page = Image.new("1", PAGE_SIZE, 1)
    draw = ImageDraw.Draw(page)
    cell_width = (PAGE_SIZE[0] - 2 * PAGE_MARGIN) // COLUMNS
    cell_height = (PAGE_SIZE[1] - 2 * PAGE_MARGIN) // ROWS
    for index, participant in enumerate(participants):
        row, column = divmod(index, COLUMNS)
        left, top = PAGE_MARGIN + column * cell_width, PAGE_MARGIN + row * cell_height
        _draw_badge(page, draw, participant, (left, top, left + cell_width - 1, top + cell_height - 1), fonts)
    return page


def badge_sheets_pdf(participants: list[Participant]) -> bytes:
    """A4 pages of 8 badges (holder, role, event, badge id, QR), black and white, lossless.

    Each page is drawn and compressed on its own, then joined, so a long list never holds
    every page bitmap in memory at once.
    """
    fonts = {
        "event": _font(44, bold=True),
        "name": _font(68, bold=True),
        "badge_id": _font(52),
        "role": _font(60, bold=True),
    }
    writer = PdfWriter()
    for start in range(0, len(participants), BADGES_PER_PAGE):
        buffer = io.BytesIO()
        _page(participants[start : start + BADGES_PER_PAGE], fonts).save(buffer, format="PDF", resolution=DPI)
        writer.append(PdfReader(buffer))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@admin.action(description=_("Print badges (PDF)"), permissions=["view"])
def print_badges(modeladmin, request, queryset):
    count = queryset.count()
    if count > MAX_BADGES_PER_PDF:
        modeladmin.message_user(
            request,
            gettext("Select at most %(max)d badges per PDF (filter by event or kind).") % {"max": MAX_BADGES_PER_PDF},
            messages.ERROR,
        )
        return None
    participants = [
        participant if participant.qr_code_data else services.ensure_badge(participant=participant)
        for participant in badges_for_print(queryset)
    ]
    if not participants:
        modeladmin.message_user(request, gettext("No badge to print."), messages.WARNING)
        return None
    response = HttpResponse(badge_sheets_pdf(participants), content_type="application/pdf")
    filename = f"badges-{timezone.localdate().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- forms --------------------------------------------------------------------------------


class ParticipantAddForm(forms.ModelForm):
    """A badge for an existing account (by email) or a new one (no password until it resets it)."""

    email = forms.EmailField(label=_("email"))
    first_name = forms.CharField(label=_("first name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("last name"), max_length=150, required=False)

    class Meta:
        model = Participant
        fields = ["email", "first_name", "last_name", "event", "kind", "access_all_rooms", "allowed_rooms"]

    def clean(self):
        cleaned = super().clean()
        event, rooms = cleaned.get("event"), cleaned.get("allowed_rooms") or []
        if event is not None and any(room.event_id != event.pk for room in rooms):
            self.add_error("allowed_rooms", _("Every allowed room must be a room of this event."))
        return cleaned


class ParticipantChangeForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["kind", "access_all_rooms", "allowed_rooms"]


# --- admin --------------------------------------------------------------------------------


@admin.register(Participant)
class ParticipantAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "event"
    form = ParticipantChangeForm
    add_form = ParticipantAddForm
    list_display = [
        "holder_name",
        "holder_email",
        "event",
        "kind",
        "badge_id",
        "badge_version",
        "is_checked_in",
        "checked_in_at",
    ]
    list_filter = ["kind", "is_checked_in", "access_all_rooms", ("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__first_name", "user__last_name", "badge_id", "event__name"]
    list_select_related = ["user", "event"]
    filter_horizontal = ["allowed_rooms"]
    actions = [export_as_csv, print_badges]
    readonly_fields = [
        "holder_name",
        "holder_email",
        "event",
        "badge_id",
        "badge_version",
        "is_checked_in",
        "checked_in_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["holder_name", "holder_email", "event", "kind"]}),
        (_("Badge"), {"fields": ["badge_id", "badge_version", "is_checked_in", "checked_in_at"]}),
        (_("Room access"), {"fields": ["access_all_rooms", "allowed_rooms"]}),
        (_("History"), {"fields": ["created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "event", "kind"]}),
        (_("Room access"), {"fields": ["access_all_rooms", "allowed_rooms"]}),
    ]

    @admin.display(description=_("name"), ordering="user__last_name")
    def holder_name(self, obj):
        return obj.user.get_full_name()

    @admin.display(description=_("email"), ordering="user__email")
    def holder_email(self, obj):
        return obj.user.email

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, **kwargs)
        if "allowed_rooms" in form.base_fields:
            # A badge opens rooms of its own event only (on the add page: of the caller's events).
            if obj is not None:
                rooms = Room.objects.filter(event_id=obj.event_id)
            elif request.user.is_superuser:
                rooms = Room.objects.select_related("event")
            else:
                rooms = Room.objects.filter(event_id__in=organised_event_ids(request)).select_related("event")
            form.base_fields["allowed_rooms"].queryset = rooms
            if obj is None:  # rooms of several events side by side: name the event too
                form.base_fields["allowed_rooms"].label_from_instance = lambda room: f"{room.event} — {room}"
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.update_participant(
                participant=obj,
                actor=request.user,
                kind=data["kind"],
                access_all_rooms=data["access_all_rooms"],
                allowed_rooms=data["allowed_rooms"],
            )
            return
        created = services.add_participant(
            event=data["event"],
            actor=request.user,
            email=data["email"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            kind=data["kind"],
            access_all_rooms=data["access_all_rooms"],
            allowed_rooms=data["allowed_rooms"],
        )
        # The admin goes on with the form's instance (log entry, redirect): make it the saved row.
        for field in Participant._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj.user = created.user
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # Rooms were saved by the service (checked to belong to the event); no inlines here.
        pass

    def delete_model(self, request, obj):
        services.remove_participant(participant=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for participant in queryset:
            services.remove_participant(participant=participant, actor=request.user)
