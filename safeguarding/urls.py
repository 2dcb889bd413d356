from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Family Safeguarding administration"
admin.site.site_title = "Family Safeguarding administration"

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
]
