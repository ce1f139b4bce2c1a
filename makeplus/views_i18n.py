"""The back office's language switch (issue 20, item 9): fr, ar, en.

Django's ``set_language`` view does the work (the language cookie, redirect to ``next``); a signed-in
user's choice is also kept on the account (``User.language``), so that the next sign-in, on any device,
opens in that language (makeplus.i18n_middleware) and emails follow it."""

from django.conf import settings
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


@require_POST
def set_language(request):
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = getattr(request, "user", None)
    if (
        user is not None
        and user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and user.language != language
    ):
        user.language = language
        user.save(update_fields=["language"])
    return response
