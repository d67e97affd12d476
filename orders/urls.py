from django.urls import path

from orders.views import console, manual_orders, rate_cards, warehouse

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
    path("warehouse/rate-cards/", rate_cards.rate_cards, name="rate-cards"),
    path("warehouse/rate-cards/new/", rate_cards.new_rate_card, name="rate-card-new"),
    path("warehouse/rate-cards/cost/", rate_cards.calculator, name="rate-card-calculator"),
    path("warehouse/rate-cards/<int:pk>/", rate_cards.edit_rate_card, name="rate-card-edit"),
    path(
        "warehouse/rate-cards/<int:pk>/delete/",
        rate_cards.delete_rate_card_view,
        name="rate-card-delete",
    ),
]
