"""The refunds import: a channel's refund (after-sales) export, one row per refund number.

Each refund number becomes an after-sales case on its order (upserted on
channel + refund number); only a refund the channel reports as refunded
moves money, through the refund services, so the total refunded never
exceeds what was paid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.errors import OrderError
from orders.importers.orders import OrderImport
from orders.models import CaseState, CaseType, Order
from orders.services import imports as services
from storeops.imports import parsers
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability

TYPE_WORDS: dict[str, CaseType] = {
    **{kind.value: kind for kind in CaseType},
    **{str(kind.label): kind for kind in CaseType},
    "仅退款": CaseType.REFUND_ONLY,
    "退款": CaseType.REFUND_ONLY,
    "退货退款": CaseType.RETURN_REFUND,
    "换货": CaseType.EXCHANGE,
    "补发": CaseType.REISSUE,
    "补寄": CaseType.REISSUE,
}

STATE_WORDS: dict[str, CaseState] = {
    **{state.value: state for state in CaseState},
    **{str(state.label): state for state in CaseState},
    "等待卖家同意": CaseState.REQUESTED,
    "买家已经申请退款，等待卖家同意": CaseState.REQUESTED,
    "退款申请中": CaseState.REQUESTED,
    "卖家已同意": CaseState.APPROVED,
    "卖家同意退款": CaseState.APPROVED,
    "卖家拒绝退款": CaseState.REJECTED,
    "卖家已拒绝": CaseState.REJECTED,
    "等待买家退货": CaseState.AWAITING_RETURN,
    "卖家已经同意退款，等待买家退货": CaseState.AWAITING_RETURN,
    "等待卖家确认收货": CaseState.RECEIVED,
    "买家已经退货，等待卖家确认收货": CaseState.RECEIVED,
    "退款成功": CaseState.REFUNDED,
    "已退款": CaseState.REFUNDED,
    "换货成功": CaseState.EXCHANGED,
    "已补发": CaseState.REISSUED,
    "退款关闭": CaseState.CLOSED,
    "售后关闭": CaseState.CLOSED,
}


@register
class RefundImport(ImportKind):
    key = "refunds"
    label = gettext_lazy("Refunds")
    description = gettext_lazy(
        "A channel's refund export, one row per refund number; only refunds the channel "
        "reports as refunded move money."
    )
    capability = Capability.HANDLE_AFTER_SALES
    natural_key = ("channel", "refund_no")
    batch_size = 200
    columns = (
        Column(
            "channel",
            gettext_lazy("Channel"),
            parsers.text(100),
            aliases=("渠道", "销售渠道", "平台", "店铺", "店铺名称"),
            required=True,
        ),
        Column(
            "order_no",
            gettext_lazy("Order number"),
            parsers.text(64),
            aliases=("订单编号", "订单号", "order number"),
            required=True,
        ),
        Column(
            "refund_no",
            gettext_lazy("Refund number"),
            parsers.text(64),
            aliases=("退款编号", "退款单号", "售后单号", "refund number"),
            required=True,
        ),
        Column(
            "sku_code",
            gettext_lazy("SKU code"),
            parsers.text(64),
            aliases=("商家编码", "商品编码", "sku编码"),
            default="",
        ),
        Column(
            "type",
            gettext_lazy("Type"),
            parsers.choice(TYPE_WORDS),
            aliases=("退款类型", "售后类型"),
            default=CaseType.REFUND_ONLY,
        ),
        Column(
            "reason",
            gettext_lazy("Reason"),
            parsers.text(200),
            aliases=("退款原因", "售后原因"),
            default="",
        ),
        Column(
            "amount",
            gettext_lazy("Amount"),
            parsers.money(minimum=Decimal(0)),
            aliases=("退款金额", "买家退款金额"),
            required=True,
        ),
        Column(
            "requested_at",
            gettext_lazy("Requested at"),
            parsers.datetime(),
            aliases=("申请时间", "退款申请时间"),
            required=True,
        ),
        Column(
            "refunded_at",
            gettext_lazy("Refunded at"),
            parsers.datetime(),
            aliases=("退款完成时间", "完成时间"),
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            parsers.choice(STATE_WORDS),
            aliases=("退款状态", "售后状态"),
            required=True,
        ),
    )

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        channel = OrderImport._channel(row["channel"], context)
        if channel is None:
            raise RowError(
                _("Unknown channel “%(channel)s” (give its code or name).")
                % {"channel": row["channel"]},
                column="channel",
            )
        row["channel"] = channel
        orders = context.cache.setdefault("orders", {})
        key = (channel.pk, row["order_no"])
        if key not in orders:
            orders[key] = Order.objects.filter(channel=channel, order_no=row["order_no"]).first()
        order = orders[key]
        if order is None:
            raise RowError(
                _("No order %(order_no)s on %(channel)s: import the order first.")
                % {"order_no": row["order_no"], "channel": channel},
                column="order_no",
            )
        row["order"] = order
        row["line"] = None
        if row.get("sku_code"):
            row["line"] = order.lines.filter(sku_code=row["sku_code"]).first()
            if row["line"] is None:
                raise RowError(
                    _("Order %(order_no)s has no line with SKU code “%(sku)s”.")
                    % {"order_no": order.order_no, "sku": row["sku_code"]},
                    column="sku_code",
                )
        if row["status"] == CaseState.REFUNDED and row["amount"] <= 0:
            raise RowError(_("A refunded refund needs an amount above zero."), column="amount")
        if row["status"] == CaseState.REFUNDED and row["type"] not in (
            CaseType.REFUND_ONLY,
            CaseType.RETURN_REFUND,
        ):
            raise RowError(
                _("An exchange or reissue is not refunded; its status cannot be “refunded”."),
                column="status",
            )
        return row

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        outcomes = []
        for parsed in rows:
            values = parsed.values
            try:
                order = Order.objects.get(pk=values["order"].pk)
                line = values["line"]
                if line is not None:
                    line = order.lines.get(pk=line.pk)
                _case, outcome = services.import_refund(
                    data=services.ImportedRefund(
                        order=order,
                        refund_no=values["refund_no"],
                        kind=CaseType(values["type"]),
                        state=CaseState(values["status"]),
                        amount=values["amount"],
                        requested_at=values["requested_at"],
                        refunded_at=values.get("refunded_at"),
                        reason=values.get("reason") or "",
                        line=line,
                    ),
                    by=context.user,
                    source=context.source_name,
                )
            except OrderError as error:
                raise RowError(str(error), row=parsed.number) from error
            outcomes.append(Outcome(outcome))
        return outcomes
