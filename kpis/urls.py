from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("kpis/", views.board, name="board"),
    path("kpis/refresh/", views.refresh, name="refresh"),
    path("kpis/runs/<int:run_pk>/", views.run_progress, name="run"),
    path("kpis/<slug:code>/", views.detail, name="detail"),
    path("kpis/<slug:code>/snapshots.csv", views.snapshots_csv, name="csv"),
    path("kpis/<slug:code>/children/", views.drill_down, name="drill-down"),
]
