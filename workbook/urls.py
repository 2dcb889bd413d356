from django.urls import path

from . import views, views_attachments

app_name = "workbook"

urlpatterns = [
    path("families/<int:family_pk>/workbook/", views.workbook_page, name="workbook"),
    path("families/<int:family_pk>/workbook/new/<slug:slug>/", views.entry_new, name="entry-new"),
    path("families/<int:family_pk>/chronology.pdf", views.chronology_pdf, name="chronology-pdf"),
    path("workbook/authorisations/", views.authorisations, name="authorisations"),
    path("workbook/entries/<int:entry_pk>/", views.entry_detail, name="entry"),
    path("workbook/entries/<int:entry_pk>/edit/", views.entry_edit, name="entry-edit"),
    path("workbook/entries/<int:entry_pk>/autosave/", views.entry_autosave, name="entry-autosave"),
    path(
        "workbook/entries/<int:entry_pk>/conflict/<int:revision_pk>/",
        views.entry_conflict,
        name="entry-conflict",
    ),
    path(
        "workbook/entries/<int:entry_pk>/revisions/", views.entry_revisions, name="entry-revisions"
    ),
    path("workbook/entries/<int:entry_pk>/decision/", views.entry_decide, name="entry-decide"),
    path("workbook/entries/<int:entry_pk>/correct/", views.entry_correct, name="entry-correct"),
    path("workbook/entries/<int:entry_pk>/entry.pdf", views.entry_pdf, name="entry-pdf"),
    path(
        "workbook/entries/<int:entry_pk>/attachments/",
        views_attachments.attachment_upload,
        name="attachment-upload",
    ),
    path(
        "workbook/attachments/<int:attachment_pk>/",
        views_attachments.attachment_download,
        name="attachment-download",
    ),
]
