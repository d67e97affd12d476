from django.urls import path

from orders.views import console, manual_orders, warehouse

app_name = "orders"
urlpatterns = [
    path("", console.console, name="console"),
    path("search/", console.search, name="console-search"),
    path("orders/new/", manual_orders.new_order, name="console-new-order"),
    path("orders/new/sku/", manual_orders.sku_lookup, name="console-new-order-sku"),
    path("orders/new/total/", manual_orders.order_total, name="console-new-order-total"),
    path("orders/<int:pk>/", console.order_page, name="console-order"),
    path("orders/<int:pk>/<slug:action>/", console.order_action, name="console-order-action"),
    path(
        "orders/<int:pk>/cases/<int:case_pk>/<slug:action>/",
        console.case_action,
        name="console-case-action",
    ),
    path(
        "orders/<int:pk>/refunds/<int:refund_pk>/<slug:decision>/",
        console.refund_decision,
        name="console-refund-decision",
    ),
    path("warehouse/", warehouse.warehouse, name="warehouse"),
    path("warehouse/pick-list/", warehouse.pick_list, name="warehouse-pick-list"),
    path("warehouse/packing-slips/", warehouse.packing_slips, name="warehouse-packing-slips"),
    path("warehouse/ship/", warehouse.ship, name="warehouse-ship"),
]
