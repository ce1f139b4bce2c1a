"""The OpenAPI description of our errors, as the API really answers them.

drf-standardized-errors documents DRF's own errors for every operation (``AutoSchema``
below extends its schema class). What it cannot see, this module adds:

* our stable business codes (:class:`makeplus.errors.AppError`, our ``NotFound``,
  ``PermissionDenied`` and ``AuthenticationFailed`` codes), listed per status in the one
  registry (``makeplus.errors.CODES_BY_STATUS``) and used as the ``code`` enum of that status's error response
  (``DRF_STANDARDIZED_ERRORS["ERROR_SCHEMAS"]``). ``makeplus/tests/test_schema_fuzz.py``
  checks that every code raised in the code base is listed at its status;
* 401 on every operation that authenticates (a bad ``Authorization`` header is refused
  even where no login is needed), 409 (the resource's state refuses the change) on every
  write, 413 (request body too large) on every operation that reads a body;
* positions in a validation error's ``attr`` (``scans.0.room``, ``settings.<key>``): the
  package names them ``INDEX``/``KEY`` in its enums; :func:`postprocess_error_attrs` turns
  those into patterns that match what the API sends.
"""

import re

from django import forms
from django.db import models
from django.utils import translation
from drf_spectacular import generators
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type, force_instance, is_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer
from drf_standardized_errors import openapi as standardized
from drf_standardized_errors.openapi_serializers import ClientErrorEnum, ServerErrorEnum, ValidationErrorEnum
from drf_standardized_errors.openapi_utils import (
    InputDataField,
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)
from drf_standardized_errors.settings import package_settings
from inflection import camelize
from rest_framework import filters, serializers
from rest_framework.settings import api_settings

from makeplus.errors import CODES_BY_STATUS, STATUS_OF, SUMMARY_KEYS
from makeplus.uploads import validate_pdf, validate_upload_size

# The stable codes of the errors of each status: the one registry (makeplus/errors.py).
ERROR_CODES = {status: list(codes) for status, codes in CODES_BY_STATUS.items()}
# Enum values for SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (one component per status).
ERROR_CODE_400_CHOICES = ERROR_CODES[400]
ERROR_CODE_401_CHOICES = ERROR_CODES[401]
ERROR_CODE_403_CHOICES = ERROR_CODES[403]
ERROR_CODE_404_CHOICES = ERROR_CODES[404]
ERROR_CODE_409_CHOICES = ERROR_CODES[409]
ERROR_CODE_413_CHOICES = ERROR_CODES[413]
ERROR_CODE_503_CHOICES = ERROR_CODES[503]

# Validation codes of our function validators (a function carries no ``code`` the package could read).
VALIDATOR_CODES = {
    validate_upload_size: {"file_too_large", "file_empty"},
    validate_pdf: {"file_too_large", "file_empty", "invalid_extension", "not_a_pdf"},
}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = ("POST", "PUT", "PATCH")


def _error_response(status: int, error_type=ClientErrorEnum):
    error = type(
        f"Error{status}Serializer",
        (serializers.Serializer,),
        {
            "code": serializers.ChoiceField(choices=[(code, code) for code in ERROR_CODES[status]]),
            "detail": serializers.CharField(),
            "attr": serializers.CharField(allow_null=True),
        },
    )
    name = "ClientErrorResponse400" if status == 400 else f"ErrorResponse{status}"
    meta = type("Meta", (), {"ref_name": name})
    return type(
        f"{name}Serializer",
        (serializers.Serializer,),
        {"type": serializers.ChoiceField(choices=error_type.choices), "errors": error(many=True), "Meta": meta},
    )


SUMMARY_DESCRIPTION = "The first error's localised text (the same in message, detail and error)."


ClientErrorResponse400Serializer = _error_response(400)
ErrorResponse401Serializer = _error_response(401)
ErrorResponse403Serializer = _error_response(403)
ErrorResponse404Serializer = _error_response(404)
ErrorResponse409Serializer = _error_response(409)
ErrorResponse413Serializer = _error_response(413)
ErrorResponse503Serializer = _error_response(503, ServerErrorEnum)


class AutoSchema(standardized.AutoSchema):
    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        if self.view.get_exception_handler() is not standardized.standardized_errors_handler or (
            status_code in responses
        ):
            return False
        if status_code == "400":
            return True  # a malformed request (parse_error, bad_request) is refused everywhere
        if status_code == "409":
            return self.method in WRITE_METHODS
        if status_code == "413":
            return self.method in BODY_METHODS
        if status_code == "503":
            return True  # any request may meet a lock or statement timeout, or a database blip
        return super()._should_add_error_response(responses, status_code)

    def _should_add_http401_error_response(self) -> bool:
        return bool(self.view.get_authenticators()) or super()._should_add_http401_error_response()

    def _determine_fields_with_error_codes(self) -> list[InputDataField]:
        """The package's codes per field, plus those it cannot see:

        * a related field whose model has a UUID key answers ``invalid`` to a value that is no UUID
          (Django raises it from the lookup, past DRF's and the form field's own checks);
        * a model field's validators run again when the service saves the model (``full_clean``);
        * a nested list (``scans``) refuses a missing or null list under its own name, not under
          ``scans.non_field_errors`` (where only the list's own checks go), and a null item at its index;
        * a list of ids (``allowed_rooms``) refuses a bad id under the list's name;
        * a GET whose query is checked by a serializer (``extend_schema(parameters=[QuerySerializer])``)
          refuses bad parameters under their names.
        """
        data_fields = super()._determine_fields_with_error_codes()
        if self.method == "GET":
            data_fields += self._query_fields_with_error_codes()
        model = self._request_model()
        for data_field in list(data_fields):
            field = data_field.field
            if _uuid_lookup(field):
                data_field.error_codes.add("invalid")
            if isinstance(field, serializers.ManyRelatedField):
                data_field.error_codes.update(set(field.child_relation.error_messages) - {"required", "null"})
            model_field = _model_field(model, data_field.name)
            for validator in [*getattr(field, "validators", []), *getattr(model_field, "validators", [])]:
                data_field.error_codes.update(_validator_codes(validator))
            if isinstance(field, serializers.ListSerializer):
                own = data_field.error_codes & {"required", "null"}
                data_field.error_codes -= own
                data_field.error_codes.update(_list_length_codes(field))
                name = data_field.name.removesuffix(f"{package_settings.NESTED_FIELD_SEPARATOR}{_NON_FIELD}")
                data_fields.append(InputDataField(name, field, own))
                index = f"{name}{package_settings.NESTED_FIELD_SEPARATOR}{package_settings.LIST_INDEX_IN_API_SCHEMA}"
                data_fields.append(InputDataField(index, field.child, {"null"}))
        return [data_field for data_field in data_fields if data_field.error_codes]

    def _query_serializers(self) -> list:
        return [force_instance(p) for p in self.get_override_parameters() if is_serializer(p)]

    def _query_fields_with_error_codes(self) -> list[InputDataField]:
        fields = []
        for serializer in self._query_serializers():
            flat = get_flat_serializer_fields(list(serializer.fields.values()))
            fields += get_serializer_fields_with_error_codes(flat)
        return fields

    def _should_add_validation_error_response(self) -> bool:
        return super()._should_add_validation_error_response() or bool(
            self.method == "GET" and self._query_serializers()
        )

    def _get_extra_validation_errors(self) -> dict[str, set[str]]:
        extra = super()._get_extra_validation_errors()
        searched = any(issubclass(backend, filters.SearchFilter) for backend in self.get_filter_backends())
        if self.method == "GET" and searched and getattr(self.view, "search_fields", None):
            # DRF checks the search terms with a bare CharField: its error names no field.
            extra = {**extra, None: {*extra.get(None, ()), "null_characters_not_allowed"}}
        return extra

    def _request_model(self):
        if self.method not in BODY_METHODS:
            return None
        serializer = force_instance(self.get_request_serializer())
        return getattr(getattr(serializer, "Meta", None), "model", None)

    def _get_http400_serializer(self):
        """A validation error (by field) when the operation validates input, else only a client error
        (a parse error or one of our business codes)."""
        http400_serializers = {}
        if self._should_add_validation_error_response():
            http400_serializers[ValidationErrorEnum.VALIDATION_ERROR.value] = (
                self._get_serializer_for_validation_error_response()
            )
        http400_serializers[ClientErrorEnum.CLIENT_ERROR.value] = ClientErrorResponse400Serializer
        return PolymorphicProxySerializer(
            component_name=f"{camelize(self.get_operation_id())}ErrorResponse400",
            serializers=http400_serializers,
            resource_type_field_name="type",
        )


_NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def _uuid_lookup(field) -> bool:
    if isinstance(field, serializers.ManyRelatedField):
        field = field.child_relation
    if isinstance(field, (serializers.PrimaryKeyRelatedField, forms.ModelChoiceField)):
        queryset = field.queryset
        return queryset is not None and isinstance(queryset.model._meta.pk, models.UUIDField)
    return False


def _list_length_codes(field: serializers.ListSerializer) -> set[str]:
    codes = set()
    if getattr(field, "max_length", None) is not None:
        codes.add("max_length")
    if getattr(field, "min_length", None) is not None:
        codes.add("min_length")
    if not getattr(field, "allow_empty", True):
        codes.add("empty")
    return codes


def _validator_codes(validator) -> set[str]:
    for function, codes in VALIDATOR_CODES.items():
        if validator is function:
            return codes
    code = getattr(validator, "code", None)
    return {code} if isinstance(code, str) else set()


def _model_field(model, name: str):
    if model is None or package_settings.NESTED_FIELD_SEPARATOR in name:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a name the model does not have
        return None


def _attr_pattern(attr: str) -> str:
    separator = re.escape(package_settings.NESTED_FIELD_SEPARATOR)
    index, key = package_settings.LIST_INDEX_IN_API_SCHEMA, package_settings.DICT_KEY_IN_API_SCHEMA
    parts = []
    for part in attr.split(package_settings.NESTED_FIELD_SEPARATOR):
        if part == index:
            parts.append(r"\d+")
        elif part == key:
            parts.append(r"[^" + separator + r"]+")
        else:
            parts.append(re.escape(part))
    return "^" + separator.join(parts) + "$"


def _positional(attr: str, placeholders: set) -> bool:
    return bool(placeholders & set(attr.split(package_settings.NESTED_FIELD_SEPARATOR)))


def postprocess_error_attrs(result, generator, request, public):
    """Positions in ``attr`` (``INDEX``/``KEY`` in drf-standardized-errors' enums) become patterns.

    The ``attr`` discriminator of those errors' ``oneOf`` goes too: an attr such as
    ``scans.0.room`` names no mapping entry, and the alternatives stay exclusive by their attr."""
    placeholders = {package_settings.LIST_INDEX_IN_API_SCHEMA, package_settings.DICT_KEY_IN_API_SCHEMA}
    schemas = result.get("components", {}).get("schemas", {})
    for schema in schemas.values():
        # Every error body (``type``, ``errors``) also carries its first text at the top (ErrorFormatter).
        properties = schema.get("properties", {})
        if set(properties) == {"type", "errors"}:
            for key in SUMMARY_KEYS:
                properties[key] = {"type": "string", "description": SUMMARY_DESCRIPTION}
            schema["required"] = sorted(set(schema.get("required", [])) | set(SUMMARY_KEYS))
    for schema in schemas.values():
        attr = schema.get("properties", {}).get("attr", {})
        values = attr.get("enum") or []
        positional = len(values) == 1 and isinstance(values[0], str) and _positional(values[0], placeholders)
        if positional:
            schema["properties"]["attr"] = {"type": "string", "pattern": _attr_pattern(values[0])}
    for schema in schemas.values():
        discriminator = schema.get("discriminator") or {}
        if discriminator.get("propertyName") != "attr":
            continue
        mapping = discriminator.get("mapping", {})
        if any(_positional(str(name), placeholders) for name in mapping):
            del schema["discriminator"]
    return result


# --- A schema clients generate from (issue 21) --------------------------------------------------------


class SchemaGenerator(generators.SchemaGenerator):
    """Generates in English whatever the request's language (``Accept-Language``, the default ``fr``):
    component and generated class names come from titles and enum names, and must not change with it."""

    def get_schema(self, request=None, public=False):
        with translation.override("en"):
            return super().get_schema(request=request, public=public)


ERROR_COMPONENT = "Error"
# The one error body of the API (makeplus/error_handling.py), for every 4xx/5xx of every operation.
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API. `errors[].code` is stable (the codes an operation answers are listed "
    "in each of its error responses, `x-error-codes`); `detail` is in the caller's language; `attr` names the "
    "field (or is null). `message`, `detail` and `error` repeat the first error's text.",
    "properties": {
        "type": {"type": "string", "enum": ["validation_error", "client_error", "server_error"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                    "attr": {"type": "string", "nullable": True},
                },
                "required": ["code", "detail", "attr"],
            },
        },
        "message": {"type": "string", "description": SUMMARY_DESCRIPTION},
        "detail": {"type": "string", "description": SUMMARY_DESCRIPTION},
        "error": {"type": "string", "description": SUMMARY_DESCRIPTION},
    },
    "required": ["type", "errors", "message", "detail", "error"],
}
_STATUS_TEXT = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Server error",
    503: "Unavailable, retry later",
}
_DRF_STATUS_CODES = {
    405: ["method_not_allowed"],
    406: ["not_acceptable"],
    415: ["unsupported_media_type"],
    429: ["throttled"],
    500: ["error"],
}


def _ref_name(node) -> str | None:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return ref.rsplit("/", 1)[-1] if ref else None


def _error_codes(node, schemas: dict, seen: set) -> set[str]:
    """Every value of a ``code`` enum under an error schema (following references)."""
    codes: set[str] = set()
    if isinstance(node, list):
        for item in node:
            codes |= _error_codes(item, schemas, seen)
        return codes
    if not isinstance(node, dict):
        return codes
    if name := _ref_name(node):
        if name in seen:
            return codes
        seen.add(name)
        return _error_codes(schemas.get(name, {}), schemas, seen)
    code = node.get("properties", {}).get("code")
    if code is not None:
        target = schemas.get(_ref_name(code), {}) if _ref_name(code) else code
        codes |= {value for value in target.get("enum", []) if isinstance(value, str)}
    for key, value in node.items():
        if key != "discriminator":
            codes |= _error_codes(value, schemas, seen)
    return codes


def _is_error_schema(node, schemas: dict) -> bool:
    while isinstance(node, dict) and _ref_name(node):
        node = schemas.get(_ref_name(node), {})
    if not isinstance(node, dict):
        return False
    if "errors" in node.get("properties", {}):
        return True
    return any(_is_error_schema(item, schemas) for item in node.get("oneOf", []))


class SignedFileFieldExtension(OpenApiSerializerFieldExtension):
    """An e-poster's file: uploaded as a file (multipart), read as a short-lived signed link."""

    target_class = "events.serializers.eposters.SignedFileField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return build_basic_type(OpenApiTypes.BINARY)
        return build_basic_type(OpenApiTypes.URI)


def _references(node) -> set[str]:
    found = set()
    if isinstance(node, dict):
        if name := _ref_name(node):
            found.add(name)
        for value in node.values():
            found |= _references(value)
    elif isinstance(node, list):
        for value in node:
            found |= _references(value)
    return found


def _used_components(result) -> set[str]:
    schemas = result.get("components", {}).get("schemas", {})
    used, todo = set(), _references(result.get("paths", {}))
    while todo:
        name = todo.pop()
        if name in used or name not in schemas:
            continue
        used.add(name)
        todo |= _references(schemas[name]) - used
    return used


def _operations(result):
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def postprocess_one_error(result, generator, request, public):
    """One ``Error`` component for every error response; each response lists the codes it can carry
    (``x-error-codes``, also in its description) instead of a component of its own per operation and status."""
    schemas = result.get("components", {}).get("schemas", {})
    for _path, _method, operation in _operations(result):
        moved: dict[int, set] = {}  # codes listed under another status than their own (registry)
        for status, response in list(operation.get("responses", {}).items()):
            if not str(status).isdigit() or int(status) < 400:
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None and not _is_error_schema(schema, schemas):
                continue  # an operation's own body for that status (health's 503)
            codes = sorted(_error_codes(schema, schemas, set())) if schema else []
            if not codes:  # a hand-written error response names its codes in its description
                registered = ERROR_CODES.get(int(status), ())
                said = response.get("description", "")
                codes = [code for code in registered if re.search(rf"\b{code}\b", said)] or list(registered)
            codes = codes or _DRF_STATUS_CODES.get(int(status), [])
            elsewhere = [code for code in codes if STATUS_OF.get(code, int(status)) != int(status)]
            for code in elsewhere:
                moved.setdefault(STATUS_OF[code], set()).add(code)
            codes = [code for code in codes if code not in elsewhere] or codes
            if int(status) == 413:  # file_too_large only where a file is uploaded (moved from its field's 400)
                codes = [code for code in codes if code != "file_too_large"]
            response["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
            response["x-error-codes"] = codes
            text = _STATUS_TEXT.get(int(status), "Error")
            response["description"] = f"{text}. Codes: {', '.join(f'`{code}`' for code in codes)}."
        for status, codes in moved.items():
            response = operation["responses"].setdefault(str(status), {"x-error-codes": []})
            response["x-error-codes"] = sorted(set(response["x-error-codes"]) | codes)
            response["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
            text = _STATUS_TEXT.get(status, "Error")
            response["description"] = f"{text}. Codes: {', '.join(f'`{c}`' for c in response['x-error-codes'])}."
    schemas[ERROR_COMPONENT] = ERROR_SCHEMA
    used = _used_components(result)
    for name in list(schemas):
        if name not in used:
            del schemas[name]
    return result


def _has_binary(node, schemas: dict, seen: set) -> bool:
    if isinstance(node, list):
        return any(_has_binary(item, schemas, seen) for item in node)
    if not isinstance(node, dict):
        return False
    if name := _ref_name(node):
        if name in seen:
            return False
        seen.add(name)
        return _has_binary(schemas.get(name, {}), schemas, seen)
    if node.get("format") == "binary":
        return True
    return any(_has_binary(value, schemas, seen) for value in node.values())


def postprocess_request_bodies(result, generator, request, public):
    """One request body per operation: JSON, or multipart where a file is uploaded. The server still
    parses the three (DRF's parsers); declaring them all made generated clients fail (one model per
    content type, and generators' bugs with form bodies)."""
    schemas = result.get("components", {}).get("schemas", {})
    for _path, _method, operation in _operations(result):
        content = operation.get("requestBody", {}).get("content")
        if not content:
            continue
        schema = next(iter(content.values()))["schema"]
        media = "multipart/form-data" if _has_binary(schema, schemas, set()) else "application/json"
        operation["requestBody"]["content"] = {media: content.get(media, {"schema": schema})}
    return result
