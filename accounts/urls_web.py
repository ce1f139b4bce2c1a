"""Web pages opened from the emailed links (under /account/): choose a password."""

from django.urls import path

from accounts import views_codes

urlpatterns = [
    path("password-reset/", views_codes.PasswordResetRequestPage.as_view(), name="account-password-reset"),
    path(
        "reset/<uidb64>/<token>/", views_codes.PasswordResetConfirmPage.as_view(), name="account-password-reset-confirm"
    ),
    path("password-done/", views_codes.PasswordDonePage.as_view(), name="account-password-done"),
    path("invitation/<str:token>/", views_codes.InvitationPage.as_view(), name="account-invitation"),
]
