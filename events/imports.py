"""Reading a participant list (CSV or XLSX) into checked rows. Nothing here writes to the database:
events/services/imports.py decides what each row does to the event and writes it.

What organisers have is a spreadsheet export of their registration form, so:

* **Formats**: CSV separated by ``,``, ``;`` or tabs, in UTF-8 (with or without BOM), UTF-16 (with
  BOM: Excel's "Unicode text") or Windows-1252 (Excel's "CSV" on a French Windows); XLSX (the first
  sheet, read with openpyxl's read-only mode). Anything else (old .xls, .ods, PDF, images) is refused
  with ``unsupported_file_type``.
* **Header**: the first row naming an email column, among the first :data:`HEADER_SEARCH_ROWS`
  rows (a title row above the header is fine). Columns are matched by name, ignoring case,
  accents, spaces and punctuation, with French, English and a few Arabic synonyms
  (:data:`SYNONYMS`); other columns (timestamps, questions of the form) are ignored and listed.
* **Lines**: a row's ``line`` is its number as the spreadsheet shows it (the header of a plain
  export is line 1, the first person line 2); blank rows are skipped but keep their number.
* **Errors**: each is ``{line, column, code, detail}``; ``column`` is the column's header as written
  in the file (empty for a problem of the whole row). File-level problems (no email column, too
  many rows, unreadable file) raise :class:`~makeplus.errors.AppError` instead.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from accounts.models import normalize_email
from events.models import Participant, Room, Session
from makeplus.errors import AppError

# Import size limits (settings may override them).
DEFAULT_MAX_ROWS = 20_000
MAX_COLUMNS = 200  # columns read from a row; a registration form rarely has 50
HEADER_SEARCH_ROWS = 10
# An XLSX is a zip: refuse one that would inflate past this (a "zip bomb").
MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024

FIELDS = ("email", "first_name", "last_name", "phone", "company", "kind", "rooms", "ateliers")

# Header synonyms, written as people write them; compared through _header_key.
SYNONYMS = {
    "email": (
        "email",
        "e-mail",
        "mail",
        "courriel",
        "adresse email",
        "adresse e-mail",
        "adresse mail",
        "adresse électronique",
        "adresse courriel",
        "email address",
        "e-mail address",
        "البريد الإلكتروني",
        "البريد الالكتروني",
    ),
    "first_name": ("first name", "firstname", "given name", "prénom", "prenom", "الاسم"),
    "last_name": ("last name", "lastname", "surname", "family name", "nom", "nom de famille", "اللقب"),
    "phone": (
        "phone",
        "phone number",
        "telephone",
        "téléphone",
        "tel",
        "tél",
        "mobile",
        "portable",
        "numéro de téléphone",
        "numéro",
        "الهاتف",
        "رقم الهاتف",
    ),
    "company": (
        "company",
        "organization",
        "organisation",
        "société",
        "entreprise",
        "organisme",
        "établissement",
        "institution",
        "الشركة",
        "المؤسسة",
    ),
    "kind": ("kind", "type", "catégorie", "category", "profil", "type de participant", "participant type"),
    "rooms": (
        "allowed rooms",
        "rooms",
        "room",
        "salles",
        "salle",
        "salles autorisées",
        "accès salles",
        "accès aux salles",
        "القاعات",
    ),
    "ateliers": ("ateliers", "atelier", "workshops", "workshop", "الورشات"),
}

# Values of the kind column (compared through _value_key); empty means "participant" for a new badge.
KIND_VALUES = {
    Participant.Kind.PARTICIPANT: (
        "participant",
        "participants",
        "participante",
        "visiteur",
        "visiteuse",
        "visitor",
        "attendee",
        "congressiste",
        "مشارك",
        "زائر",
    ),
    Participant.Kind.EXPOSANT: ("exposant", "exposants", "exposante", "exhibitor", "exhibitors", "عارض"),
}

# A rooms cell with one of these opens every room (like an empty cell).
ALL_ROOMS_VALUES = ("toutes", "tous", "toutes les salles", "all", "all rooms", "*")

_LENGTHS = {"email": 254, "first_name": 150, "last_name": 150, "phone": 30, "company": 200}
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@])")  # our CSV export's guard against spreadsheet formulas
_SEPARATORS = re.compile(r"[;\n|]")


def max_rows() -> int:
    return getattr(settings, "PARTICIPANT_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _header_key(text: str) -> str:
    """'  Adresse E-mail * ' → 'adresseemail': case, accents, spaces and punctuation do not count."""
    return "".join(ch for ch in _strip_accents(str(text)).casefold() if ch.isalnum())


@lru_cache(maxsize=8192)  # the same room and atelier names come back on many rows
def name_key(text: str) -> str:
    """How a room or atelier name in a cell is compared: case, accents and spacing do not count."""
    return " ".join(_strip_accents(str(text)).casefold().split())


_FIELD_OF_HEADER = {_header_key(synonym): name for name, synonyms in SYNONYMS.items() for synonym in synonyms}
_KIND_OF_VALUE = {name_key(value): kind for kind, values in KIND_VALUES.items() for value in values}
_ALL_ROOMS = {name_key(value) for value in ALL_ROOMS_VALUES}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # the header as written in the file; "" for the whole row
    code: str
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class SourceRow:
    line: int
    values: dict  # field → the cell's text, stripped


@dataclass
class Table:
    """A file read and mapped: ``columns`` maps each recognised field to its header in the file."""

    format: str  # "csv" or "xlsx"
    columns: dict
    ignored: list
    rows: list = field(default_factory=list)

    def column(self, name: str) -> str:
        return self.columns.get(name, "")


# --- reading files -------------------------------------------------------------------------------


def _unsupported() -> AppError:
    return AppError(
        _("Send a CSV file (.csv) or an Excel workbook (.xlsx); save other spreadsheets in one of these formats."),
        "unsupported_file_type",
    )


def _unreadable() -> AppError:
    return AppError(_("This file could not be read; export it again as CSV or XLSX."), "unreadable_file")


def _decode(raw: bytes) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                raise _unreadable() from None
    if b"\x00" in raw:  # binary content (or UTF-16 without BOM, which no spreadsheet writes)
        raise _unsupported()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise _unreadable() from None


def _delimiter(text: str) -> str:
    """The separator of the first non-blank line: the most frequent of ``;``, ``,`` and tab outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_rows(raw: bytes):
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        yield from reader
    except csv.Error:
        raise _unreadable() from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number: 555123456.0 → 555123456
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_rows(raw: bytes):
    from openpyxl import load_workbook

    buffer = io.BytesIO(raw)
    try:
        with zipfile.ZipFile(buffer) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise _unreadable()
            if "xl/workbook.xml" not in archive.namelist():
                raise _unsupported()  # a zip, but not a workbook (.ods, .docx, an archive)
        workbook = load_workbook(buffer, read_only=True, data_only=True)
    except AppError:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file (KeyError, ValueError, zip errors...)
        raise _unreadable() from None
    try:
        if not workbook.worksheets:
            return
        for row in workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield [_cell_text(value) for value in row]
    except Exception:
        raise _unreadable() from None
    finally:
        workbook.close()


def _rows_of(raw: bytes, name: str):
    """(format, rows as lists of strings) by the file's content, then its name."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if raw.startswith(b"PK\x03\x04"):
        return "xlsx", _xlsx_rows(raw)
    if raw.startswith(b"\xd0\xcf\x11\xe0") or extension not in ("", "csv", "txt", "tsv", "xlsx", "xlsm"):
        raise _unsupported()  # the old .xls format, or another kind of file
    if extension in ("xlsx", "xlsm"):
        raise _unreadable()  # named a workbook, but not a zip
    return "csv", _csv_rows(raw)


def _clean(text: str) -> str:
    text = text.strip()
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _FORMULA_GUARD.sub("", text) if text.startswith("'") else text


def _map_header(cells: list[str]) -> tuple[dict, dict, list]:
    """(field → column index, field → header text, ignored headers) of a header row."""
    indexes, headers, ignored = {}, {}, []
    for index, cell in enumerate(cells):
        name = _FIELD_OF_HEADER.get(_header_key(cell))
        if name is None:
            if cell:
                ignored.append(cell)
            continue
        if name in indexes:
            raise AppError(
                _("Two columns mean the same thing (%(first)s, %(second)s): keep one.")
                % {"first": headers[name], "second": cell},
                "duplicate_column",
            )
        indexes[name], headers[name] = index, cell
    return indexes, headers, ignored


def read_table(file, *, limit: int | None = None) -> Table:
    """Read an uploaded file (any object with ``read()`` and ``name``) into a :class:`Table`.

    Errors (AppError): ``unsupported_file_type``, ``unreadable_file``, ``missing_email_column``,
    ``duplicate_column``, ``no_rows``, ``too_many_rows``."""
    limit = max_rows() if limit is None else limit
    if hasattr(file, "seek"):
        file.seek(0)
    raw = file.read()
    fmt, rows = _rows_of(raw, getattr(file, "name", "") or "")
    table, indexes = None, None
    for line, cells in enumerate(rows, start=1):
        cells = [_clean(cell) for cell in cells[:MAX_COLUMNS]]
        if table is None:
            if line > HEADER_SEARCH_ROWS:
                break
            indexes, headers, ignored = _map_header(cells)
            if "email" not in indexes:
                continue
            table = Table(format=fmt, columns=headers, ignored=ignored)
            continue
        if not any(cells):
            continue
        if len(table.rows) >= limit:
            raise AppError(
                _("The file has more than %(max)d participants; split it into several files.") % {"max": limit},
                "too_many_rows",
            )
        values = {name: cells[index] if index < len(cells) else "" for name, index in indexes.items()}
        table.rows.append(SourceRow(line=line, values=values))
    if table is None:
        raise AppError(
            _("No email column found: the first row must name the columns (email, first name, last name...)."),
            "missing_email_column",
        )
    if not table.rows:
        raise AppError(_("The file has no participant under its header."), "no_rows")
    return table


# --- checking rows -------------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One person of the file, checked. ``None`` means "not in the file": keep what is there."""

    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    company: str = ""
    kind: str | None = None
    all_rooms: bool | None = None  # the rooms column: empty or "toutes" → True, names → False
    rooms: tuple = ()  # Room instances when all_rooms is False
    ateliers: tuple | None = None  # Session instances


@dataclass
class Names:
    """An event's rooms and ateliers by :func:`name_key` (several ateliers may share a title)."""

    rooms: dict
    ateliers: dict


def names_of(event) -> Names:
    """Two queries: the event's rooms and its ateliers (another event's never match: unknown)."""
    rooms: dict = {}
    for room in Room.objects.filter(event=event).order_by("pk"):
        rooms.setdefault(name_key(room.name), room)
    ateliers: dict = {}
    for session in Session.objects.filter(event=event, session_type=Session.Type.ATELIER).select_related("room"):
        ateliers.setdefault(name_key(session.title), []).append(session)
    return Names(rooms=rooms, ateliers=ateliers)


def _split(cell: str, known) -> list[str]:
    """Names in a cell, separated by ``;`` (or new lines), or by ``,`` where a part is no known name
    as a whole (titles may contain commas)."""
    names = []
    for part in _SEPARATORS.split(cell):
        if not part.strip():
            continue
        if name_key(part) in known or "," not in part:
            names.append(part.strip())
        else:
            names.extend(piece.strip() for piece in part.split(",") if piece.strip())
    return names


def check_rows(table: Table, names: Names) -> tuple[list[ImportRow], list[RowError]]:
    """Each row's values checked on their own and against the event's names: (rows without errors, errors).

    Codes: ``missing_email``, ``invalid_email``, ``duplicate_line`` (an email already on an earlier
    line), ``too_long``, ``invalid_kind``, ``unknown_room``, ``unknown_atelier``, ``ambiguous_atelier``."""
    rows, errors, seen = [], [], {}
    for source in table.rows:
        values, line = source.values, source.line
        found: list[RowError] = []

        def error(name, code, detail, *, found=found, line=line):
            found.append(RowError(line, table.column(name), code, detail))

        email = normalize_email(values.get("email", ""))
        if not email:
            error("email", "missing_email", _("The email is missing."))
        else:
            try:
                validate_email(email)
            except ValidationError:
                error("email", "invalid_email", _("“%(value)s” is not a valid email address.") % {"value": email})
            else:
                if email in seen:
                    error(
                        "email",
                        "duplicate_line",
                        _("Same email as line %(line)d: keep one line per person.") % {"line": seen[email]},
                    )
                else:
                    seen[email] = line
        for name, longest in _LENGTHS.items():
            if len(values.get(name, "")) > longest:
                error(name, "too_long", _("At most %(max)d characters.") % {"max": longest})
        row = ImportRow(
            line=line,
            email=email,
            **{name: values.get(name, "") for name in ("first_name", "last_name", "phone", "company")},
        )
        if values.get("kind"):
            row.kind = _KIND_OF_VALUE.get(name_key(values["kind"]))
            if row.kind is None:
                error(
                    "kind",
                    "invalid_kind",
                    _("Unknown kind “%(value)s”: participant or exposant.") % {"value": values["kind"]},
                )
        if "rooms" in values:
            cell = values["rooms"]
            if not cell or name_key(cell) in _ALL_ROOMS:
                row.all_rooms = True
            else:
                parts = _split(cell, names.rooms)
                unknown = [part for part in parts if name_key(part) not in names.rooms]
                if unknown:
                    error(
                        "rooms",
                        "unknown_room",
                        _("No room of this event is named: %(names)s.") % {"names": ", ".join(unknown)},
                    )
                row.all_rooms = False
                row.rooms = tuple(
                    {
                        names.rooms[name_key(part)].pk: names.rooms[name_key(part)]
                        for part in parts
                        if name_key(part) in names.rooms
                    }.values()
                )
        if "ateliers" in values:
            parts = _split(values["ateliers"], names.ateliers)
            unknown = [part for part in parts if name_key(part) not in names.ateliers]
            if unknown:
                error(
                    "ateliers",
                    "unknown_atelier",
                    _("No atelier of this event has the title: %(names)s.") % {"names": ", ".join(unknown)},
                )
            ambiguous = [part for part in parts if len(names.ateliers.get(name_key(part), ())) > 1]
            if ambiguous:
                error(
                    "ateliers",
                    "ambiguous_atelier",
                    _("Several ateliers have the title %(names)s: give them distinct titles first.")
                    % {"names": ", ".join(ambiguous)},
                )
            chosen = {}
            for part in parts:
                matches = names.ateliers.get(name_key(part), ())
                if len(matches) == 1:
                    chosen[matches[0].pk] = matches[0]
            row.ateliers = tuple(chosen.values())
        if found:
            errors.extend(found)
        else:
            rows.append(row)
    return rows, errors
