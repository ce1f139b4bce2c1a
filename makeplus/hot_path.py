"""Per-request work the door scan does not need to repeat (issue 22: "less framework on the hot path").

* :class:`FieldsOncePerThread`: DRF deep-copies every declared field of a serializer for each instance
  (``Serializer.get_fields``), so that an instance may change its fields without touching the class's. On
  the door scan that copy was 7 % of the request's CPU, and depends on nothing in the request.
* :func:`verified_token`: the scanning phone sends the same access token with every scan; its signature
  and claims are checked once per process (8 % of the scan's CPU), its expiry on every use.
"""

import threading
import time
from collections import OrderedDict

_fields = threading.local()


class FieldsOncePerThread:
    """Serializer mixin: the declared fields copied once per class and thread, then handed to each new
    instance of that thread (their ``parent`` re-pointed at it; name, source and label stay as the first
    binding set them). For input serializers that never change their fields per instance, and of which a
    thread uses one instance at a time (a view validating its request body) — not for nested use."""

    @property
    def fields(self):
        # Not DRF's cached_property: the fields belong to the thread, the instance only borrows them.
        borrowed = self.__dict__.get("_borrowed_fields")
        if borrowed is not None:
            return borrowed
        store = _fields.__dict__.setdefault("by_class", {})
        fields = store.get(type(self))
        if fields is None:
            fields = store[type(self)] = super().fields  # BindingDict: deep copies bound to this instance
        else:
            fields.serializer = self
            for field in fields.values():
                field.parent = self
        self.__dict__["_borrowed_fields"] = fields
        return fields


_TOKENS_KEPT = 4096
_tokens: OrderedDict = OrderedDict()
_tokens_lock = threading.Lock()


def verified_token(raw_token: bytes, verify):
    """``verify(raw_token)`` (signature, type, claims: it raises when the token is refused), remembered for
    the most recent tokens of this process while unexpired. A refused token is never remembered; an expired
    one is forgotten and verified again, so the refusal (and its leeway) stays ``verify``'s."""
    with _tokens_lock:
        token = _tokens.get(raw_token)
        if token is not None:
            _tokens.move_to_end(raw_token)
    if token is not None and token.payload.get("exp", 0) > time.time():
        return token
    token = verify(raw_token)
    with _tokens_lock:
        _tokens[raw_token] = token
        while len(_tokens) > _TOKENS_KEPT:
            _tokens.popitem(last=False)
    return token
