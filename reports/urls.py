from django.urls import path

from reports import promotion_views, views, workbook_views

app_name = "reports"
urlpatterns = [
    path("settings/", views.settings_home, name="settings"),
    path("settings/targets/", views.target_list, name="targets"),
    path("settings/targets/<int:pk>/", views.target_detail, name="target-detail"),
    path("settings/fee-rates/", views.fee_rate_list, name="fee-rates"),
    path("settings/packaging/", views.packaging_cost_list, name="packaging"),
    path("settings/expenses/", views.expense_list, name="expenses"),
    path("settings/traffic/", views.traffic_list, name="traffic"),
    path("settings/ratings/", views.rating_list, name="ratings"),
    path(
        "promotions/",
        promotion_views.promotion_performance_page,
        name="promotion-performance",
    ),
    path("workbook/", workbook_views.workbook_start, name="workbook-start"),
    path("workbook/<slug:job_id>/", workbook_views.workbook_detail, name="workbook-detail"),
    path(
        "workbook/<slug:job_id>/progress/",
        workbook_views.workbook_progress,
        name="workbook-progress",
    ),
    path(
        "workbook/<slug:job_id>/download/",
        workbook_views.workbook_download,
        name="workbook-download",
    ),
]
