from django.urls import include, path
from rest_framework.routers import DefaultRouter

from catalog.api.categories import CategoryViewSet
from catalog.api.products import ProductViewSet, VariantViewSet
from catalog.api.suppliers import SupplierViewSet
from inventory.api import StockLevelViewSet, StockMovementViewSet
from inventory.api_purchasing import PurchaseOrderViewSet
from orders.api import AfterSalesViewSet, OrderViewSet
from promotions.ad_api import AdSpendViewSet
from promotions.api import QuoteView
from promotions.live_api import LiveSessionViewSet
from reports.api import (
    DailySummaryView,
    MonthlyTargetViewSet,
    StoreRatingViewSet,
    TrafficViewSet,
)
from storeops.api.auth import MeView, TokenView
from storeops.imports.api import ImportJobViewSet

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register("variants", VariantViewSet, basename="variant")
router.register("categories", CategoryViewSet, basename="category")
router.register("suppliers", SupplierViewSet, basename="supplier")
router.register("stock-levels", StockLevelViewSet, basename="stock-level")
router.register("stock-movements", StockMovementViewSet, basename="stock-movement")
router.register("purchase-orders", PurchaseOrderViewSet, basename="purchase-order")
router.register("orders", OrderViewSet, basename="order")
router.register("after-sales", AfterSalesViewSet, basename="after-sales")
router.register("imports", ImportJobViewSet, basename="import")
router.register("traffic", TrafficViewSet, basename="traffic")
router.register("store-ratings", StoreRatingViewSet, basename="store-rating")
router.register("targets", MonthlyTargetViewSet, basename="target")
router.register("ad-spend", AdSpendViewSet, basename="ad-spend")
router.register("live-sessions", LiveSessionViewSet, basename="live-session")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("pricing/quote", QuoteView.as_view(), name="pricing-quote"),
    path("reports/daily-summary", DailySummaryView.as_view(), name="daily-summary"),
    path("", include(router.urls)),
]
