"""The stock counts import: the counted quantity of a SKU in a warehouse.

Each row sets on hand to the counted quantity through the stock services, so
the ledger explains every change: a SKU never stocked in that warehouse gets
an opening balance, one already stocked a stocktake adjustment of the
difference. A row whose count equals what is on hand writes nothing (no
zero-change "proof" row), so importing the same file twice changes nothing
and reports every row unchanged. A blank warehouse means the default one.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from inventory import services
from inventory.errors import StockError
from inventory.models import StockLevel, StockMovement, Warehouse
from storeops.imports import parsers
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability

DOCUMENT_TYPE = "stock_count_import"


@register
class StockCountImport(ImportKind):
    key = "stock_levels"
    label = _("Stock counts")
    description = _(
        "One row per SKU and warehouse with the counted quantity; on hand is set to it "
        "and the difference is posted to the stock ledger."
    )
    capability = Capability.MANAGE_INVENTORY
    natural_key = ("sku_code", "warehouse")
    columns = (
        Column(
            "sku_code",
            _("SKU code"),
            parsers.text(Variant._meta.get_field("sku_code").max_length),
            aliases=("商家编码", "SKU编码", "sku", "sku code"),
            required=True,
        ),
        Column(
            "warehouse",
            _("Warehouse"),
            parsers.text(Warehouse._meta.get_field("code").max_length),
            aliases=("仓库", "仓库编码"),
            default="",
            help_text=_("Warehouse code; blank for the default warehouse."),
        ),
        Column(
            "quantity",
            _("Counted quantity"),
            parsers.integer(minimum=0),
            aliases=("数量", "盘点数量", "库存", "counted"),
            required=True,
        ),
        Column(
            "reason",
            _("Reason"),
            parsers.text(StockMovement._meta.get_field("reason").max_length),
            aliases=("原因", "备注"),
            default="",
        ),
    )

    def _lookup(self, context: ImportContext) -> dict[str, Any]:
        # Read once per import (SKU codes and warehouses are small tables next to
        # the ledger), so that every unknown code is reported while checking.
        if "skus" not in context.cache:
            context.cache["skus"] = dict(Variant.objects.values_list("sku_code", "pk"))
            warehouses = {warehouse.code: warehouse for warehouse in Warehouse.objects.all()}
            context.cache["warehouses"] = warehouses
            context.cache["default"] = next(
                (warehouse for warehouse in warehouses.values() if warehouse.is_default), None
            )
        return context.cache

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        cache = self._lookup(context)
        if row["sku_code"] not in cache["skus"]:
            raise RowError(
                str(_("Unknown SKU code: %(sku)s.") % {"sku": row["sku_code"]}),
                column="sku_code",
            )
        code = row.get("warehouse") or ""
        if code:
            if code not in cache["warehouses"]:
                raise RowError(
                    str(_("Unknown warehouse: %(warehouse)s.") % {"warehouse": code}),
                    column="warehouse",
                )
        elif cache["default"] is None:
            raise RowError(
                str(_("No default warehouse is set up: name the warehouse.")),
                column="warehouse",
            )
        else:
            # Two rows for the same SKU, one naming the default warehouse and one
            # blank, are the same count: the natural key must say so.
            row["warehouse"] = cache["default"].code
        return row

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        cache = self._lookup(context)
        warehouses = cache["warehouses"]
        variant_ids = {cache["skus"][row.values["sku_code"]] for row in rows}
        levels = {
            (variant_id, warehouse_id): on_hand
            for variant_id, warehouse_id, on_hand in StockLevel.objects.filter(
                variant_id__in=variant_ids
            ).values_list("variant_id", "warehouse_id", "on_hand")
        }
        variants = Variant.objects.in_bulk(variant_ids)
        outcomes: list[Outcome] = []
        for row in rows:
            values = row.values
            variant = variants[cache["skus"][values["sku_code"]]]
            warehouse = warehouses[values["warehouse"]]
            counted = values["quantity"]
            current = levels.get((variant.pk, warehouse.pk))
            reason = values.get("reason") or gettext("Stock count import")
            if current == counted or (current is None and counted == 0):
                outcomes.append(Outcome.UNCHANGED)
                continue
            common = {
                "variant": variant,
                "warehouse": warehouse,
                "by": context.user,
                "reason": reason,
                "document_type": DOCUMENT_TYPE,
                "document_id": getattr(context, "source_name", "")[:64],
            }
            try:
                if current is None:
                    services.record_opening_balance(quantity=counted, **common)
                    outcomes.append(Outcome.CREATED)
                else:
                    services.adjust_to_count(counted=counted, **common)
                    outcomes.append(Outcome.UPDATED)
            except StockError as error:
                raise RowError(str(error), column="quantity", row=row.number) from error
        return outcomes


# The stocktake counts import lives in its own module; importing it registers it.
from inventory import importers_stocktake  # noqa: E402, F401
