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
from drf_spectacular.plumbing import force_instance, is_serializer
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

from makeplus.errors import CODES_BY_STATUS, SUMMARY_KEYS
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
