from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views import defaults
from oauth2_provider import views as oauth2_views

from . import api, views
from .lib.api import api_400, api_404, api_500

admin.site.site_header = "Family Safeguarding administration"
admin.site.site_title = "Family Safeguarding administration"

OAUTH2_URLS = [
    path("token/", oauth2_views.TokenView.as_view(), name="token"),
    path("revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("", include("teams.urls")),
    path("", include("cases.urls")),
    path("", include("workbook.urls")),
    path("", include("supervision.urls")),
    path("", include("kpis.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api)),
    # OAuth2 for partner systems: token and revocation only (clients are registered in admin).
    path("o/", include((OAUTH2_URLS, "oauth2_provider"))),
]


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    return api_400(request, exception) or defaults.bad_request(request, exception)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """API addresses answer in the API's error format; pages get the 404 page."""
    return api_404(request, exception) or defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    return api_500(request) or defaults.server_error(request)
