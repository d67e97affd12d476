"""The platform campaign calendar (618, 双11, 年货节): its writes and its reads.

A campaign is a marketplace's sale event the store signs up for: which SKUs go
in at which campaign price, and a checklist of who does what by when. The
campaign's own figures (sales, discount cost) are read in
``reports/promotion_performance.py``, which may read orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from promotions.errors import PromotionError
from promotions.models import CampaignItem, CampaignStatus, CampaignTask, PlatformCampaign
from storeops import business_day

CAMPAIGN_FIELDS = ("name", "channel", "signup_deadline", "starts_at", "ends_at", "status", "note")
CLOSED_STATUSES = (CampaignStatus.DONE, CampaignStatus.SKIPPED)


# -- writes ----------------------------------------------------------------------------------


def _check_campaign(fields: dict[str, Any]) -> None:
    if not (fields.get("name") or "").strip():
        raise PromotionError(_("A campaign needs a name."), code="campaign_name_missing")
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    if starts_at is None or ends_at is None:
        raise PromotionError(_("A campaign needs a start and an end."), code="campaign_window")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise PromotionError(
            _("Campaign times must carry a time zone."), code="campaign_naive_time"
        )
    if ends_at <= starts_at:
        raise PromotionError(_("A campaign must end after it starts."), code="campaign_window")
    deadline = fields.get("signup_deadline")
    if deadline is not None and deadline > business_day.of(starts_at):
        raise PromotionError(
            _("The sign-up deadline must fall on or before the campaign's first day."),
            code="campaign_deadline_after_start",
        )
    if fields.get("status", CampaignStatus.PLANNED) not in CampaignStatus.values:
        raise PromotionError(_("Unknown campaign status."), code="campaign_status")


@transaction.atomic
def create_campaign(
    *,
    name: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    channel: Any = None,
    signup_deadline: dt.date | None = None,
    status: str = CampaignStatus.PLANNED,
    note: str = "",
) -> PlatformCampaign:
    """Create a campaign. Refused with :class:`PromotionError` (nothing written) when the
    window is empty or naive, or the sign-up deadline falls after the first day. Atomic.
    """
    fields = {
        "name": name.strip(),
        "channel": channel,
        "signup_deadline": signup_deadline,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "status": status,
        "note": note,
    }
    _check_campaign(fields)
    return PlatformCampaign.objects.create(**fields)


@transaction.atomic
def update_campaign(*, campaign: PlatformCampaign, **changes: Any) -> PlatformCampaign:
    """Change the named fields of a campaign (any of ``CAMPAIGN_FIELDS``).

    Checked as :func:`create_campaign` checks; a refusal leaves the stored row
    unchanged. Atomic; the row is locked while it changes.
    """
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"update_campaign() got unknown fields: {sorted(unknown)}")
    locked = PlatformCampaign.objects.select_for_update().get(pk=campaign.pk)
    fields = {name: getattr(locked, name) for name in CAMPAIGN_FIELDS}
    fields.update(changes)
    if isinstance(fields["name"], str):
        fields["name"] = fields["name"].strip()
    _check_campaign(fields)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    return locked


def _check_campaign_price(*, variant: Variant, campaign_price: Decimal) -> None:
    if campaign_price <= 0:
        raise PromotionError(
            _("The campaign price of %(sku)s must be above 0."),
            code="campaign_price_not_positive",
            sku=variant.sku_code,
        )
    if campaign_price >= variant.price:
        raise PromotionError(
            _("The campaign price of %(sku)s must be below its list price %(price)s."),
            code="campaign_price_not_below_list",
            sku=variant.sku_code,
            price=variant.price,
        )


@transaction.atomic
def set_campaign_item(
    *, campaign: PlatformCampaign, variant: Variant, campaign_price: Decimal, note: str = ""
) -> CampaignItem:
    """Put a SKU in the campaign at ``campaign_price``, or change its price if it is in.

    The price must be above 0 and below the SKU's list price, else
    :class:`PromotionError` and nothing changes. Atomic; idempotent on
    (campaign, SKU).
    """
    _check_campaign_price(variant=variant, campaign_price=campaign_price)
    item, _created = CampaignItem.objects.update_or_create(
        campaign=campaign,
        variant=variant,
        defaults={"campaign_price": campaign_price, "note": note},
    )
    return item


@transaction.atomic
def remove_campaign_item(*, campaign: PlatformCampaign, variant: Variant) -> bool:
    """Take a SKU out of the campaign; True when it was in. Idempotent."""
    deleted, _detail = CampaignItem.objects.filter(campaign=campaign, variant=variant).delete()
    return deleted > 0


@transaction.atomic
def add_campaign_task(
    *,
    campaign: PlatformCampaign,
    title: str,
    owner: Any = None,
    due_date: dt.date | None = None,
) -> CampaignTask:
    """Add one step to the campaign's checklist. Atomic."""
    title = title.strip()
    if not title:
        raise PromotionError(_("A task needs a title."), code="campaign_task_title_missing")
    return CampaignTask.objects.create(
        campaign=campaign, title=title, owner=owner, due_date=due_date
    )


def set_task_done(*, task: CampaignTask, is_done: bool = True) -> bool:
    """Tick (or untick) a checklist task; True when it changed.

    A conditional update, so ticking twice (a double click, two people) keeps
    the first ``done_at``.
    """
    changed = CampaignTask.objects.filter(pk=task.pk, is_done=not is_done).update(
        is_done=is_done, done_at=timezone.now() if is_done else None
    )
    task.refresh_from_db(fields=["is_done", "done_at"])
    return changed == 1


# -- reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int | None:
        """Done tasks / all tasks, as a whole percent; None without tasks."""
        if not self.total:
            return None
        return self.done * 100 // self.total


def campaign_progress(campaign: PlatformCampaign) -> Progress:
    """Done tasks / all tasks of one campaign (uses the annotation when present)."""
    if hasattr(campaign, "task_count"):
        return Progress(done=campaign.done_task_count, total=campaign.task_count)
    counts = campaign.tasks.aggregate(total=Count("pk"), done=Count("pk", filter=Q(is_done=True)))
    return Progress(done=counts["done"], total=counts["total"])


def _with_counts(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("channel").annotate(
        task_count=Count("tasks", distinct=True),
        done_task_count=Count("tasks", filter=Q(tasks__is_done=True), distinct=True),
        item_count=Count("items", distinct=True),
    )


def _decorate(campaigns: list[PlatformCampaign], today: dt.date) -> list[PlatformCampaign]:
    for campaign in campaigns:
        campaign.progress = campaign_progress(campaign)
        campaign.days_to_deadline = (
            (campaign.signup_deadline - today).days if campaign.signup_deadline else None
        )
    return campaigns


def campaign_calendar(*, today: dt.date, past_limit: int = 50) -> dict[str, list]:
    """The calendar page: ``upcoming`` (not yet ended), then the latest ``past`` ones.

    Upcoming campaigns come in order of their sign-up deadline (those without
    one after), then of their start: the next thing to act on is on top.
    Two queries.
    """
    start_of_today = business_day.local_midnight(today)
    upcoming = _with_counts(PlatformCampaign.objects.filter(ends_at__gt=start_of_today)).order_by(
        F("signup_deadline").asc(nulls_last=True), "starts_at", "pk"
    )
    past = _with_counts(PlatformCampaign.objects.filter(ends_at__lte=start_of_today)).order_by(
        "-starts_at", "-pk"
    )[:past_limit]
    return {"upcoming": _decorate(list(upcoming), today), "past": _decorate(list(past), today)}


def upcoming_campaigns(today: dt.date, days: int = 45) -> list[PlatformCampaign]:
    """Campaigns running or starting within ``days`` of ``today`` and not done or skipped,
    soonest first, with ``progress`` and ``days_to_deadline``; for the dashboard.
    """
    start_of_today = business_day.local_midnight(today)
    horizon = business_day.local_midnight(today + dt.timedelta(days=days + 1))
    queryset = (
        _with_counts(PlatformCampaign.objects.all())
        .filter(ends_at__gt=start_of_today, starts_at__lt=horizon)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("starts_at", "pk")
    )
    return _decorate(list(queryset), today)


def campaign_detail(pk: int) -> PlatformCampaign | None:
    """One campaign with its SKUs (and their list prices) and checklist (and owners)."""
    return (
        PlatformCampaign.objects.select_related("channel")
        .prefetch_related(
            Prefetch("items", queryset=CampaignItem.objects.select_related("variant__product")),
            Prefetch("tasks", queryset=CampaignTask.objects.select_related("owner")),
        )
        .filter(pk=pk)
        .first()
    )
