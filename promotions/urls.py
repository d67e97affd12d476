from django.urls import path

from promotions import ad_views, campaign_views, live_views, views

app_name = "promotions"

urlpatterns = [
    path("", views.promotion_list, name="promotion-list"),
    path("new/", views.promotion_create, name="promotion-create"),
    path("<int:pk>/edit/", views.promotion_edit, name="promotion-edit"),
    path("preview/", views.quote_preview, name="quote-preview"),
    path("coupons/", views.batch_list, name="batch-list"),
    path("coupons/new/", views.batch_create, name="batch-create"),
    path("coupons/<int:pk>/codes.csv", views.batch_export, name="batch-export"),
    path("campaigns/", campaign_views.campaign_list, name="campaign-list"),
    path("campaigns/new/", campaign_views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", campaign_views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", campaign_views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/skus/", campaign_views.campaign_item_set, name="campaign-item-set"),
    path(
        "campaigns/<int:pk>/skus/<int:item_pk>/remove/",
        campaign_views.campaign_item_remove,
        name="campaign-item-remove",
    ),
    path("campaigns/<int:pk>/tasks/", campaign_views.campaign_task_add, name="campaign-task-add"),
    path(
        "campaigns/<int:pk>/tasks/<int:task_pk>/done/",
        campaign_views.campaign_task_toggle,
        name="campaign-task-toggle",
    ),
    path("ad-spend/", ad_views.ad_spend, name="ad-spend"),
    path("ad-spend/export.csv", ad_views.ad_spend_export, name="ad-spend-export"),
    path("ad-spend/budget/", ad_views.ad_budget_set, name="ad-budget-set"),
    path("ad-spend/affiliate-orders/", ad_views.affiliate_orders, name="affiliate-orders"),
    path(
        "ad-spend/affiliate-orders/export.csv",
        ad_views.affiliate_orders_export,
        name="affiliate-orders-export",
    ),
    path("live/", live_views.live_sessions, name="live-sessions"),
]
