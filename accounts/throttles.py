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
        return self.cache_format % {"scope": self.scope, "ident": normalize_email(email)}
