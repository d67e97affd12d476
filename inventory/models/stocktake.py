"""Stocktakes (盘点): a blind count of a warehouse, or of part of it, posted to the ledger.

A stocktake snapshots on hand for every SKU in scope when it is opened. The
counter then records what is on the shelf, without seeing what is expected;
each count is stamped with when it was recorded (``counted_at``). After
counting, the review shows expected, counted and the variance, and posting
books one stocktake adjustment per counted SKU through ``inventory.services``.

**Movements during the count.** Shipments, receipts and the like go on while
a count is open. The rule: a count is the truth *at the moment it was
recorded*, so

* expected (for a line) = on hand at that moment = on hand now − the net
  ``on_hand_change`` of every ledger movement of that SKU in that warehouse
  created after ``counted_at``, stocktake adjustments excluded;
* variance = counted − expected;
* posting sets on hand to counted + those later movements (that is, it posts
  exactly the variance), under a row lock on the level.

So two units shipped after opening but before the shelf was counted are
already in "expected" and give no false −2; two units shipped after the count
are carried on top of the count. Stocktake adjustments are left out of "later
movements": a stocktake's count replaces, rather than adds to, an earlier
count. ``on_hand_at_open`` is kept for the record only. Uncounted lines are
not adjusted.

Rows here are written only by ``inventory.stocktake``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StocktakeStatus(models.TextChoices):
    OPEN = "open", _("Counting")
    REVIEW = "review", _("Counted, in review")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (StocktakeStatus.OPEN, StocktakeStatus.REVIEW)


class Stocktake(models.Model):
    """One count of one warehouse: all SKUs, or those of a category and/or SKU code prefix."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="stocktakes",
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Only SKUs of this category and its subcategories."),
    )
    sku_prefix = models.CharField(
        _("SKU code prefix"),
        max_length=64,
        blank=True,
        help_text=_("Only SKUs whose code starts with this."),
    )
    scope_description = models.CharField(_("scope"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=StocktakeStatus.choices,
        default=StocktakeStatus.OPEN,
        db_index=True,
    )
    note = models.TextField(_("note"), blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("counting finished at"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counting finished by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    post_reason = models.CharField(_("reason"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        constraints = [
            # Two counts of the same warehouse at once would each "correct" the
            # other's adjustments; one active stocktake per warehouse.
            models.UniqueConstraint(
                fields=["warehouse"],
                condition=Q(status__in=["open", "review"]),
                name="stocktake_one_active_per_warehouse",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_counting(self) -> bool:
        return self.status == StocktakeStatus.OPEN

    @property
    def is_in_review(self) -> bool:
        return self.status == StocktakeStatus.REVIEW

    @property
    def can_be_cancelled(self) -> bool:
        return self.status in ACTIVE_STATUSES


class StocktakeLine(models.Model):
    """One SKU of a stocktake: on hand when opened, what was counted, and what was posted."""

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("stocktake"), on_delete=models.CASCADE, related_name="lines"
    )
    variant = models.ForeignKey(
        "catalog.Variant",
        verbose_name=_("variant"),
        on_delete=models.PROTECT,
        related_name="stocktake_lines",
    )
    on_hand_at_open = models.IntegerField(_("on hand when opened"))
    counted = models.PositiveIntegerField(_("counted"), null=True, blank=True)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Filled when the stocktake is posted: what was expected and what was booked.
    expected_at_post = models.IntegerField(_("expected"), null=True, blank=True)
    adjustment = models.IntegerField(_("adjustment"), null=True, blank=True)

    class Meta:
        ordering = ["variant__sku_code", "id"]
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        constraints = [
            models.UniqueConstraint(
                fields=["stocktake", "variant"], name="stocktakeline_one_per_variant"
            ),
            models.CheckConstraint(
                condition=Q(counted__isnull=True) | Q(counted_at__isnull=False),
                name="stocktakeline_counted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stocktake_id}: {self.variant_id} = {self.counted}"
