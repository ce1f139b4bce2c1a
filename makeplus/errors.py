"""The application's business errors and the one registry of their codes.

Services raise :class:`AppError` with a stable machine ``code`` and a localised message; they
never choose an HTTP status. :data:`CODES_BY_STATUS` gives every code exactly one status, and
the API layer (makeplus/error_handling.py) answers with it. The OpenAPI schema's error enums are
built from the same table (makeplus/openapi.py), and a test checks that every code raised in the
code base is in it (makeplus/tests/test_schema_fuzz.py).

No Django REST framework here: this module is imported by services, which know nothing of HTTP.
"""

# Every stable error code, under the one HTTP status it answers with (DRF's own codes first).
CODES_BY_STATUS = {
    400: (
        # client_error (a 400 that is not about one field of the body)
        "parse_error",
        "bad_request",
        "too_deep",  # a JSON body nested deeper than makeplus.parsers.MAX_JSON_DEPTH
        "null_character",  # U+0000 in a JSON body (PostgreSQL cannot store it)
        "already_participant",
        "code_expired",  # accounts/codes.py: an emailed code past its lifetime
        "code_locked",  # accounts/codes.py: too many wrong codes, the code is dead
        "blank",
        "capacity_below_occupancy",
        "content_too_long",
        "device_reason_required",
        "email_taken",
        "end_before_start",
        "expires_before_publish",
        "file_required",  # an e-poster without its file (events.services.eposters)
        "invalid_amount",
        "invalid_code",  # accounts/codes.py: wrong or spent emailed code
        "invalid_link",  # accounts/invitations.py: a spent or forged invitation link
        "invalid_badge",  # with revoked and wrong_event: a refused badge at a stand (exposants.services)
        "invalid_kind",
        "invalid_payment_method",
        "invalid_target_role",
        "invalid_youtube_url",
        "last_organisateur",
        "no_email",  # jobs: badge delivery to a holder without an address (events/services/badge_delivery.py)
        "no_participants",  # jobs: a whole-event badge job with nobody to send to or print
        "max_length",
        "negative_price",
        "not_an_atelier",
        "not_an_exposant",
        "not_paid_atelier",
        "outside_event_dates",
        "own_badge",
        "own_question",
        "paid_conference",
        "password_required",
        "price_required",
        "price_without_payment",
        "profile_exists",
        "revoked",
        "role_conflict",
        "role_mismatch",
        "room_name_taken",
        "room_not_in_event",
        "session_not_in_room",
        "title_required",
        "token_not_owned",
        "user_not_found",
        "user_or_email_required",
        "wrong_event",
        "wrong_password",
        # event day (mobile/event_day.py): swapping two sessions' times (events.services.programme)
        "same_session",
        "different_rooms",
        # participant import (events/imports.py)
        "duplicate_column",
        "missing_email_column",
        "no_rows",
        "too_many_rows",
        "unreadable_file",
        "unsupported_file_type",
    ),
    401: (
        "authentication_failed",
        "not_authenticated",
        "bad_authorization_header",
        "invalid_credentials",
        "password_changed",
        "session_revoked",  # a mobile login session ended (logout, password change): its tokens are refused
        "token_not_valid",
        "user_inactive",
    ),
    403: (
        "permission_denied",
        "event_access_revoked",
        "event_not_selected",
        "insufficient_role",
        "no_badge",
        "not_assigned_to_room",
        "not_owner",
        "payment_required",
        "target_not_allowed",  # a room manager's annonce to others than the staff (annonces.services)
        "link_expired",  # a signed file link past its expiry (makeplus/signed_files.py)
    ),
    404: ("not_found", "event_not_found", "file_not_found"),
    409: (
        "already_answered",
        "already_assigned",  # a second role for one user in one event: a conflict (issue 21: conflicts are 409)
        "already_paid",
        "atelier_full",
        "event_has_data",
        "invalid_transition",
        "invitation_not_needed",  # accounts/invitations.py: the person already has a password
        "verification_required",  # accounts/services.py register: a prepared account, claimed by code
        "job_not_finished",  # jobs: download before the job is done (makeplus/views_jobs.py)
        "not_registered",
        "overlapping_assignment",
        "participant_has_payments",
        "room_busy",
        "room_in_use",
        "session_closed",
        "session_has_registrations",
        "stand_number_taken",
        "import_conflict",  # participant import (events/services/imports.py)
    ),
    # Too large: the body (Django's limits) or an uploaded file (makeplus/uploads.py, a field's validation error).
    413: ("request_too_large", "file_too_large"),
    # gunicorn's own limits, answered in this format by makeplus/gunicorn_worker.py
    414: ("uri_too_long",),
    431: ("headers_too_large",),
    # Safe to retry (after Retry-After): the database could not serve the request in time (makeplus/error_handling.py).
    503: ("busy", "database_unavailable", "mail_unavailable"),  # mail_unavailable: jobs (a badge email not sent)
    # accounts/codes.py: a code sent too early or too often for one address (body: wait_seconds)
    429: ("resend_too_early", "too_many_codes"),
}

# Top-level keys of every error body repeating the first error's text, for clients that read one
# string (the mobile app reads ``message``, ``detail`` or ``error`` depending on the screen).
SUMMARY_KEYS = ("message", "detail", "error")

STATUS_OF = {code: status for status, codes in CODES_BY_STATUS.items() for code in codes}
if len(STATUS_OF) != sum(len(codes) for codes in CODES_BY_STATUS.values()):  # pragma: no cover
    raise AssertionError("An error code is listed under two statuses in CODES_BY_STATUS.")


def status_of(code: str) -> int:
    """The HTTP status of an error code (400 for a code of a single field's validation)."""
    return STATUS_OF.get(code, 400)


class AppError(Exception):
    """A business rule said no: a stable machine ``code`` and a localised ``message``."""

    def __init__(self, message, code: str):
        super().__init__(message)
        self.message, self.code = message, code

    @property
    def status_code(self) -> int:
        return status_of(self.code)

    def get_codes(self) -> str:
        return self.code
