from django.urls import path

from inventory import views

app_name = "inventory"
urlpatterns = [
    path("", views.stock_list, name="stock-list"),
    path("sku/<str:sku_code>/", views.sku_detail, name="sku-detail"),
    path("slow-movers/", views.slow_movers, name="slow-movers"),
    path("purchase-orders/", views.purchase_order_list, name="purchase-order-list"),
    path("purchase-orders/new/", views.purchase_order_create, name="purchase-order-create"),
    path("purchase-orders/<int:pk>/", views.purchase_order_detail, name="purchase-order-detail"),
    path("purchase-orders/<int:pk>/edit/", views.purchase_order_edit, name="purchase-order-edit"),
    path(
        "purchase-orders/<int:pk>/place/", views.purchase_order_place, name="purchase-order-place"
    ),
    path(
        "purchase-orders/<int:pk>/receive/",
        views.purchase_order_receive,
        name="purchase-order-receive",
    ),
    path(
        "purchase-orders/<int:pk>/cancel/",
        views.purchase_order_cancel,
        name="purchase-order-cancel",
    ),
    path("reorder/", views.reorder_suggestions, name="reorder"),
    path("reorder/draft/", views.reorder_create_draft, name="reorder-create-draft"),
    path("stocktakes/", views.stocktake_list, name="stocktake-list"),
    path("stocktakes/new/", views.stocktake_create, name="stocktake-create"),
    path("stocktakes/<int:pk>/", views.stocktake_detail, name="stocktake-detail"),
    path("stocktakes/<int:pk>/count/", views.stocktake_count, name="stocktake-count"),
    path("stocktakes/<int:pk>/sheet/", views.stocktake_sheet, name="stocktake-sheet"),
    path("stocktakes/<int:pk>/finish/", views.stocktake_finish, name="stocktake-finish"),
    path("stocktakes/<int:pk>/reopen/", views.stocktake_reopen, name="stocktake-reopen"),
    path("stocktakes/<int:pk>/post/", views.stocktake_post, name="stocktake-post"),
    path("stocktakes/<int:pk>/cancel/", views.stocktake_cancel, name="stocktake-cancel"),
]
