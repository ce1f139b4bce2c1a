"""The words of the OpenAPI schema: the API's description and each operation's summary and description.

Keyed by operationId and applied by :func:`postprocess_docs` (a drf-spectacular postprocessing hook), so
the views keep their code. A view's docstring stays its operation's description unless ``DESCRIPTIONS``
names one; ``makeplus/tests/test_schema_conventions.py`` checks that every operation has both.
"""

API_DESCRIPTION = """Conferences and trade fairs in Algeria: events, programme, door scanning, annonces, Q&A and
exposants.

## Signing in and choosing the event

Every event endpoint works in **one event at a time**, the one carried by the access token.

1. `POST /api/auth/login/` `{"email", "password"}` answers `access`, `refresh`, `user`, `events` (each with the
   caller's `role`), `current_event` and `requires_event_selection`.
   * One active event: the tokens already carry it (`current_event`); go on.
   * Several events: `requires_event_selection` is `true` and the tokens carry **no event**: call
     `POST /api/auth/select-event/` `{"event_id"}` with `Authorization: Bearer <access>`; it answers a new pair
     carrying that event and the caller's role there.
2. Send `Authorization: Bearer <access>` on every call. Access tokens live at most 15 minutes:
   `POST /api/auth/token/refresh/` `{"refresh"}` rotates the pair (the old refresh token is revoked) and keeps
   the event.
3. `POST /api/auth/switch-event/` `{"event_id"}` moves tokens to another of the caller's events without a new
   login (also from tokens that carry no event yet); `GET /api/auth/my-events/` lists them.
4. `POST /api/auth/logout/` `{"refresh"}` revokes the refresh token.

The mobile app's login (`POST /api/auth/token/`) answers a short-lived `temp_token` instead when the account has
several events: it is accepted only by `POST /api/auth/select-event/` (`Authorization: Bearer <temp_token>`).

An event endpoint called without a selected event answers 403 `event_not_selected`; with an event the caller no
longer belongs to, 403 `event_access_revoked`. The role in the token is a hint: every request re-reads the
caller's role. Another event's objects answer 404.

## Conventions

* Errors: one body for every 4xx/5xx (the `Error` component); each error response lists its stable `code`s in
  `x-error-codes`, and each code has one HTTP status. `detail` is in the `Accept-Language` language (`fr` by
  default, `en`, `ar`).
* Date-times: RFC 3339 with the Africa/Algiers offset (`2026-05-04T09:30:00+01:00`) in every answer; any offset
  is accepted in requests. Dates are `YYYY-MM-DD` (event days in Algiers time).
* Empty text is `""`, never `null`; people are objects with `id` and `full_name`; another resource is referenced
  by its id, or by an object with `id`. A method a route never allows is 405 for everyone.
* A refused badge at a door or the entrance is a 200 with `status: denied` and a `reason`.
* Lists: `{count, next, previous, results}` with `?page=` and `?page_size=`, except `GET /api/auth/my-events/`
  (a bare array, as the mobile app reads it).
* Request bodies are JSON, multipart only where a file is uploaded. Files download as their own media type
  (`application/pdf`, `image/png`, `text/csv`, XLSX).
"""
SUMMARIES: dict[str, str] = {}
DESCRIPTIONS: dict[str, str] = {}
EXAMPLES: dict[str, dict] = {}


def postprocess_docs(result, generator, request, public):
    result.setdefault("info", {})["description"] = API_DESCRIPTION
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operation_id = operation.get("operationId")
            if operation_id in SUMMARIES:
                operation["summary"] = SUMMARIES[operation_id]
            if operation_id in DESCRIPTIONS:
                operation["description"] = DESCRIPTIONS[operation_id]
            for media, example in EXAMPLES.get(operation_id, {}).items():
                content = operation.get("requestBody", {}).get("content", {}).get(media)
                if content is not None:
                    content["example"] = example
    return result


SUMMARIES.update(
    {
        # accounts
        "auth_login_create": "Sign in",
        "auth_token_create": "Sign in (mobile app)",
        "auth_token_refresh_create": "Refresh the tokens",
        "auth_select_event_create": "Choose the event after signing in",
        "auth_switch_event_create": "Switch to another event",
        "auth_my_events_list": "List my events",
        "auth_my_events_leave_create": "Leave an event",
        "auth_logout_create": "Sign out",
        "auth_register_create": "Create an account",
        "auth_profile_retrieve": "Read my profile",
        "auth_profile_partial_update": "Change my profile",
        "auth_change_password_create": "Change my password",
        "auth_me_retrieve": "Read my account (mobile app)",
        "auth_me_partial_update": "Change my name (mobile app)",
        "auth_me_destroy": "Delete my account",
        "auth_me_export_retrieve": "Export my data",
        "auth_invitation_accept_create": "Accept an invitation",
        "auth_invitation_resend_create": "Send an invitation again",
        "auth_password_reset_create": "Ask for a password reset link",
        "auth_password_reset_request_create": "Ask for a password reset code",
        "auth_password_reset_resend_create": "Resend the password reset code",
        "auth_password_reset_verify_create": "Reset the password with the code",
        "auth_signup_request_create": "Sign up: ask for a code",
        "auth_signup_resend_create": "Sign up: resend the code",
        "auth_signup_verify_create": "Sign up: confirm the code",
        # events and team
        "events_list": "List my events",
        "events_create": "Create an event",
        "events_retrieve": "Read an event",
        "events_update": "Replace an event",
        "events_partial_update": "Change an event",
        "events_destroy": "Delete an event",
        "events_badge_key_retrieve": "Badge public key of an event",
        "events_guide_retrieve": "Download the event guide (PDF)",
        "events_programme_retrieve": "Download the event programme (PDF)",
        "events_statistics_retrieve": "Event statistics",
        "dashboard_stats_retrieve": "Dashboard figures for my role",
        "user_assignments_list": "List the roles in the event",
        "user_assignments_create": "Give someone a role",
        "user_assignments_retrieve": "Read a role",
        "user_assignments_partial_update": "Change a role",
        "user_assignments_destroy": "Remove a role",
        # rooms and programme
        "rooms_list": "List rooms",
        "rooms_create": "Create a room",
        "rooms_retrieve": "Read a room",
        "rooms_partial_update": "Change a room",
        "rooms_destroy": "Delete a room",
        "rooms_current_staff_list": "Staff on duty at a room now",
        "rooms_participants_list": "Who may enter a room",
        "rooms_reset_occupancy_create": "Empty a room",
        "rooms_sessions_list": "Sessions of a room",
        "rooms_verify_access_create": "Scan a badge at a room's door",
        "room_assignments_list": "List staff shifts",
        "room_assignments_create": "Create a staff shift",
        "room_assignments_retrieve": "Read a staff shift",
        "room_assignments_partial_update": "Change a staff shift",
        "room_assignments_destroy": "Delete a staff shift",
        "sessions_list": "List the programme",
        "sessions_create": "Create a session",
        "sessions_retrieve": "Read a session",
        "sessions_partial_update": "Change a session",
        "sessions_destroy": "Delete a session",
        "sessions_cancel_create": "Cancel a session",
        "sessions_start_create": "Start a session (mobile app)",
        "sessions_end_create": "End a session (mobile app)",
        "sessions_mark_live_create": "Mark a session live",
        "sessions_mark_completed_create": "Mark a session completed",
        "sessions_mark_scheduled_create": "Put a session back to scheduled",
        "sessions_swap_times_create": "Swap two sessions' times",
        "sessions_register_create": "Register for an atelier",
        "sessions_unregister_create": "Give back an atelier place",
        "sessions_payments_create": "Record an atelier payment",
        "sessions_registrations_retrieve": "Registrations of an atelier",
        # Q&A
        "sessions_questions_retrieve": "List a session's questions",
        "sessions_questions_create": "Ask a question",
        "session_questions_retrieve": "List a session's questions (mobile app)",
        "session_questions_create": "Ask a question (mobile app)",
        "session_questions_answer_create": "Toggle a question answered (mobile app)",
        "questions_retrieve": "Read a question",
        "questions_destroy": "Delete my question",
        "questions_answer_partial_update": "Answer a question",
        "questions_hide_create": "Hide a question",
        "questions_unhide_create": "Show a hidden question again",
        "questions_upvote_create": "Upvote a question (toggle)",
        # participants and badges
        "participants_list": "List badge holders",
        "participants_create": "Add a badge holder",
        "participants_retrieve": "Read a badge holder",
        "participants_partial_update": "Change a badge holder",
        "participants_destroy": "Remove a badge holder",
        "participants_badge_png_retrieve": "A holder's badge QR code (PNG)",
        "participants_send_badge_create": "Email a holder its badge",
        "participants_send_badges_create": "Email every badge (job)",
        "participants_badges_pdf_create": "Print every badge as one PDF (job)",
        "participants_import_create": "Import participants (CSV or XLSX)",
        "participants_me_retrieve": "My badge record",
        "participants_me_badge_retrieve": "My badge",
        "participants_me_badge_png_retrieve": "My badge QR code (PNG)",
        "participants_scan_create": "Scan a badge (mobile app)",
        "qr_generate_create": "Issue or re-issue a badge",
        "qr_verify_create": "Check a badge at the entrance",
        # door log
        "room_access_list": "List the door log",
        "room_access_create": "Record a door decision by hand",
        "room_access_retrieve": "Read a door log row",
        "scans_sync_create": "Upload offline scans",
        "controller_room_stats_retrieve": "Door statistics of my rooms today",
        "my_room_statistics_retrieve": "My scans today (mobile app)",
        # annonces
        "annonces_list": "List annonces",
        "annonces_create": "Publish an annonce",
        "annonces_retrieve": "Read an annonce",
        "annonces_partial_update": "Change an annonce",
        "annonces_destroy": "Delete an annonce",
        "annonces_read_create": "Mark an annonce read",
        "annonces_read_all_create": "Mark every annonce read",
        "annonces_unread_count_retrieve": "Count unread annonces",
        # exposants
        "exposants_list": "List exposants",
        "exposants_retrieve": "Read an exposant",
        "exposants_partial_update": "Change an exposant",
        "exposants_plan_retrieve": "Download a stand plan (PDF)",
        "exposants_me_retrieve": "My exposant profile",
        "exposants_me_partial_update": "Change my exposant profile",
        "exposant_scan_create": "Scan a visitor's badge at the stand",
        "exposant_scans_list": "List my leads",
        "exposant_scans_retrieve": "Read a lead",
        "exposant_scans_partial_update": "Annotate a lead",
        "exposant_scans_export_retrieve": "Export my leads (CSV)",
        "exposant_scans_export_excel_retrieve": "Export my leads (XLSX, mobile app)",
        "exposant_scans_my_scans_retrieve": "My leads and totals (mobile app)",
        "exposant_scans_scan_participant_create": "Scan a visitor (mobile app)",
        "exposant_statistics_retrieve": "Stand visit statistics",
        # e-posters, files, jobs, health
        "eposters_list": "List e-posters",
        "eposters_create": "Upload an e-poster",
        "eposters_retrieve": "Read an e-poster",
        "eposters_partial_update": "Change an e-poster",
        "eposters_destroy": "Delete an e-poster",
        "eposter_gallery_retrieve": "E-poster gallery (mobile app)",
        "files_retrieve": "Download a file by signed link",
        "jobs_list": "List jobs",
        "jobs_retrieve": "Read a job",
        "jobs_download_retrieve": "Download a job's result",
        "health_retrieve": "Health check",
    }
)

DESCRIPTIONS.update(
    {
        "auth_login_create": "Email and password. Answers `access`, `refresh`, `user`, `events` (each with the "
        "caller's `role`), `current_event` and `requires_event_selection` (see the API description: with several "
        "events, call select-event next). Throttled per address and per account (429).",
        "auth_register_create": "Creates an account and signs it in (no event yet). An address an organisateur "
        "already prepared answers 409 `verification_required` and emails a sign-up code instead.",
        "auth_my_events_list": "The caller's active events with its role in each (a bare list, as the mobile app "
        'reads it; see README "API conventions").',
        "auth_profile_retrieve": "The caller's account.",
        "auth_profile_partial_update": "Change the caller's name, phone, language, photo (multipart) or consent. "
        "Changing the email needs `current_password`.",
        "auth_change_password_create": "Changes the password, revokes every outstanding token and returns a fresh "
        "pair.",
    }
)

# Bodies that work as they are from Swagger UI's "Try it out" (the generated one sent both badge fields: a 400).
EXAMPLES.update(
    {
        "rooms_verify_access_create": {
            "application/json": {"qr_code": "MP1.paste-the-scanned-badge", "direction": "entry"}
        },
        "qr_verify_create": {"application/json": {"qr_code": "MP1.paste-the-scanned-badge", "check_in": True}},
        "exposant_scan_create": {"application/json": {"qr_code": "MP1.paste-the-scanned-badge"}},
    }
)
