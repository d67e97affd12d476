"""REST endpoints of the platform layer and the targets.

* `GET /api/v1/traffic/` and `GET /api/v1/store-ratings/` (VIEW_REPORTS), filtered
  by `date_from`, `date_to`, `channel` (code); `POST` one object or a list of
  objects with the import's columns (VIEW_REPORTS + IMPORT_DATA): the same checks
  as a file import, every problem reported by position (from 1), upsert on the
  natural key, all or nothing.
* `GET /api/v1/targets/` (VIEW_REPORTS) lists monthly targets with their days;
  `POST` (MANAGE_SETTINGS) creates or replaces the month's target for the store
  or one channel.
* `GET /api/v1/reports/daily-summary?from=&to=&channel=` (VIEW_REPORTS): the daily
  summary rows and the period's totals; cost and profit keys only for VIEW_PROFIT.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import SalesChannel
from reports import selectors, services
from reports.filters import StoreRatingFilter, TrafficFilter
from reports.models import DailyTraffic, MonthlyTarget, ReportsError, SplitMethod, StoreRating
from storeops.imports.api import UPSERT_RESPONSES, upsert_records_response
from storeops.roles import Capability, CapabilityPermission, has_capability


class TrafficSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = DailyTraffic
        fields = ["id", "channel", "date", "source", "visitors", "page_views", "updated_at"]


class StoreRatingSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = StoreRating
        fields = ["id", "channel", "date", "description", "service", "logistics", "updated_at"]


class _PlatformRowsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """List the rows; POST upserts rows through the import kind `kind_key`."""

    permission_classes = [CapabilityPermission]
    kind_key: str = ""
    ordering_fields = ["date", "updated_at"]

    @property
    def required_capabilities(self) -> list[Capability]:
        if self.request is not None and self.request.method == "POST":
            return [Capability.VIEW_REPORTS, Capability.IMPORT_DATA]
        return [Capability.VIEW_REPORTS]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return upsert_records_response(self.kind_key, request)


class TrafficViewSet(_PlatformRowsViewSet):
    """Visitors and page views per channel, day and traffic source (blank = all)."""

    serializer_class = TrafficSerializer
    filterset_class = TrafficFilter
    kind_key = "traffic"

    def get_queryset(self):
        return selectors.traffic_rows()

    @extend_schema(responses=UPSERT_RESPONSES)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)


class StoreRatingViewSet(_PlatformRowsViewSet):
    """The store ratings (DSR) per channel and day, 0–5."""

    serializer_class = StoreRatingSerializer
    filterset_class = StoreRatingFilter
    kind_key = "store_ratings"

    def get_queryset(self):
        return selectors.rating_rows()

    @extend_schema(responses=UPSERT_RESPONSES)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)


class MonthlyTargetSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(
        slug_field="code",
        queryset=SalesChannel.objects.all(),
        required=False,
        allow_null=True,
    )
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    weekday_weights = serializers.ListField(
        child=serializers.DecimalField(max_digits=9, decimal_places=4, min_value=0),
        required=False,
        help_text=_("Seven weights, Monday first (weekday split only)."),
    )
    daily_targets = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0),
        required=False,
        write_only=True,
        help_text=_('By hand: {"2026-03-01": "1000.00", ...}; missing days are 0.00.'),
    )
    days = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyTarget
        fields = [
            "id",
            "month",
            "channel",
            "amount",
            "split_method",
            "weekday_weights",
            "daily_targets",
            "days",
            "updated_at",
        ]
        read_only_fields = ["id", "days", "updated_at"]
        # The service replaces a month's target: the (month, channel) pair is no conflict.
        validators: list = []

    def get_days(self, target: MonthlyTarget) -> dict[str, str]:
        # `days` is prefetched (ordered by date) for the list.
        return {row.date.isoformat(): str(row.amount) for row in target.days.all()}

    def validate_daily_targets(self, value: dict[str, Any]) -> dict:
        parsed = {}
        for key, amount in value.items():
            try:
                parsed[serializers.DateField().to_internal_value(key)] = amount
            except serializers.ValidationError:
                raise serializers.ValidationError(
                    _("“%(value)s” is not a date (write it as 2026-03-01).") % {"value": key}
                ) from None
        return parsed

    def create(self, validated_data: dict[str, Any]) -> MonthlyTarget:
        try:
            target, _created = services.save_monthly_target(
                month=validated_data["month"],
                channel=validated_data.get("channel"),
                amount=validated_data.get("amount"),
                split_method=validated_data.get("split_method", SplitMethod.EVEN),
                weekday_weights=validated_data.get("weekday_weights"),
                daily_amounts=validated_data.get("daily_targets"),
                by=self.context["request"].user,
            )
        except ReportsError as error:
            raise serializers.ValidationError(
                {error.field or "non_field_errors": [error.message]}
            ) from None
        return target


class MonthlyTargetViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Monthly paid-sales targets (store-wide when `channel` is null) and their daily split.

    POST replaces the month's target for that channel (or the store) if one exists.
    """

    permission_classes = [CapabilityPermission]
    serializer_class = MonthlyTargetSerializer
    filterset_fields = ["month"]

    @property
    def required_capabilities(self) -> list[Capability]:
        if self.request is not None and self.request.method == "POST":
            return [Capability.MANAGE_SETTINGS]
        return [Capability.VIEW_REPORTS]

    def get_queryset(self):
        return selectors.monthly_targets().prefetch_related("days")


# The daily summary

MONEY_KEYS = (
    "paid_sales",
    "goods_sales",
    "discounts",
    "spend_per_buyer",
    "avg_order_value",
    "uv_value",
    "refunds",
    "refunds_of_paid",
    "net_sales",
    "ad_spend",
    "affiliate_commission",
    "cogs",
    "shipping_cost",
    "platform_fees",
    "other_costs",
    "gross_profit",
    "net_profit",
    "sales_target",
)
COUNT_KEYS = (
    "paid_orders",
    "paying_buyers",
    "items_sold",
    "visitors",
    "page_views",
    "new_buyers",
    "returning_buyers",
    "refunded_orders",
    "shipped_orders",
    "inquiries",
)
RATIO_KEYS = (
    "conversion_rate",
    "refund_rate",
    "refund_order_rate",
    "store_roas",
    "gross_margin",
    "shipped_within_24h_rate",
    "target_attainment",
    "inquiry_conversion",
)
SCORE_KEYS = ("dsr_description", "dsr_service", "dsr_logistics", "first_response_seconds")
# Shown only to VIEW_PROFIT; ad spend only to VIEW_AD_SPEND.
PROFIT_KEYS = frozenset(
    {
        "cogs",
        "gross_profit",
        "gross_margin",
        "net_profit",
        "platform_fees",
        "other_costs",
        "shipping_cost",
    }
)
AD_SPEND_KEYS = frozenset({"ad_spend", "affiliate_commission", "store_roas"})
MAX_SUMMARY_DAYS = 731


def summary_keys(user: Any) -> list[str]:
    """The METRICS.md keys `user` may read, in a stable order."""
    hidden: set[str] = set()
    if not has_capability(user, Capability.VIEW_PROFIT):
        hidden |= PROFIT_KEYS
    if not has_capability(user, Capability.VIEW_AD_SPEND):
        hidden |= AD_SPEND_KEYS
    keys = (*MONEY_KEYS, *COUNT_KEYS, *RATIO_KEYS, *SCORE_KEYS)
    return [key for key in keys if key not in hidden]


def summary_figures(figures: Any, keys: list[str]) -> dict[str, Any]:
    """A row or period as JSON: money and scores as decimal strings, ratios as numbers."""
    body: dict[str, Any] = {}
    for key in keys:
        value = getattr(figures, key)
        if value is None:
            body[key] = None
        elif key in RATIO_KEYS:
            body[key] = float(value)
        elif key in COUNT_KEYS:
            body[key] = int(value)
        else:
            body[key] = str(value)
    body["is_provisional"] = figures.is_provisional
    return body


class DailySummaryQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(help_text=_("First business day (YYYY-MM-DD)."))
    date_to = serializers.DateField(help_text=_("Last business day (YYYY-MM-DD)."))
    channel = serializers.SlugRelatedField(
        slug_field="code",
        queryset=SalesChannel.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("A channel code; omitted: the whole store."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"to": [_("Must not be before “from”.")]})
        if (attrs["date_to"] - attrs["date_from"]).days >= MAX_SUMMARY_DAYS:
            raise serializers.ValidationError(
                {"to": [_("At most %(days)d days at once.") % {"days": MAX_SUMMARY_DAYS}]}
            )
        return attrs


class DailySummaryView(APIView):
    """The daily summary of the store or one channel over a range of business days."""

    permission_classes = [CapabilityPermission]
    required_capabilities = [Capability.VIEW_REPORTS]

    @extend_schema(
        summary="Daily summary",
        description=(
            "One entry per built business day in `days`, and the period in `totals`, keyed "
            "by the METRICS.md keys. Money and store ratings are decimal strings; ratios are "
            "fractions (0.0363 = 3.63 %), null when their denominator is 0; period ratios are "
            "recomputed from summed parts, and `paying_buyers` is distinct over the period. "
            "Cost and profit keys (cogs, shipping_cost, platform_fees, other_costs, "
            "gross_profit, gross_margin, net_profit) appear only with the view-profit "
            "capability; ad_spend, affiliate_commission and store_roas only with view-ad-spend."
        ),
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First day."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last day."),
            OpenApiParameter(
                "channel", OpenApiTypes.STR, required=False, description="Channel code."
            ),
        ],
        responses={
            200: inline_serializer(
                "DailySummaryResponse",
                {
                    "days": serializers.ListField(child=serializers.DictField()),
                    "totals": serializers.DictField(),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        query = DailySummaryQuerySerializer(
            data={
                "date_from": request.query_params.get("from"),
                "date_to": request.query_params.get("to"),
                "channel": request.query_params.get("channel") or None,
            }
        )
        if not query.is_valid():
            renamed = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError(
                {renamed.get(key, key): value for key, value in query.errors.items()}
            )
        rows = list(
            selectors.daily_summaries(
                date_from=query.validated_data["date_from"],
                date_to=query.validated_data["date_to"],
                channel=query.validated_data.get("channel"),
            )
        )
        keys = summary_keys(request.user)
        days = [{"date": row.date.isoformat(), **summary_figures(row, keys)} for row in rows]
        return Response({"days": days, "totals": summary_figures(selectors.totals(rows), keys)})
