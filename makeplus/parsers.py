"""The JSON parser of the API: DRF's, with the limits PostgreSQL and Python need.

* Depth: nothing we accept nests deeper than a few levels (settings, themes, scan batches). A body nested
  thousands of levels deep makes Python's decoder (and later code walking it) raise RecursionError, a 500;
  it is refused as a parse error at ``MAX_JSON_DEPTH``.
* NUL characters: PostgreSQL cannot store U+0000 in text or jsonb (``DataError``, a 500). DRF's CharField
  refuses it, JSON fields (metadata, settings, themes) and keys did not: the whole body is refused here.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Deeper than any body of the API (the deepest, a scan batch, is 3 levels).
MAX_JSON_DEPTH = 20


def check_json(value, depth: int = 0) -> None:
    """Walks a decoded body: ParseError when it is too deep or carries a NUL character."""
    if depth > MAX_JSON_DEPTH:
        raise ParseError(_("The JSON body is nested too deeply."), code="too_deep")
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError(_("Text may not contain the NUL character (\\u0000)."), code="null_character")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json(key, depth + 1)
            check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json(item, depth + 1)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply."), code="too_deep") from None
        except ParseError as exc:
            # DRF's "JSON parse error - ..." is English only: the same error in the request's language.
            cause = exc.__context__
            if isinstance(cause, ValueError) and hasattr(cause, "lineno"):
                message = _("The body is not valid JSON (line %(line)s, column %(column)s).") % {
                    "line": cause.lineno,
                    "column": cause.colno,
                }
            else:
                message = _("The body is not valid JSON.")
            raise ParseError(message, code="parse_error") from None
        check_json(data)
        return data


def _check_form(data) -> None:
    """The NUL rule for form fields (a QueryDict): PostgreSQL refuses U+0000 in text there too."""
    for key, values in data.lists():
        for value in (key, *values):
            if isinstance(value, str) and "\x00" in value:
                raise ParseError(_("Text may not contain the NUL character (\\u0000)."), code="null_character")


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _check_form(parsed.data)
        return parsed
