from django.urls import path

from . import mfa_views, notification_views, sessions, views
from .workforce import views as workforce

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
    # The workforce (teams.workforce): establishment, learning and development, observations.
    path("workforce/", workforce.workforce, name="workforce"),
    path(
        "teams/<slug:team_slug>/establishment/",
        workforce.establishment,
        name="establishment",
    ),
    path(
        "teams/<slug:team_slug>/establishment/change/",
        workforce.establishment_change,
        name="establishment-change",
    ),
    path(
        "teams/<slug:team_slug>/establishment/members/<int:membership_pk>/",
        workforce.membership_post,
        name="membership-post",
    ),
    path("training/", workforce.training, name="training"),
    path("training/sessions/new/", workforce.session_new, name="session-new"),
    path("training/sessions/<int:session_pk>/", workforce.session_detail, name="session"),
    path("training/sessions/<int:session_pk>/book/", workforce.session_book, name="session-book"),
    path(
        "training/sessions/<int:session_pk>/attendance/",
        workforce.session_attendance,
        name="session-attendance",
    ),
    path("training/people/<int:user_pk>/", workforce.training_record, name="training-record"),
    path("observations/people/<int:user_pk>/", workforce.observations, name="observations"),
    path(
        "observations/people/<int:user_pk>/new/",
        workforce.observation_new,
        name="observation-new",
    ),
    path(
        "observations/<int:observation_pk>/",
        workforce.observation_detail,
        name="observation",
    ),
]
