"""Hardening (issue 12, part 5): production settings, tokens, uploads, limits, error bodies, headers.

Already covered elsewhere and not repeated here: login throttling per address and per account
and refresh rotation/blacklisting (accounts/tests/test_api_auth.py), the Q&A throttle
(events/tests/test_questions.py), fake/empty/oversized/wrong-extension PDFs
(events/tests/test_api_events.py, exposants/tests/test_api_directory.py), the 500-scan limit of
/api/scans/sync/ (events/tests/test_access_offline_sync.py), the shared throttle over several
processes (events/tests/test_scale_out.py).
"""

import base64
import json
import os
import re
import secrets
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework.test import APIClient

from conftest import error_codes
from events.models import Role, Room
from events.tests.pdfs import pdf_bytes, pdf_upload
from makeplus.error_handling import handler500
from makeplus.errors import SUMMARY_KEYS
from makeplus.uploads import GeneratedName

pytestmark = pytest.mark.django_db

API_CSP = "default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
LEAKS = ("Traceback", 'File "', "SELECT", "INSERT", "UPDATE ", "sqlite", "psycopg", "OperationalError", "/work/")


def _production_env(tmp_path, **extra) -> dict:
    """The environment of a production node (DEBUG off, real secret, TLS, no DATABASE_URL leak from the tests)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "api.makeplus.dz,testserver",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            **extra,
        }
    )
    return env


def _run_in_production(tmp_path, code: str, **extra):
    """Run ``code`` in a fresh interpreter with production settings; it prints one JSON document."""
    script = "import django, json\ndjango.setup()\n" + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**_production_env(tmp_path, **extra), "DJANGO_SETTINGS_MODULE": "makeplus.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


# --- production configuration ---------------------------------------------------------------------------


def test_deploy_check_with_production_settings_prints_nothing(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert (done.returncode, done.stdout, done.stderr) == (0, "System check identified no issues (0 silenced).\n", "")


def test_production_settings_values(tmp_path):
    values, _log = _run_in_production(
        tmp_path,
        """
        from django.conf import settings as s
        jwt = s.SIMPLE_JWT
        print(json.dumps({
            "debug": s.DEBUG,
            "ssl_redirect": s.SECURE_SSL_REDIRECT,
            "hsts": [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD],
            "secure_cookies": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY],
            "headers": [s.SECURE_CONTENT_TYPE_NOSNIFF, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY,
                        s.SECURE_CROSS_ORIGIN_OPENER_POLICY],
            "renderers": s.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
            "access_seconds": jwt["ACCESS_TOKEN_LIFETIME"].total_seconds(),
            "refresh": [jwt["ROTATE_REFRESH_TOKENS"], jwt["BLACKLIST_AFTER_ROTATION"]],
        }))
        """,
    )

    assert values == {
        "debug": False,
        "ssl_redirect": True,
        "hsts": [31536000, True, True],
        "secure_cookies": [True, True, True],
        "headers": [True, "DENY", "same-origin", "same-origin"],
        "renderers": ["makeplus.renderers.JSONRenderer"],  # no browsable API in production
        "access_seconds": 900.0,
        "refresh": [True, True],
    }


@pytest.mark.parametrize("minutes", ["16", "60", "0"])
def test_access_lifetime_above_15_minutes_refuses_to_start(tmp_path, minutes):
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=_production_env(tmp_path, JWT_ACCESS_MINUTES=minutes),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1
    assert "ImproperlyConfigured: JWT_ACCESS_MINUTES must be between 1 and 15." in done.stderr


def _bare_env(tmp_path, **extra) -> dict:
    """A fresh shell: no DEBUG, no SECRET_KEY (and a throwaway database)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'bare.sqlite3'}", **extra}


def test_manage_py_runs_developer_commands_in_a_fresh_shell(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=settings.BASE_DIR,
        env=_bare_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert (done.returncode, done.stdout.strip()) == (0, "No changes detected")


def test_without_a_secret_key_debug_off_refuses_to_start(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=_bare_env(tmp_path, DEBUG="0"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in done.stderr


# --- tokens ----------------------------------------------------------------------------------------------


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_access_tokens_live_15_minutes_from_login_and_from_refresh(login, user, api_client):
    # Rotation and blacklisting of the refresh token: accounts/tests/test_api_auth.py.
    tokens = login(user)
    refreshed = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}).json()

    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=15)
    # simplejwt dates the access token's expiry from its refresh token's issue time (its own iat can be
    # one second later): measured from there, exactly 15 minutes.
    for pair in (tokens, refreshed):
        assert _claims(pair["access"])["exp"] - _claims(pair["refresh"])["iat"] == 15 * 60


# --- security headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/health/", 200),
        ("get", "/api/auth/profile/", 401),
        ("get", "/api/nowhere/", 404),
        ("get", "/api/auth/login/", 405),
    ],
)
def test_every_api_answer_carries_the_security_headers(api_client, method, path, status):
    response = getattr(api_client, method)(path)

    assert response.status_code == status
    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert response.headers["Content-Security-Policy"] == API_CSP


def test_html_pages_get_no_api_content_security_policy(api_client):
    # The API docs load their own scripts and styles: the data-only policy would break them.
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


def test_production_node_sends_hsts_and_redirects_plain_http(tmp_path):
    answers, _log = _run_in_production(
        tmp_path,
        """
        from django.test import Client
        client = Client()
        secure = client.get("/api/nowhere/", secure=True)
        plain = client.get("/api/nowhere/")
        health = client.get("/api/health/")
        names = ["Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
                 "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"]
        print(json.dumps({
            "secure": [secure.status_code, {n: secure.headers.get(n) for n in names}, secure.json()],
            "plain": [plain.status_code, plain.headers.get("Location")],
            "health": [health.status_code, health.headers.get("Location")],
        }))
        """,
    )

    assert answers["secure"] == [
        404,
        {
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
            "Content-Security-Policy": API_CSP,
            **SECURITY_HEADERS,
        },
        {
            "type": "client_error",
            "errors": [{"code": "not_found", "detail": "Aucun point d’accès à cette adresse.", "attr": None}],
            **dict.fromkeys(SUMMARY_KEYS, "Aucun point d’accès à cette adresse."),
        },
    ]
    assert answers["plain"] == [301, "https://testserver/api/nowhere/"]
    assert answers["health"][1] is None  # load balancer probes speak plain HTTP inside the network


# --- error bodies with DEBUG off ---------------------------------------------------------------------------


def _assert_no_leak(body: str) -> None:
    assert [leak for leak in LEAKS if leak in body] == []


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"method": "get", "path": "/api/nowhere/"}, 404, "not_found"),
        ({"method": "get", "path": "/api/auth/login/"}, 405, "method_not_allowed"),
        (
            {"method": "post", "path": "/api/auth/login/", "data": "{oops", "content_type": "application/json"},
            400,
            "parse_error",
        ),
        ({"method": "get", "path": "/api/rooms/"}, 401, "not_authenticated"),
    ],
)
def test_client_errors_with_debug_off_are_clean_json(settings, request_kwargs, status, code):
    settings.DEBUG = False
    kwargs = dict(request_kwargs)
    client = APIClient(raise_request_exception=False)

    response = getattr(client, kwargs.pop("method"))(kwargs.pop("path"), **kwargs)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert error_codes(response) == [code]
    _assert_no_leak(response.content.decode())


def test_handler500_answers_the_error_format_without_details(settings):
    settings.DEBUG = False
    request = RequestFactory().get("/api/rooms/")

    response = handler500(request)

    assert response.status_code == 500
    assert json.loads(response.content) == {
        "type": "server_error",
        "errors": [{"code": "error", "detail": "Erreur du serveur.", "attr": None}],
        **dict.fromkeys(SUMMARY_KEYS, "Erreur du serveur."),
    }


def test_a_real_database_failure_with_debug_off_leaks_nothing(tmp_path):
    """The database is unreachable (a SQLite file in a missing folder): the crash reaches the
    handlers for real, through the API (DRF) and outside it (the admin)."""
    answers, log = _run_in_production(
        tmp_path,
        """
        from django.test import Client
        client = Client(raise_request_exception=False)
        api = client.post("/api/auth/login/", {"email": "a@b.dz", "password": "x"},
                          content_type="application/json", secure=True)
        admin = client.post("/admin/login/", {"username": "a@b.dz", "password": "x"}, secure=True)
        print(json.dumps({"api": [api.status_code, api["Content-Type"], api.content.decode()],
                          "admin": [admin.status_code, admin.content.decode()]}))
        """,
        DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}",
    )

    status, content_type, body = answers["api"]
    # The API answers a retryable 503 (makeplus/error_handling.py: _database_error), the admin a plain 500.
    unavailable = "La base de données est indisponible : réessayez dans un instant."
    assert (status, content_type) == (503, "application/json")
    assert json.loads(body) == {
        "type": "server_error",
        "errors": [{"code": "database_unavailable", "detail": unavailable, "attr": None}],
        **dict.fromkeys(SUMMARY_KEYS, unavailable),
    }
    _assert_no_leak(body)
    assert answers["admin"][0] == 500
    _assert_no_leak(answers["admin"][1])
    assert "OperationalError" in log  # the details go to the log, not to the client


# --- request and upload limits -------------------------------------------------------------------------------


def test_body_over_the_memory_limit_is_413_not_500(api_client):
    body = json.dumps({"email": "a@b.dz", "password": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    response = api_client.post("/api/auth/login/", data=body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "request_too_large", "detail": "La requête est trop volumineuse.", "attr": None}],
        **dict.fromkeys(SUMMARY_KEYS, "La requête est trop volumineuse."),
    }


def test_too_many_form_fields_is_400_not_500(api_client):
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = api_client.post("/api/auth/login/", fields, format="multipart")

    assert response.status_code == 400
    assert error_codes(response) == ["bad_request"]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(media_root) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def test_upload_far_over_the_limit_is_refused_before_being_stored(organisateur, event_a, media_root, settings):
    settings.MAX_UPLOAD_SIZE = 1024
    huge = SimpleUploadedFile("programme.pdf", b"%PDF-" + b"0" * (3 * 1024 * 1024), content_type="application/pdf")

    response = organisateur.client.patch(f"/api/events/{event_a.pk}/", {"programme_file": huge}, format="multipart")

    assert response.status_code == 413
    assert error_codes(response) == ["request_too_large"]
    assert _stored(media_root) == []


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf", "/etc/cron.d/evil.pdf", "MON PROGRAMME 2025.PDF"],
)
def test_path_tricks_in_names_end_up_as_a_generated_name(organisateur, event_a, media_root, name):
    response = organisateur.client.patch(
        f"/api/events/{event_a.pk}/", {"programme_file": pdf_upload(name)}, format="multipart"
    )

    assert response.status_code == 200
    [stored] = _stored(media_root)
    assert re.fullmatch(r"events/programmes/[0-9a-f]{32}\.pdf", stored)


@pytest.mark.parametrize("name", ["programme.pdf.html", "programme.pdf ", "programme", "programme.pdf.exe"])
def test_pdf_content_under_another_extension_is_refused(organisateur, event_a, media_root, name):
    upload = SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")

    response = organisateur.client.patch(f"/api/events/{event_a.pk}/", {"programme_file": upload}, format="multipart")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("programme_file", "invalid_extension")]
    assert _stored(media_root) == []


@pytest.mark.parametrize(
    ("client_name", "suffix"),
    [
        ("../../etc/passwd.pdf", ".pdf"),
        ("photo.JPG", ".jpg"),
        ("x.p<h>p", ".php"),
        ("a.tar.gz", ".gz"),
        ("no-extension", ""),
        ("trailing.", ""),
        ("x.aaaaaaaaaaaaaaaaaaaa", ".aaaaaaaaaa"),
    ],
)
def test_generated_names_keep_only_a_clean_extension(client_name, suffix):
    name = GeneratedName("events/programmes")(None, client_name)

    assert re.fullmatch(r"events/programmes/[0-9a-f]{32}" + re.escape(suffix), name)


# --- page size ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("page_size", "returned"), [("10000", 100), ("100", 100), ("0", 20), ("-5", 20), ("x", 20)])
def test_page_size_is_capped_at_100(member, event_a, page_size, returned):
    Room.objects.bulk_create(Room(event=event_a, name=f"Salle {i:03}", capacity=10) for i in range(120))
    client, _user = member(Role.PARTICIPANT, event_a)

    response = client.get("/api/rooms/", {"page_size": page_size})

    body = response.json()
    assert (response.status_code, body["count"], len(body["results"])) == (200, 120, returned)
