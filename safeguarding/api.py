"""``/api/v1/``: every app's API routes, the OpenAPI schema and the self-hosted docs (DESIGN §9)."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

app_name = "api"


class BearerTokenScheme(DjangoOAuthToolkitScheme):
    """The toolkit's OAuth2 security scheme, for its subclass that leaves the body alone
    (drf-spectacular matches authentication classes exactly, not their subclasses)."""

    target_class = "safeguarding.lib.api.BearerTokenAuthentication"


class SchemaApi(SpectacularAPIView):
    permission_classes = [AllowAny]


class DocsApi(SpectacularSwaggerSplitView):
    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"


urlpatterns = [
    path("schema/", SchemaApi.as_view(), name="schema"),
    path("docs/", DocsApi.as_view(url_name="api:schema"), name="docs"),
    path("", include("cases.api.urls")),
    path("", include("kpis.api")),
    path("", include("workbook.api")),
    path("", include("supervision.api")),
]
