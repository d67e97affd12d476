"""The stocktake counts import: counted quantities for a stocktake that is counting.

The file is the count sheet the stocktake page exports, filled in: columns
other than stocktake, SKU code and counted (product, options) are ignored, and
a blank count leaves the line as it is. Counts go through
``inventory.stocktake.record_counts``, so a count equal to the one recorded
changes nothing and importing the same file twice reports every row unchanged.
Nothing touches stock until the stocktake is posted from its page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from inventory import stocktake as stocktake_services
from inventory.errors import StockError
from inventory.models import Stocktake, StocktakeLine, StocktakeStatus
from storeops.imports import parsers
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability


@register
class StocktakeCountImport(ImportKind):
    key = "stocktake_counts"
    label = _("Stocktake counts")
    description = _(
        "The count sheet of a stocktake, filled in: one row per SKU with the counted "
        "quantity. Counts are recorded on the stocktake; stock changes only when it is posted."
    )
    capability = Capability.MANAGE_INVENTORY
    natural_key = ("stocktake", "sku_code")
    ignore_unknown_columns = True
    columns = (
        Column(
            "stocktake",
            _("Stocktake"),
            parsers.text(Stocktake._meta.get_field("number").max_length),
            aliases=("盘点单号", "stocktake number"),
            required=True,
        ),
        Column(
            "sku_code",
            _("SKU code"),
            parsers.text(Variant._meta.get_field("sku_code").max_length),
            aliases=("商家编码", "SKU编码", "sku", "sku code"),
            required=True,
        ),
        Column(
            "counted",
            _("Counted"),
            parsers.integer(minimum=0),
            aliases=("实盘数量", "盘点数量", "counted quantity"),
            default=None,
            help_text=_("A whole number of zero or more; blank leaves the line as it is."),
        ),
    )

    def _stocktake(self, number: str, context: ImportContext) -> Stocktake | None:
        cache = context.cache.setdefault("stocktakes", {})
        if number not in cache:
            found = Stocktake.objects.filter(number=number).first()
            skus = (
                set(
                    StocktakeLine.objects.filter(stocktake=found).values_list(
                        "variant__sku_code", flat=True
                    )
                )
                if found
                else set()
            )
            cache[number] = (found, skus)
        return cache[number]

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        found, skus = self._stocktake(row["stocktake"], context)
        if found is None:
            raise RowError(
                str(_("Unknown stocktake: %(number)s.") % {"number": row["stocktake"]}),
                column="stocktake",
            )
        if found.status != StocktakeStatus.OPEN:
            raise RowError(
                str(
                    _("Stocktake %(number)s is %(status)s: it takes no counts.")
                    % {"number": found.number, "status": found.get_status_display()}
                ),
                column="stocktake",
            )
        if row["sku_code"] not in skus:
            raise RowError(
                str(
                    _("%(sku)s is not on stocktake %(number)s.")
                    % {"sku": row["sku_code"], "number": found.number}
                ),
                column="sku_code",
            )
        return row

    def write(self, rows: list[Any], context: ImportContext) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for row in rows:
            values = row.values
            if values.get("counted") is None:
                outcomes.append(Outcome.UNCHANGED)
                continue
            found, _skus = self._stocktake(values["stocktake"], context)
            try:
                changed = stocktake_services.record_counts(
                    stocktake=found, counts={values["sku_code"]: values["counted"]}, by=context.user
                )
            except StockError as error:
                raise RowError(str(error), column="counted", row=row.number) from error
            outcomes.append(Outcome.UPDATED if changed else Outcome.UNCHANGED)
        return outcomes
