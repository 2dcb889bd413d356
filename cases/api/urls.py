from django.urls import path

from ..partners import api as partner
from . import staff

urlpatterns = [
    path(
        "partner/notifications/",
        partner.NotificationCreateApi.as_view(),
        name="partner-notifications",
    ),
    path(
        "partner/child-status/<str:nhs_number>/",
        partner.ChildStatusLookupApi.as_view(),
        name="partner-child-status",
    ),
    path("families/", staff.FamilyListApi.as_view(), name="families"),
    path("families/<int:pk>/", staff.FamilyDetailApi.as_view(), name="family"),
    path("people/", staff.PersonListApi.as_view(), name="people"),
    path("people/<int:pk>/", staff.PersonDetailApi.as_view(), name="person"),
    path("cases/", staff.CaseListApi.as_view(), name="cases"),
    path("cases/<int:pk>/", staff.CaseDetailApi.as_view(), name="case"),
]
