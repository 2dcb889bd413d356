from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("supervision/", views.due_list, name="due"),
    path("supervision/actions/", views.actions_mine, name="my-actions"),
    path(
        "supervision/actions/<int:action_pk>/complete/",
        views.action_complete,
        name="action-complete",
    ),
    path("families/<int:family_pk>/supervision/", views.family_supervisions, name="family"),
    path("families/<int:family_pk>/supervision/schedule/", views.schedule, name="schedule"),
    path("supervision/<int:supervision_pk>/", views.detail, name="detail"),
    path("supervision/<int:supervision_pk>/autosave/", views.autosave, name="autosave"),
    path(
        "supervision/<int:supervision_pk>/conflict/<int:revision_pk>/",
        views.conflict,
        name="conflict",
    ),
    path("supervision/<int:supervision_pk>/reschedule/", views.reschedule, name="reschedule"),
    path("supervision/<int:supervision_pk>/actions/", views.action_add, name="action-add"),
    path("supervision/<int:supervision_pk>/sign-off/", views.sign_off, name="sign-off"),
    path("supervision/<int:supervision_pk>/pdf/", views.pdf_status, name="pdf"),
    path("supervision/<int:supervision_pk>/pdf/download/", views.pdf_download, name="pdf-download"),
]
