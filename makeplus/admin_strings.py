"""Django admin strings the back office translates its own way (never imported: read by makemessages only).

Translations in LOCALE_PATHS (locale/) come before Django's own, so these msgids, listed here for makemessages to keep
them in locale/*/django.po, replace Django's French phrasing where it breaks with the product's words: "Ajout de
événement" (no elision before a vowel), "Supprimer les annonces sélectionnés" (feminine nouns), "Administration de
Événements"; and gives the Arabic that Django's own catalog lacks (a missing Arabic string falls back to the
default language, French, on an Arabic page)."""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_ADMIN_STRINGS = (
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("%(app)s administration"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
)
# Missing from Django's Arabic: shown on the password change page and under inline forms.
DJANGO_PLURAL_STRINGS = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
    ngettext_lazy("Please submit at most %(num)d form.", "Please submit at most %(num)d forms.", "num"),
    ngettext_lazy("Please submit at least %(num)d form.", "Please submit at least %(num)d forms.", "num"),
)
