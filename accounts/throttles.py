import hashlib

from rest_framework.throttling import SimpleRateThrottle

from accounts.models import normalize_email


class LoginEmailThrottle(SimpleRateThrottle):
    """Attempts per target account, so a botnet cannot try one account from many addresses.

    Complements DRF's ScopedRateThrottle (per client address). Both count in the default
    cache, shared between app processes when Redis is configured.
    """

    scope = "login_email"

    def get_cache_key(self, request, view):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email:
            return None
        # Hashed: the address is the client's input, of any length and with any characters, and a
        # cache key must stay short and plain (memcached refuses others, Django warns about them).
        ident = hashlib.sha256(normalize_email(email).encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
