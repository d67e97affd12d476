"""The orders import: a channel's order export, one row per order line.

Order fields (status, buyer, address, amounts, parcel) repeat on every row of
the order and must agree; the amount paid must add up over the order's rows.
Rows of one order need not be next to each other: `write` holds an order's
rows back until all of them (counted while checking) have arrived, so an
order is never split between batches.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Variant
from customers.models import SalesChannel
from orders.addresses import split_region
from orders.errors import OrderError
from orders.models import Carrier, OrderStatus
from orders.models.orders import PAID_STATUSES
from orders.services import bulk_intake
from orders.services import imports as services
from orders.services.intake import LineInput
from storeops import money
from storeops.imports import parsers
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability

S = OrderStatus
STATUS_WORDS: dict[str, OrderStatus] = {
    **{status.value: status for status in OrderStatus},
    **{str(status.label): status for status in OrderStatus},
    "pending payment": S.PENDING_PAYMENT,
    "等待买家付款": S.PENDING_PAYMENT,
    "待付款": S.PENDING_PAYMENT,
    "买家已付款": S.PAID,
    "等待卖家发货": S.PAID,
    "买家已付款，等待卖家发货": S.PAID,
    "买家已付款,等待卖家发货": S.PAID,
    "待发货": S.PAID,
    "已付款": S.PAID,
    "卖家部分发货": S.PARTIALLY_SHIPPED,
    "部分发货": S.PARTIALLY_SHIPPED,
    "卖家已发货": S.SHIPPED,
    "等待买家确认收货": S.SHIPPED,
    "卖家已发货，等待买家确认": S.SHIPPED,
    "卖家已发货,等待买家确认": S.SHIPPED,
    "已发货": S.SHIPPED,
    "买家已签收": S.DELIVERED,
    "已签收": S.DELIVERED,
    "交易成功": S.COMPLETED,
    "已完成": S.COMPLETED,
    "交易关闭": S.CLOSED,
    "交易自动关闭": S.CLOSED,
    "付款以前，卖家或买家主动关闭交易": S.CLOSED,
    "已关闭": S.CLOSED,
    "交易取消": S.CANCELLED,
    "已取消": S.CANCELLED,
}

# Columns that describe the order and so repeat, identical, on each of its rows.
ORDER_FIELDS = (
    "status",
    "placed_at",
    "paid_at",
    "buyer_id",
    "buyer_name",
    "buyer_phone",
    "province",
    "city",
    "address",
    "order_discount",
    "shipping_fee",
    "paid_total",
    "coupon_code",
    "promotion",
    "buyer_note",
    "carrier",
    "tracking_no",
    "shipped_at",
)

_money = parsers.money(minimum=Decimal(0))


def _text(max_length: int | None = None) -> parsers.Parser:
    return parsers.text(max_length)


class _OrderSummary:
    """What checking remembers of one order: its first row, its fields and its sums."""

    __slots__ = ("count", "disagrees", "fields", "first_row", "goods", "line_discounts")

    def __init__(self, first_row: int, fields: tuple) -> None:
        self.first_row = first_row
        self.fields = fields
        self.count = 0
        self.disagrees = False
        self.goods = money.ZERO
        self.line_discounts = money.ZERO


@register
class OrderImport(ImportKind):
    key = "orders"
    label = gettext_lazy("Orders")
    description = gettext_lazy(
        "A channel's order export, one row per order line with the order's fields repeated. "
        "New orders are created; a newer export moves an order's status forward."
    )
    # Orders carry payments and refunds: customer service and managers import them,
    # not the warehouse (which ships from the console) nor marketing.
    capability = Capability.HANDLE_AFTER_SALES
    natural_key = ("channel", "order_no", "sku_code")
    # Each batch costs a dozen statements whatever its size; 2,000 rows keep the
    # statements' parameter lists and the objects held at once reasonable.
    batch_size = 2000
    # New orders are written a batch at a time (orders.services.bulk_intake); False
    # writes them one order at a time, the path the set-based one is checked against.
    set_based = True
    # `clean` reads only look-ups fixed for the file (channels, SKUs, carriers), so
    # the rows checked in the first pass are written as they are (storeops.imports.runner).
    reuses_checked_rows = True
    columns = (
        Column(
            "channel",
            gettext_lazy("Channel"),
            _text(100),
            aliases=("渠道", "销售渠道", "平台", "店铺", "店铺名称"),
            required=True,
        ),
        Column(
            "order_no",
            gettext_lazy("Order number"),
            _text(64),
            aliases=("订单编号", "订单号", "order number"),
            required=True,
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            parsers.choice(STATUS_WORDS),
            aliases=("订单状态", "状态"),
            required=True,
        ),
        Column(
            "placed_at",
            gettext_lazy("Placed at"),
            parsers.datetime(),
            aliases=("订单创建时间", "下单时间", "创建时间"),
            required=True,
        ),
        Column(
            "paid_at",
            gettext_lazy("Paid at"),
            parsers.datetime(),
            aliases=("付款时间", "订单付款时间", "支付时间"),
        ),
        Column(
            "buyer_id",
            gettext_lazy("Buyer"),
            _text(100),
            aliases=("买家会员名", "买家昵称", "买家账号", "买家id"),
            default="",
        ),
        Column(
            "buyer_name",
            gettext_lazy("Recipient"),
            _text(100),
            aliases=("收货人姓名", "收货人", "收件人"),
            default="",
        ),
        Column(
            "buyer_phone",
            gettext_lazy("Phone"),
            _text(32),
            aliases=("联系手机", "联系电话", "手机", "收货人手机"),
            default="",
        ),
        Column("province", gettext_lazy("Province"), _text(50), aliases=("省", "省份"), default=""),
        Column("city", gettext_lazy("City"), _text(50), aliases=("市", "城市"), default=""),
        Column(
            "address",
            gettext_lazy("Address"),
            _text(300),
            aliases=("收货地址", "详细地址", "地址"),
            default="",
        ),
        Column(
            "sku_code",
            gettext_lazy("SKU code"),
            _text(64),
            aliases=("商家编码", "商品编码", "sku编码", "规格编码", "商家编码(sku)"),
            required=True,
        ),
        Column(
            "title",
            gettext_lazy("Title"),
            _text(200),
            aliases=("宝贝标题", "商品标题", "商品名称"),
            default="",
        ),
        Column(
            "quantity",
            gettext_lazy("Quantity"),
            parsers.integer(minimum=1),
            aliases=("购买数量", "数量", "宝贝数量"),
            required=True,
        ),
        Column(
            "unit_price",
            gettext_lazy("Unit price"),
            _money,
            aliases=("价格", "单价", "商品单价"),
            required=True,
        ),
        Column(
            "line_discount",
            gettext_lazy("Line discount"),
            _money,
            aliases=("单品优惠", "商品优惠", "宝贝优惠"),
            default=Decimal("0.00"),
        ),
        Column(
            "order_discount",
            gettext_lazy("Order discount"),
            _money,
            aliases=("店铺优惠", "订单优惠", "店铺优惠金额"),
            default=Decimal("0.00"),
        ),
        Column(
            "shipping_fee",
            gettext_lazy("Shipping fee"),
            _money,
            aliases=("买家应付邮费", "邮费", "运费"),
            default=Decimal("0.00"),
        ),
        Column(
            "paid_total",
            gettext_lazy("Amount paid"),
            _money,
            aliases=("实付金额", "买家实际支付金额", "实付款", "买家实付金额"),
            required=True,
        ),
        Column(
            "coupon_code",
            gettext_lazy("Coupon code"),
            _text(64),
            aliases=("优惠券", "优惠券编码"),
            default="",
        ),
        Column(
            "promotion",
            gettext_lazy("Promotion"),
            _text(200),
            aliases=("优惠活动", "促销活动", "参与活动"),
            default="",
        ),
        Column(
            "buyer_note", gettext_lazy("Buyer note"), _text(), aliases=("买家留言",), default=""
        ),
        Column(
            "carrier",
            gettext_lazy("Carrier"),
            _text(100),
            aliases=("物流公司", "快递公司"),
            default="",
        ),
        Column(
            "tracking_no",
            gettext_lazy("Tracking number"),
            _text(64),
            aliases=("物流单号", "运单号", "快递单号"),
            default="",
        ),
        Column(
            "shipped_at",
            gettext_lazy("Shipped at"),
            parsers.datetime(),
            aliases=("发货时间",),
        ),
    )

    # Look-ups cached for the whole file.

    @staticmethod
    def _channel(text: str, context: ImportContext) -> SalesChannel | None:
        channels = context.cache.get("channels")
        if channels is None:
            channels = {}
            for channel in SalesChannel.objects.all():
                for name in (channel.code, channel.name, channel.name_zh):
                    if name:
                        channels.setdefault(name.casefold(), channel)
            context.cache["channels"] = channels
        return channels.get(text.casefold())

    @staticmethod
    def _variant(sku_code: str, context: ImportContext) -> Variant | None:
        variants = context.cache.setdefault("variants", {})
        if sku_code not in variants:
            variants[sku_code] = (
                Variant.objects.select_related("product").filter(sku_code=sku_code).first()
            )
        return variants[sku_code]

    @staticmethod
    def _carrier(text: str, context: ImportContext) -> Carrier | None:
        carriers = context.cache.get("carriers")
        if carriers is None:
            carriers = {}
            for carrier in Carrier.objects.all():
                carriers.setdefault(carrier.code.casefold(), carrier)
                carriers.setdefault(carrier.name.casefold(), carrier)
            context.cache["carriers"] = carriers
        return carriers.get(text.casefold())

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        channel = self._channel(row["channel"], context)
        if channel is None:
            raise RowError(
                _("Unknown channel “%(channel)s” (give its code or name).")
                % {"channel": row["channel"]},
                column="channel",
            )
        row["channel"] = channel
        variant = self._variant(row["sku_code"], context)
        if variant is None:
            raise RowError(
                _("Unknown SKU code “%(sku)s”.") % {"sku": row["sku_code"]}, column="sku_code"
            )
        row["variant"] = variant
        carrier_text = row.get("carrier") or ""
        row["carrier"] = None
        if carrier_text:
            row["carrier"] = self._carrier(carrier_text, context)
            if row["carrier"] is None:
                raise RowError(
                    _("Unknown carrier “%(carrier)s” (give its code or name).")
                    % {"carrier": carrier_text},
                    column="carrier",
                )
        if not row.get("province") and not row.get("city"):
            # An export with the whole address in one column: its head names the region.
            region = split_region(row.get("address") or "")
            if region is not None:
                row["province"], row["city"] = region
        if row["status"] in PAID_STATUSES and row.get("paid_at") is None:
            raise RowError(
                _("A %(status)s order needs its payment time.")
                % {"status": OrderStatus(row["status"]).label},
                column="paid_at",
            )
        line_value = money.quantize(row["unit_price"] * row["quantity"])
        line_discount = row.get("line_discount") or money.ZERO
        if line_discount > line_value:
            raise RowError(
                _("The line discount %(discount)s is more than the line (%(value)s).")
                % {"discount": line_discount, "value": line_value},
                column="line_discount",
            )
        if not context.cache.get("checked"):
            self._remember(row, line_value, line_discount, context)
        return row

    def _remember(
        self, row: dict[str, Any], line_value: Decimal, line_discount: Decimal, context
    ) -> None:
        orders: dict[tuple, _OrderSummary] = context.cache.setdefault("orders", {})
        key = (row["channel"].pk, row["order_no"])
        fields = tuple([row.get(name) for name in ORDER_FIELDS])
        summary = orders.get(key)
        if summary is None:
            summary = orders[key] = _OrderSummary(context.row_number or 0, fields)
        elif fields != summary.fields:
            # Its sums would be wrong too: report the disagreement only.
            summary.disagrees = True
            differing = [
                name
                for name, mine, theirs in zip(ORDER_FIELDS, fields, summary.fields, strict=True)
                if mine != theirs
            ]
            raise RowError(
                _(
                    "Order %(order_no)s: %(columns)s differ from its first row (row %(row)d); "
                    "every row of an order must repeat the same order fields."
                )
                % {
                    "order_no": row["order_no"],
                    "columns": ", ".join(differing),
                    "row": summary.first_row,
                },
                column=differing[0],
            )
        summary.count += 1
        summary.goods += line_value
        summary.line_discounts += line_discount

    def check_file(self, context: ImportContext) -> list[RowError]:
        context.cache["checked"] = True
        errors = []
        order_discount_at = ORDER_FIELDS.index("order_discount")
        shipping_at = ORDER_FIELDS.index("shipping_fee")
        paid_at = ORDER_FIELDS.index("paid_total")
        for (_channel, order_no), summary in context.cache.get("orders", {}).items():
            if summary.disagrees:
                continue
            order_discount = summary.fields[order_discount_at] or money.ZERO
            shipping = summary.fields[shipping_at] or money.ZERO
            paid = summary.fields[paid_at]
            after_lines = summary.goods - summary.line_discounts
            if order_discount > after_lines:
                errors.append(
                    RowError(
                        _(
                            "Order %(order_no)s: the order discount %(discount)s is more than "
                            "the goods after line discounts (%(goods)s)."
                        )
                        % {"order_no": order_no, "discount": order_discount, "goods": after_lines},
                        column="order_discount",
                        row=summary.first_row,
                    )
                )
                continue
            expected = after_lines - order_discount + shipping
            if paid != expected:
                errors.append(
                    RowError(
                        _(
                            "Order %(order_no)s: the amount paid %(paid)s does not add up: goods "
                            "%(goods)s − line discounts %(line)s − order discount %(order)s + "
                            "shipping %(shipping)s = %(expected)s."
                        )
                        % {
                            "order_no": order_no,
                            "paid": paid,
                            "goods": summary.goods,
                            "line": summary.line_discounts,
                            "order": order_discount,
                            "shipping": shipping,
                            "expected": expected,
                        },
                        column="paid_total",
                        row=summary.first_row,
                    )
                )
        return errors

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        orders: dict[tuple, _OrderSummary] = context.cache["orders"]
        pending: dict[tuple, list] = context.cache.setdefault("pending", {})
        complete: list[list] = []
        for parsed in rows:
            key = (parsed.values["channel"].pk, parsed.values["order_no"])
            group = pending.setdefault(key, [])
            group.append(parsed)
            if len(group) == orders[key].count:
                complete.append(pending.pop(key))
        if not self.set_based:
            return _write_order_by_order(complete, context)
        # Orders stored with this status or a later one are unchanged: found with one
        # query, so importing the same export again reads and writes nothing else.
        statuses = _stored_statuses(complete)
        moving = [group for group in complete if _moves(group, statuses)]
        outcomes: dict[int, str] = {}
        if moving:
            try:
                written = bulk_intake.import_orders(
                    orders=[_imported_order(group) for group in moving],
                    by=context.user,
                    source=context.source_name,
                )
            except bulk_intake.BatchOrderError as error:
                raise RowError(str(error), row=moving[error.position][0].number) from error
            outcomes = {id(group): outcome for group, outcome in zip(moving, written, strict=True)}
        return [
            Outcome(outcomes.get(id(group), Outcome.UNCHANGED))
            for group in complete
            for _row in group
        ]


def _moves(group: list, statuses: dict[tuple, str]) -> bool:
    """Whether the order of ``group`` is new or its status moves forward."""
    first = group[0].values
    stored = statuses.get((first["channel"].pk, first["order_no"]))
    return stored is None or services.is_forward(stored, first["status"])


def _write_order_by_order(complete: list[list], context: ImportContext) -> list[Outcome]:
    """The per-order path (one transaction per order), kept to check the set-based one."""
    statuses = _stored_statuses(complete)
    outcomes: list[Outcome] = []
    for group in complete:
        if not _moves(group, statuses):
            outcomes.extend([Outcome.UNCHANGED] * len(group))
            continue
        try:
            _order, outcome = services.import_order(
                data=_imported_order(group), by=context.user, source=context.source_name
            )
        except OrderError as error:
            raise RowError(str(error), row=group[0].number) from error
        outcomes.extend([Outcome(outcome)] * len(group))
    return outcomes


def _stored_statuses(groups: list[list]) -> dict[tuple, str]:
    """Status of the orders already stored, by (channel id, order number): one query."""
    return bulk_intake.stored_statuses(
        keys=[(group[0].values["channel"].pk, group[0].values["order_no"]) for group in groups]
    )


def _imported_order(group: list) -> services.ImportedOrder:
    first = group[0].values
    return services.ImportedOrder(
        channel=first["channel"],
        order_no=first["order_no"],
        status=OrderStatus(first["status"]),
        placed_at=first["placed_at"],
        paid_at=first.get("paid_at"),
        lines=[
            LineInput(
                variant=row.values["variant"],
                quantity=row.values["quantity"],
                unit_price=row.values["unit_price"],
                line_discount=row.values.get("line_discount") or money.ZERO,
                title=row.values.get("title") or "",
            )
            for row in group
        ],
        paid_total=first["paid_total"],
        order_discount_total=first.get("order_discount") or money.ZERO,
        shipping_fee=first.get("shipping_fee") or money.ZERO,
        buyer_nickname=first.get("buyer_id") or "",
        recipient_name=first.get("buyer_name") or "",
        phone=first.get("buyer_phone") or "",
        province=first.get("province") or "",
        city=first.get("city") or "",
        address=first.get("address") or "",
        buyer_note=first.get("buyer_note") or "",
        coupon_code=first.get("coupon_code") or "",
        promotion_text=first.get("promotion") or "",
        carrier=first.get("carrier"),
        tracking_number=first.get("tracking_no") or "",
        shipped_at=first.get("shipped_at"),
    )
