"""Named reads of products, SKUs and their price history.

Stock figures come through the reverse relations that inventory declares on
``Variant`` (``stock_levels``), by name, so the catalog never imports the
inventory app that sits above it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from catalog.models import (
    Category,
    PriceKind,
    Product,
    Tag,
    Variant,
    VariantPriceChange,
    new_arrival_since,
)
from catalog.selectors.categories import descendant_ids
from storeops import business_day
from storeops.compiled import CompiledQuery
from storeops.money import DECIMAL_PLACES, MAX_DIGITS


class StockState:
    """Values of the product list's "stock" filter, summed over a product's active SKUs.

    Out: nothing available. Low: some available, but no more than the sum of
    the SKUs' reorder points. In stock: more than that.
    """

    IN_STOCK = "in"
    LOW = "low"
    OUT = "out"
    CHOICES = [(IN_STOCK, _("In stock")), (LOW, _("Low stock")), (OUT, _("Out of stock"))]


_MONEY = DecimalField(max_digits=MAX_DIGITS + 6, decimal_places=DECIMAL_PLACES)
_PERCENT = DecimalField(max_digits=12, decimal_places=4)


def _active_variant_total(expression: F | ExpressionWrapper, *, output_field) -> Subquery:
    """SUM(expression) over a product's active SKUs, as a correlated subquery.

    A subquery rather than a join keeps one row per product (no GROUP BY on
    the list query) and keeps SKU and stock-level sums from multiplying.
    """
    return Subquery(
        Variant.objects.filter(product=OuterRef("pk"), is_active=True)
        .order_by()
        .values("product")
        .annotate(total=Sum(expression, output_field=output_field))
        .values("total")[:1],
        output_field=output_field,
    )


def with_stock(products: QuerySet[Product]) -> QuerySet[Product]:
    """Adds ``available_quantity`` and ``reorder_total`` over the active SKUs."""
    available = ExpressionWrapper(
        F("stock_levels__on_hand") - F("stock_levels__reserved"), output_field=IntegerField()
    )
    return products.annotate(
        available_quantity=Coalesce(
            _active_variant_total(available, output_field=IntegerField()), 0
        ),
        reorder_total=Coalesce(
            _active_variant_total(F("reorder_point"), output_field=IntegerField()), 0
        ),
    )


def _with_prices(products: QuerySet[Product], *, with_costs: bool) -> QuerySet[Product]:
    variants = Variant.objects.filter(product=OuterRef("pk"), is_active=True).order_by()
    products = products.annotate(
        variant_count=Coalesce(
            Subquery(
                Variant.objects.filter(product=OuterRef("pk"))
                .order_by()
                .values("product")
                .annotate(number=Count("pk"))
                .values("number")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
        price_min=Subquery(variants.order_by("price").values("price")[:1], output_field=_MONEY),
        price_max=Subquery(variants.order_by("-price").values("price")[:1], output_field=_MONEY),
    )
    if with_costs:
        price_total = _active_variant_total(F("price"), output_field=_MONEY)
        cost_total = _active_variant_total(F("cost_price"), output_field=_MONEY)
        products = products.annotate(
            cost_min=Subquery(
                variants.order_by("cost_price").values("cost_price")[:1], output_field=_MONEY
            ),
            cost_max=Subquery(
                variants.order_by("-cost_price").values("cost_price")[:1], output_field=_MONEY
            ),
            # Margin of the average active SKU: (Σ price − Σ cost) / Σ price.
            margin_percent=ExpressionWrapper(
                (price_total - cost_total) * Value(Decimal(100)) / NullIf(price_total, Value(0)),
                output_field=_PERCENT,
            ),
        )
    return products


def products(*, with_costs: bool = False) -> QuerySet[Product]:
    """Products for the list page and the API, with category, tags, price range,
    SKU count and stock; cost range and margin only ``with_costs``."""
    rows = Product.objects.select_related("category").prefetch_related("tags")
    rows = with_stock(_with_prices(rows, with_costs=with_costs))
    return rows.order_by("code")


def filter_products(
    rows: QuerySet[Product],
    *,
    search: str = "",
    category: Category | int | None = None,
    status: str = "",
    season: str = "",
    tag: Tag | None = None,
    is_new_arrival: bool | None = None,
    stock_state: str = "",
) -> QuerySet[Product]:
    """Narrow products by the list filters.

    ``search`` matches part of the title or product code, part of a SKU
    code, or a whole barcode. ``category`` includes its sub-categories.
    ``stock_state`` needs :func:`with_stock` applied (``products()`` does).
    """
    search = search.strip()
    if search:
        rows = rows.filter(
            Q(title__icontains=search)
            | Q(code__icontains=search)
            | Exists(
                Variant.objects.filter(product=OuterRef("pk")).filter(
                    Q(sku_code__icontains=search) | Q(barcode=search)
                )
            )
        )
    if category is not None:
        rows = rows.filter(category_id__in=descendant_ids(category))
    if status:
        rows = rows.filter(status=status)
    if season:
        rows = rows.filter(season=season)
    if tag is not None:
        rows = rows.filter(tags=tag)
    if is_new_arrival is not None:
        today = business_day.today()
        new = Q(launch_date__gte=new_arrival_since(today), launch_date__lte=today)
        rows = rows.filter(new if is_new_arrival else ~new | Q(launch_date__isnull=True))
    if stock_state == StockState.OUT:
        rows = rows.filter(available_quantity__lte=0)
    elif stock_state == StockState.LOW:
        rows = rows.filter(available_quantity__gt=0, available_quantity__lte=F("reorder_total"))
    elif stock_state == StockState.IN_STOCK:
        rows = rows.filter(available_quantity__gt=F("reorder_total"))
    return rows


def product_detail(pk: int) -> Product:
    """One product with what its page shows; ``Product.DoesNotExist`` if missing."""
    return (
        Product.objects.select_related("category", "status_changed_by")
        .prefetch_related("tags")
        .get(pk=pk)
    )


def variants_for_product(product: Product, *, with_costs: bool = False) -> QuerySet[Variant]:
    """A product's SKUs with available stock (all warehouses); margin only ``with_costs``."""
    rows = (
        Variant.objects.filter(product=product)
        .select_related("supplier")
        .annotate(
            available_quantity=Coalesce(
                Sum(
                    F("stock_levels__on_hand") - F("stock_levels__reserved"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
    )
    if with_costs:
        rows = rows.annotate(
            margin_percent=ExpressionWrapper(
                (F("price") - F("cost_price")) * Value(Decimal(100)) / NullIf(F("price"), Value(0)),
                output_field=_PERCENT,
            )
        )
    return rows.order_by("sku_code")


def variants(*, product: Product | None = None) -> QuerySet[Variant]:
    """SKUs for the API, with their product and supplier."""
    rows = Variant.objects.select_related("product", "supplier")
    if product is not None:
        rows = rows.filter(product=product)
    return rows.order_by("sku_code")


def _variants_with_codes(codes: list[str]) -> QuerySet[Variant]:
    return Variant.objects.filter(sku_code__in=codes).select_related("product")


# Every order create reads its SKUs: compiled once per number of codes.
_VARIANTS_WITH_CODES = CompiledQuery(_variants_with_codes)


def variants_by_sku(codes: Iterable[str]) -> dict[str, Variant]:
    """The SKUs with these codes, each with its product, by SKU code; unknown codes left out."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    return {variant.sku_code: variant for variant in _VARIANTS_WITH_CODES.instances(codes=codes)}


def variants_of_products(products: Iterable[Product]) -> list[Variant]:
    """Every SKU of the given products (active or not), by product code then SKU code."""
    return list(
        Variant.objects.filter(product__in=[product.pk for product in products])
        .select_related("product")
        .order_by("product__code", "sku_code")
    )


def price_history(variant: Variant, *, with_costs: bool = False) -> QuerySet[VariantPriceChange]:
    """A SKU's price (and, ``with_costs``, cost) changes, newest first."""
    rows = VariantPriceChange.objects.filter(variant=variant).select_related("changed_by")
    if not with_costs:
        rows = rows.filter(kind=PriceKind.PRICE)
    return rows.order_by("-effective_at", "-pk")


def costs_at(
    moments: Iterable[tuple[Variant | int, dt.datetime]],
) -> dict[tuple[int, dt.datetime], Decimal]:
    """The cost price in force for each (variant, moment), in two queries.

    The cost in force is the newest cost change effective at or before the
    moment. Before the first recorded change it is that change's old amount
    (or, for the SKU's very first cost, that cost); a SKU with no cost
    history has its current cost. Keys use variant ids.
    For the orders app: the cost of goods of an order line is
    ``costs_at([(line.variant_id, order.placed_at)])``.
    """
    pairs = [
        (variant if isinstance(variant, int) else variant.pk, moment) for variant, moment in moments
    ]
    ids = {variant_id for variant_id, _moment in pairs}
    current = dict(Variant.objects.filter(pk__in=ids).values_list("pk", "cost_price"))
    history: dict[int, tuple[list[dt.datetime], list[tuple[Decimal | None, Decimal]]]] = {}
    for variant_id, effective_at, old_amount, new_amount in (
        VariantPriceChange.objects.filter(variant_id__in=ids, kind=PriceKind.COST)
        .order_by("variant_id", "effective_at", "pk")
        .values_list("variant_id", "effective_at", "old_amount", "new_amount")
    ):
        times, amounts = history.setdefault(variant_id, ([], []))
        times.append(effective_at)
        amounts.append((old_amount, new_amount))
    result: dict[tuple[int, dt.datetime], Decimal] = {}
    for variant_id, moment in pairs:
        if variant_id not in current:
            raise Variant.DoesNotExist(f"no variant with id {variant_id}")
        times, amounts = history.get(variant_id, ([], []))
        index = bisect_right(times, moment)
        if index:
            result[(variant_id, moment)] = amounts[index - 1][1]
        elif amounts:
            first_old, first_new = amounts[0]
            result[(variant_id, moment)] = first_old if first_old is not None else first_new
        else:
            result[(variant_id, moment)] = current[variant_id]
    return result


def cost_at(variant: Variant | int, moment: dt.datetime) -> Decimal:
    """The cost price of one SKU in force at ``moment``; see :func:`costs_at`."""
    variant_id = variant if isinstance(variant, int) else variant.pk
    return costs_at([(variant_id, moment)])[(variant_id, moment)]
