from django.urls import path

from . import mfa_views, notification_views, sessions, views

app_name = "teams"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
    # The second factor (teams.mfa).
    path("sign-in/verify/", mfa_views.verify, name="mfa-verify"),
    path("sign-in/verify/recovery-code/", mfa_views.recovery, name="mfa-recovery"),
    path("sign-in/set-up/", mfa_views.set_up, name="mfa-set-up"),
    path("sign-in/set-up/recovery-codes/", mfa_views.recovery_codes, name="mfa-recovery-codes"),
    path("session/", sessions.session_status, name="session-status"),
    path("session/extend/", sessions.session_extend, name="session-extend"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/settings/",
        notification_views.notification_settings,
        name="notification-settings",
    ),
    path(
        "notifications/read/",
        notification_views.notifications_read_all,
        name="notifications-read-all",
    ),
    path(
        "notifications/<int:notification_pk>/open/",
        notification_views.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/<int:notification_pk>/read/",
        notification_views.notification_read,
        name="notification-read",
    ),
]
