"""Printable badge sheets: A4 pages of 8 badges (holder, role, event, badge id, QR), black and white.

Used by the admin's "Print badges" action (a selection, at most MAX_BADGES_PER_PDF), by the
whole-event PDF job (any size: pages are streamed to a file, makeplus/jobs.py) and by the badge email
(one person's badge as a PDF attachment).
"""

import functools
import io
from collections.abc import Iterable

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from events import badges
from events.models import Participant

DPI = 300
PAGE_SIZE = (2480, 3508)  # A4 at 300 dpi
PAGE_MARGIN = 118  # 10 mm
COLUMNS, ROWS = 2, 4  # 8 badges of 95 × 69 mm per page
BADGES_PER_PAGE = COLUMNS * ROWS
MAX_BADGES_PER_PDF = 800  # in a web request (~10 s); a whole event of any size is a job (badge_delivery)
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


def scaled_qr(modules, box_size: int):
    """A QR image drawn at one pixel per module (``badges.qr_image(data, box_size=1)``), enlarged to
    ``box_size`` pixels per module: the same pixels as drawing it at that size, without computing the
    code twice (the email uses it for the inline PNG and the PDF)."""
    return modules.resize((modules.width * box_size, modules.height * box_size), Image.Resampling.NEAREST)


def _draw_badge(page, draw, participant: Participant, box, fonts, qr_modules=None) -> None:
    left, top, right, bottom = box
    _dotted_rectangle(draw, box)
    x, y = left + _CELL_PADDING, top + _CELL_PADDING
    inner_width = right - left - 2 * _CELL_PADDING

    draw.text((x, y), _fit(draw, participant.event.name, fonts["event"], inner_width), font=fonts["event"], fill=0)

    if qr_modules is not None:
        qr = scaled_qr(qr_modules, _QR_BOX_SIZE)
    else:
        qr = badges.qr_image(participant.qr_code_data, box_size=_QR_BOX_SIZE)
    qr_top = y + 70
    page.paste(qr, (right - _CELL_PADDING - qr.width, qr_top))

    text_width = inner_width - qr.width - 30
    name = participant.shown_name() or participant.user.email
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


@functools.cache
def _fonts():
    return {
        "event": _font(44, bold=True),
        "name": _font(68, bold=True),
        "badge_id": _font(52),
        "role": _font(60, bold=True),
    }


def _chunks(participants: Iterable[Participant], size: int):
    chunk = []
    for participant in participants:
        chunk.append(participant)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_badge_sheets(participants: Iterable[Participant], out, *, progress=None) -> int:
    """Writes the sheets of ``participants`` (any iterable: a queryset's ``iterator()`` keeps memory
    flat) as one PDF to the binary file ``out``; ``progress(badges_done)`` after each page. Each page
    is drawn and compressed on its own, then joined: no list of page bitmaps is ever held.
    Returns the number of badges."""
    fonts = _fonts()
    writer = PdfWriter()
    done = 0
    for chunk in _chunks(participants, BADGES_PER_PAGE):
        buffer = io.BytesIO()
        _page(chunk, fonts).save(buffer, format="PDF", resolution=DPI)
        writer.append(PdfReader(buffer))
        done += len(chunk)
        if progress is not None:
            progress(done)
    writer.write(out)
    return done


def badge_sheets_pdf(participants: list[Participant]) -> bytes:
    """A4 pages of 8 badges (holder, role, event, badge id, QR), black and white, lossless."""
    out = io.BytesIO()
    write_badge_sheets(participants, out)
    return out.getvalue()


def single_badge_pdf(participant: Participant, *, qr_modules=None) -> bytes:
    """One badge on a page of its own size (95 × 69 mm), the sheets' layout: the email attachment.
    ``qr_modules``: the badge's QR code already computed, one pixel per module (see scaled_qr)."""
    cell_width = (PAGE_SIZE[0] - 2 * PAGE_MARGIN) // COLUMNS
    cell_height = (PAGE_SIZE[1] - 2 * PAGE_MARGIN) // ROWS
    page = Image.new("1", (cell_width, cell_height), 1)
    box = (0, 0, cell_width - 1, cell_height - 1)
    _draw_badge(page, ImageDraw.Draw(page), participant, box, _fonts(), qr_modules=qr_modules)
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=DPI)
    return out.getvalue()
