from django.urls import path

from accounts import views
from accounts.views_codes import (  # part accounts
    InvitationAcceptView,
    InvitationResendView,
    PasswordResetLinkView,
    PasswordResetRequestView,
    PasswordResetResendView,
    PasswordResetVerifyView,
    SignupRequestView,
    SignupResendView,
    SignupVerifyView,
)
from accounts.views_privacy import AccountExportView  # part privacy
from mobile.auth import AppSelectEventView  # part mobile-auth

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="auth-register"),
    path("login/", views.LoginView.as_view(), name="auth-login"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    # mobile-auth: ours, also accepting the mobile app's temp_token and answering with its keys too.
    path("select-event/", AppSelectEventView.as_view(), name="auth-select-event"),
    path("switch-event/", views.SwitchEventView.as_view(), name="auth-switch-event"),
    path("my-events/", views.MyEventsView.as_view(), name="auth-my-events"),
    path("my-events/<uuid:event_id>/leave/", views.LeaveEventView.as_view(), name="auth-leave-event"),
    path("profile/", views.ProfileView.as_view(), name="auth-profile"),
    path("change-password/", views.ChangePasswordView.as_view(), name="auth-change-password"),
    # --- accounts: codes and invitations (accounts/views_codes.py) ---
    path("signup/request/", SignupRequestView.as_view(), name="auth-signup-request"),
    path("signup/resend/", SignupResendView.as_view(), name="auth-signup-resend"),
    path("signup/verify/", SignupVerifyView.as_view(), name="auth-signup-verify"),
    path("password-reset/", PasswordResetLinkView.as_view(), name="auth-password-reset-link"),
    path("password-reset/request/", PasswordResetRequestView.as_view(), name="auth-password-reset-request"),
    path("password-reset/resend/", PasswordResetResendView.as_view(), name="auth-password-reset-resend"),
    path("password-reset/verify/", PasswordResetVerifyView.as_view(), name="auth-password-reset-verify"),
    path("invitation/accept/", InvitationAcceptView.as_view(), name="auth-invitation-accept"),
    path("invitation/resend/", InvitationResendView.as_view(), name="auth-invitation-resend"),
    # --- end accounts ---
    # --- privacy (accounts/views_privacy.py) ---
    path("me/export/", AccountExportView.as_view(), name="auth-me-export"),
    # --- end privacy ---
]
