"""The back office opens in the signed-in user's language (User.language, set by the language switch:
makeplus/views_i18n.py) when this browser has no language cookie yet: a choice made on one device follows
the account to the next. After LocaleMiddleware and AuthenticationMiddleware; back office pages only (the
API keeps Accept-Language)."""

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request):
        if request.path.startswith("/admin/") and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            user = getattr(request, "user", None)
            language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
            if language in self.languages:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
