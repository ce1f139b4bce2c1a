import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from makeplus.uploads import GeneratedName, validate_upload_size


def normalize_email(email: str) -> str:
    """Emails are the login and compare case-insensitively: store them lower-cased."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    photo = models.ImageField(
        _("photo"), upload_to=GeneratedName("users/photos"), blank=True, validators=[validate_upload_size]
    )
    share_contact_with_exposants = models.BooleanField(
        _("share contact with exposants"),
        default=False,  # opt-in (SPEC §11): asked in the profile and on the invitation page
        help_text=_("Exposants who scan this user's badge see its email and phone."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "Language of the back office (its language switch sets it) and of the emails sent to this user; empty: "
            "the event's language, else French."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            # Uniqueness is on the stored value; this makes "stored value" mean lower-case,
            # so Foo@x.dz and foo@x.dz can never both exist, whoever writes the row.
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


class AccountCode(models.Model):
    """A one-time 6-digit code sent by email (sign-up, password reset, invitation).

    Only a hash of the code is stored (compared in constant time); a sign-up or reset
    keeps the chosen password hashed until the code is verified. A code is dead once
    used, expired, or after too many wrong attempts."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("sign-up")
        PASSWORD_RESET = "password_reset", _("password reset")
        INVITATION = "invitation", _("invitation")

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    email = models.EmailField(_("email"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="account_codes",
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    code_hash = models.CharField(_("code hash"), max_length=128)
    # Sign-up: the names entered with the request; never a password in clear.
    data = models.JSONField(_("data"), default=dict, blank=True)
    password_hash = models.CharField(_("pending password hash"), max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    resends = models.PositiveSmallIntegerField(_("resends"), default=0)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account code")
        verbose_name_plural = _("account codes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["purpose", "email"], name="accountcode_purpose_email")]

    def __str__(self):
        return f"{self.purpose} {self.email}"


# --- mobile-auth: login sessions of the mobile app (accounts/tokens.py) ---
class LoginSession(models.Model):
    """One sign-in of the mobile app. Its tokens carry this id (claim ``sid``): authentication refuses them once
    the session is revoked (logout, password change or reset, account deletion), in the same statement that
    loads the caller (events/sql/auth.py). Tokens of ``/api/auth/login/`` have no session."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="login_sessions")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


# --- end mobile-auth ---
