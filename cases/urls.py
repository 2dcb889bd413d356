from django.urls import path

from .audit import views as audit
from .clocks import views as tray
from .partners import views as triage
from .views import access, caseload, family, people, teams

app_name = "cases"

urlpatterns = [
    path("caseload/", caseload.my_caseload, name="caseload"),
    path("tray/", tray.my_tray, name="tray"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/<slug:team_slug>/", teams.team_detail, name="team"),
    path("teams/<slug:team_slug>/caseload/", caseload.team_caseload_view, name="team-caseload"),
    path("teams/<slug:team_slug>/tray/", tray.team_tray_view, name="team-tray"),
    path("teams/<slug:team_slug>/members/add/", teams.membership_start, name="membership-start"),
    path(
        "teams/<slug:team_slug>/members/<int:membership_pk>/end/",
        teams.membership_end,
        name="membership-end",
    ),
    path("referrals/new/", people.referral_new, name="referral"),
    path("search/", people.search, name="search"),
    path("people/<int:person_pk>/", people.person_detail, name="person"),
    path("people/<int:person_pk>/edit/", people.person_edit, name="person-edit"),
    path("families/<int:family_pk>/", family.family_detail, name="family"),
    path("families/<int:family_pk>/members/add/", family.member_add, name="member-add"),
    path(
        "families/<int:family_pk>/relationships/add/",
        family.relationship_add,
        name="relationship-add",
    ),
    path("families/<int:family_pk>/allocate/", family.allocate, name="allocate"),
    path(
        "families/<int:family_pk>/allocations/<int:allocation_pk>/end/",
        family.allocation_end,
        name="allocation-end",
    ),
    path("families/<int:family_pk>/transfer/", family.transfer, name="transfer"),
    path("families/<int:family_pk>/close/", family.close, name="close"),
    path("families/<int:family_pk>/reopen/", family.reopen, name="reopen"),
    path("families/<int:family_pk>/statuses/add/", family.status_add, name="status-add"),
    path(
        "families/<int:family_pk>/statuses/<int:status_pk>/end/",
        family.status_end,
        name="status-end",
    ),
    path(
        "families/<int:family_pk>/statuses/<int:status_pk>/review-conference/",
        family.review_conference,
        name="review-conference",
    ),
    path(
        "families/<int:family_pk>/statuses/<int:status_pk>/core-group/",
        tray.core_group,
        name="core-group",
    ),
    path("families/<int:family_pk>/warnings/add/", family.warning_add, name="warning-add"),
    path(
        "families/<int:family_pk>/warnings/<int:warning_pk>/review/",
        tray.warning_review,
        name="warning-review",
    ),
    path(
        "families/<int:family_pk>/warnings/<int:warning_pk>/end/",
        family.warning_end,
        name="warning-end",
    ),
    path("families/<int:family_pk>/share/", family.share, name="share"),
    path("families/<int:family_pk>/who-viewed/", access.access_log, name="access-log"),
    path("emergency-access/", access.emergency_access, name="emergency-access"),
    path(
        "emergency-access/review/", access.emergency_access_review, name="emergency-access-review"
    ),
    path("notifications/triage/", triage.triage_list, name="triage"),
    path("notifications/triage/<uuid:public_id>/", triage.triage_detail, name="triage-detail"),
    path("audit/access/", audit.access_events, name="audit-access"),
    path("audit/access/export.csv", audit.access_events_csv, name="audit-access-csv"),
    path("audit/disclosures/", audit.disclosures, name="audit-disclosures"),
    path("audit/disclosures/export.csv", audit.disclosures_csv, name="audit-disclosures-csv"),
    path("audit/observations/", audit.observation_reads, name="audit-observations"),
    path(
        "audit/observations/export.csv",
        audit.observation_reads_csv,
        name="audit-observations-csv",
    ),
    path("audit/unusual/", audit.unusual_access, name="audit-unusual"),
    path("audit/unusual/<int:user_pk>/", audit.unusual_access_user, name="audit-unusual-user"),
]
