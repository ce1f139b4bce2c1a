import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from makeplus.errors import SUMMARY_KEYS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_route_gets_the_error_format(api_client, settings, debug):
    settings.DEBUG = debug

    response = api_client.get("/api/does-not-exist/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Aucun point d’accès à cette adresse.", "attr": None}],
        **dict.fromkeys(SUMMARY_KEYS, "Aucun point d’accès à cette adresse."),
    }


def test_malformed_json_gets_parse_error(api_client):
    response = api_client.post("/api/auth/login/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "client_error"
    assert [e["code"] for e in body["errors"]] == ["parse_error"]


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("fr", "Informations d'authentification non fournies."),
        ("en", "Authentication credentials were not provided."),
        ("ar", "لم يتم تزويد بيانات الدخول."),
    ],
)
def test_messages_follow_accept_language_and_codes_do_not(api_client, language, detail):
    response = api_client.get("/api/auth/profile/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 401
    assert response.json()["errors"] == [{"code": "not_authenticated", "detail": detail, "attr": None}]


def test_our_own_messages_are_translated(api_client):
    en = api_client.post("/api/auth/login/", {"email": "a@b.dz", "password": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    ar = api_client.post("/api/auth/login/", {"email": "a@b.dz", "password": "x"}, HTTP_ACCEPT_LANGUAGE="ar")

    assert en.json()["errors"][0] == {
        "code": "invalid_credentials",
        "detail": "Incorrect email or password.",
        "attr": None,
    }
    assert ar.json()["errors"][0]["code"] == "invalid_credentials"
    assert ar.json()["errors"][0]["detail"] == "البريد الإلكتروني أو كلمة المرور غير صحيحة."


def test_schema_builds_and_validates():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    assert "/api/auth/login/" in schema["paths"]
    assert "/api/health/" in schema["paths"]


def test_schema_endpoint_serves_openapi(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_docs_load_their_assets_from_our_server(api_client):
    response = api_client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html and "googleapis" not in html
    assert '"validatorUrl": null' in html  # no badge from validator.swagger.io


def test_redoc_is_not_served(api_client):
    # Issue 21: its page loaded Google Fonts and its bundle a logo from Redocly's CDN; Swagger UI stays.
    assert api_client.get("/api/redoc/").status_code == 404


def test_health_reports_database_and_local_cache(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "local"}
