"""The suppliers import: one row per supplier, upserted on its code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from catalog.models import CatalogError, Supplier
from catalog.services import suppliers as services
from storeops.imports import parsers
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability


def _max(field: str) -> int:
    return Supplier._meta.get_field(field).max_length


@register
class SupplierImport(ImportKind):
    key = "suppliers"
    label = _("Suppliers")
    description = _("One row per supplier; an existing supplier (same code) is updated.")
    capability = Capability.MANAGE_INVENTORY
    natural_key = ("code",)
    columns = (
        Column(
            "code",
            _("Supplier code"),
            parsers.text(_max("code")),
            aliases=("供应商编码", "供应商代码", "编码", "supplier code"),
            required=True,
        ),
        Column(
            "name",
            _("Supplier name"),
            parsers.text(_max("name")),
            aliases=("供应商名称", "供应商", "名称", "supplier"),
            required=True,
        ),
        Column(
            "contact_name",
            _("Contact"),
            parsers.text(_max("contact_name")),
            aliases=("联系人", "contact name"),
            default="",
        ),
        Column(
            "phone",
            _("Phone"),
            parsers.text(_max("phone")),
            aliases=("电话", "联系电话", "手机"),
            default="",
        ),
        Column("email", _("Email"), parsers.email(), aliases=("邮箱", "电子邮件"), default=""),
        Column(
            "address",
            _("Address"),
            parsers.text(_max("address")),
            aliases=("地址", "联系地址"),
            default="",
        ),
        Column(
            "lead_time_days",
            _("Lead time (days)"),
            parsers.integer(minimum=0, maximum=365),
            aliases=("交货周期(天)", "交货周期", "交期", "lead time"),
            default=7,
        ),
        Column(
            "payment_terms",
            _("Payment terms"),
            parsers.text(_max("payment_terms")),
            aliases=("付款条件", "账期", "结算方式"),
            default="",
        ),
        Column(
            "min_order_amount",
            _("Minimum order amount"),
            parsers.money(minimum=Decimal(0)),
            aliases=("最低起订金额", "起订金额", "起订额"),
            default=Decimal("0.00"),
        ),
        Column(
            "contract_start",
            _("Contract start"),
            parsers.date(),
            aliases=("合同开始日期", "合同开始"),
        ),
        Column(
            "contract_end",
            _("Contract end"),
            parsers.date(),
            aliases=("合同结束日期", "合同结束", "合同到期"),
        ),
        Column(
            "is_active",
            _("Active"),
            parsers.boolean(),
            aliases=("是否启用", "启用", "状态", "active"),
            default=True,
        ),
        Column("notes", _("Notes"), parsers.text(), aliases=("备注",), default=""),
    )

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        start, end = row.get("contract_start"), row.get("contract_end")
        if start and end and end < start:
            raise RowError(
                str(
                    _("The contract ends (%(end)s) before it starts (%(start)s).")
                    % {"end": end, "start": start}
                ),
                column="contract_end",
            )
        return row

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        values = [row.values for row in rows]
        try:
            return [Outcome(o) for o in services.upsert_many(values, by=context.user)]
        except CatalogError as error:
            # e.g. a new contract end before the start already on file
            index = error.details.get("index", 0)
            raise RowError(
                str(error), column=error.details.get("field"), row=rows[index].number
            ) from error
