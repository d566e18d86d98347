"""Pages of monitoring: overview, at-risk list, national view, capacity, tokens, webhooks."""

from django.urls import path

from . import views_at_risk, views_capacity, views_overview, webhook_views

app_name = "monitoring"

urlpatterns: list = [
    path("webhooks/", webhook_views.webhook_list, name="webhook-list"),
    path("webhooks/new/", webhook_views.webhook_create, name="webhook-create"),
    path("webhooks/<int:endpoint_id>/", webhook_views.webhook_detail, name="webhook-detail"),
    path(
        "webhooks/<int:endpoint_id>/disable/",
        webhook_views.webhook_disable,
        name="webhook-disable",
    ),
    path("webhooks/<int:endpoint_id>/enable/", webhook_views.webhook_enable, name="webhook-enable"),
    path("webhooks/<int:endpoint_id>/delete/", webhook_views.webhook_delete, name="webhook-delete"),
    # Capacity (m-capacity): demand against seats, waits against the norm.
    path("capacity/", views_capacity.capacity, name="capacity"),
    # At-risk list (m-atrisk): the list, its export (POST: an audited download), the rules.
    path("at-risk/", views_at_risk.at_risk, name="at-risk"),
    path("at-risk/export/", views_at_risk.at_risk_export, name="at-risk-export"),
    path("at-risk/rules/", views_at_risk.at_risk_rules, name="at-risk-rules"),
    # Overview and national view (m-overview); exports are POSTs: each is an audit event.
    path("overview/", views_overview.overview, name="overview"),
    path(
        "overview/export.csv",
        views_overview.overview_export_csv,
        name="overview-export-csv",
    ),
    path(
        "overview/export.xlsx",
        views_overview.overview_export_xlsx,
        name="overview-export-xlsx",
    ),
    path("national/", views_overview.national, name="national"),
    path(
        "national/export.csv",
        views_overview.national_export_csv,
        name="national-export-csv",
    ),
    path(
        "national/export.xlsx",
        views_overview.national_export_xlsx,
        name="national-export-xlsx",
    ),
]
