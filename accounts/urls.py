from django.urls import path

from accounts import views

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="auth-register"),
    path("login/", views.LoginView.as_view(), name="auth-login"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("select-event/", views.SelectEventView.as_view(), name="auth-select-event"),
    path("switch-event/", views.SwitchEventView.as_view(), name="auth-switch-event"),
    path("my-events/", views.MyEventsView.as_view(), name="auth-my-events"),
    path("profile/", views.ProfileView.as_view(), name="auth-profile"),
    path("change-password/", views.ChangePasswordView.as_view(), name="auth-change-password"),
]
