"""Django's middleware that only the website's pages need, skipped by the JSON API (issue 22).

The back office and the account pages (``/admin/``, ``/account/``, ``/i18n/``) run on a session cookie:
they need the session, the user it signs in, flash messages and the account's language. A call to the API
under ``/api/`` carries its caller in its token (events/authentication.py) and uses none of them, so it
does not pay for them on every request — least of all on the door scan. Each class is Django's own (the
admin's system checks look for them), passing API requests straight on.
"""

from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware

from makeplus.i18n_middleware import UserLanguageMiddleware as AccountLanguageMiddleware

API_PREFIX = "/api/"


class _SiteOnly:
    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_SiteOnly, DjangoSessionMiddleware):
    pass


class AuthenticationMiddleware(_SiteOnly, DjangoAuthenticationMiddleware):
    pass


class UserLanguageMiddleware(_SiteOnly, AccountLanguageMiddleware):
    pass


class MessageMiddleware(_SiteOnly, DjangoMessageMiddleware):
    pass
