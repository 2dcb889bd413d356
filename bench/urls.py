"""The benchmark's URLconf: every real address, plus the floor page. Used only through
``override_settings(ROOT_URLCONF="bench.urls")`` while benchmarking, never in production."""

from __future__ import annotations

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/floor/<int:pk>/", views.floor, name="bench-floor"),
    path("", include("safeguarding.urls")),
]
