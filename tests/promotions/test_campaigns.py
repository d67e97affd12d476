"""The platform campaign calendar: services, reads, pages and the demo seed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from customers.models import SalesChannel
from promotions.campaigns import (
    add_campaign_task,
    campaign_calendar,
    campaign_progress,
    create_campaign,
    remove_campaign_item,
    set_campaign_item,
    set_task_done,
    upcoming_campaigns,
    update_campaign,
)
from promotions.demo import seed_campaigns
from promotions.errors import PromotionError
from promotions.models import CampaignItem, CampaignStatus, CampaignTask, PlatformCampaign
from storeops import business_day
from tests.catalog.product_factories import VariantFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 1)


def local(day: dt.date, hour: int = 0) -> dt.datetime:
    return business_day.make_aware_local(dt.datetime.combine(day, dt.time(hour)))


def make_campaign(name: str = "双11", *, first_day: dt.date = dt.date(2026, 11, 11), **fields):
    fields.setdefault("starts_at", local(first_day))
    fields.setdefault("ends_at", local(first_day + dt.timedelta(days=1)))
    return create_campaign(name=name, **fields)


# -- campaign prices -------------------------------------------------------------------------


def test_a_sku_joins_a_campaign_below_its_list_price():
    campaign = make_campaign()
    variant = VariantFactory(price=Decimal("89.00"))

    item = set_campaign_item(campaign=campaign, variant=variant, campaign_price=Decimal("69.90"))

    assert CampaignItem.objects.get(pk=item.pk).campaign_price == Decimal("69.90")


def test_setting_a_sku_again_changes_its_price_instead_of_adding_a_row():
    campaign = make_campaign()
    variant = VariantFactory(price=Decimal("89.00"))
    set_campaign_item(campaign=campaign, variant=variant, campaign_price=Decimal("69.90"))

    set_campaign_item(campaign=campaign, variant=variant, campaign_price=Decimal("59.00"))

    assert list(CampaignItem.objects.values_list("campaign_price", flat=True)) == [Decimal("59.00")]


@pytest.mark.parametrize(
    ("price", "code"),
    [
        ("89.00", "campaign_price_not_below_list"),
        ("99.00", "campaign_price_not_below_list"),
        ("0.00", "campaign_price_not_positive"),
        ("-1.00", "campaign_price_not_positive"),
    ],
)
def test_a_campaign_price_at_or_above_list_or_not_positive_is_refused(price, code):
    campaign = make_campaign()
    variant = VariantFactory(sku_code="TEE-RED-M", price=Decimal("89.00"))

    with pytest.raises(PromotionError) as refused:
        set_campaign_item(campaign=campaign, variant=variant, campaign_price=Decimal(price))

    assert refused.value.code == code
    assert "TEE-RED-M" in str(refused.value)
    assert CampaignItem.objects.count() == 0


def test_a_refused_price_change_keeps_the_old_price():
    campaign = make_campaign()
    variant = VariantFactory(price=Decimal("89.00"))
    set_campaign_item(campaign=campaign, variant=variant, campaign_price=Decimal("69.90"))

    with pytest.raises(PromotionError):
        set_campaign_item(campaign=campaign, variant=variant, campaign_price=Decimal("90.00"))

    assert CampaignItem.objects.get().campaign_price == Decimal("69.90")


def test_removing_a_sku_takes_it_out_once():
    campaign = make_campaign()
    variant = VariantFactory(price=Decimal("89.00"))
    set_campaign_item(campaign=campaign, variant=variant, campaign_price=Decimal("69.90"))

    outcomes = [remove_campaign_item(campaign=campaign, variant=variant) for _ in range(2)]

    assert outcomes == [True, False]
    assert CampaignItem.objects.count() == 0


# -- the campaign itself ---------------------------------------------------------------------


def test_a_campaign_ending_before_it_starts_is_refused():
    with pytest.raises(PromotionError) as refused:
        make_campaign(ends_at=local(dt.date(2026, 11, 10)))

    assert refused.value.code == "campaign_window"
    assert PlatformCampaign.objects.count() == 0


def test_a_sign_up_deadline_after_the_first_day_is_refused():
    with pytest.raises(PromotionError) as refused:
        make_campaign(signup_deadline=dt.date(2026, 11, 12))

    assert refused.value.code == "campaign_deadline_after_start"


def test_a_refused_update_leaves_the_campaign_unchanged():
    campaign = make_campaign(signup_deadline=dt.date(2026, 10, 25))

    with pytest.raises(PromotionError):
        update_campaign(campaign=campaign, name="Renamed", signup_deadline=dt.date(2026, 12, 1))

    campaign.refresh_from_db()
    assert (campaign.name, campaign.signup_deadline) == ("双11", dt.date(2026, 10, 25))


def test_updating_a_campaign_changes_the_named_fields():
    campaign = make_campaign()

    updated = update_campaign(campaign=campaign, status=CampaignStatus.SIGNED_UP, note="ok")

    campaign.refresh_from_db()
    assert (campaign.status, campaign.note, updated.name) == ("signed_up", "ok", "双11")


# -- checklist and progress ------------------------------------------------------------------


def test_progress_is_done_tasks_over_all_tasks():
    campaign = make_campaign()
    tasks = [add_campaign_task(campaign=campaign, title=f"Step {n}") for n in range(3)]
    set_task_done(task=tasks[0])

    progress = campaign_progress(campaign)

    assert (progress.done, progress.total, progress.percent) == (1, 3, 33)


def test_a_campaign_without_tasks_has_no_progress_percent():
    campaign = make_campaign()

    assert campaign_progress(campaign).percent is None


def test_ticking_a_task_twice_keeps_the_first_time():
    campaign = make_campaign()
    task = add_campaign_task(campaign=campaign, title="Upload images")
    with freeze_time("2026-11-01 02:00:00"):
        first = set_task_done(task=task)
    with freeze_time("2026-11-02 02:00:00"):
        second = set_task_done(task=task)

    assert (first, second) == (True, False)
    assert task.done_at == dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)


def test_unticking_a_task_clears_its_time():
    campaign = make_campaign()
    task = add_campaign_task(campaign=campaign, title="Upload images")
    set_task_done(task=task)

    set_task_done(task=task, is_done=False)

    stored = CampaignTask.objects.get(pk=task.pk)
    assert (stored.is_done, stored.done_at) == (False, None)


# -- reads -----------------------------------------------------------------------------------


def test_the_calendar_puts_the_nearest_sign_up_deadline_first():
    make_campaign("No deadline", first_day=dt.date(2026, 11, 5))
    make_campaign("Late", first_day=dt.date(2026, 11, 5), signup_deadline=dt.date(2026, 11, 4))
    make_campaign("Soon", first_day=dt.date(2026, 12, 12), signup_deadline=dt.date(2026, 11, 3))
    make_campaign("Over", first_day=dt.date(2026, 10, 1))

    calendar = campaign_calendar(today=TODAY)

    assert [c.name for c in calendar["upcoming"]] == ["Soon", "Late", "No deadline"]
    assert [c.name for c in calendar["past"]] == ["Over"]
    assert [c.days_to_deadline for c in calendar["upcoming"]] == [2, 3, None]


def test_upcoming_campaigns_for_the_dashboard_skip_far_closed_and_past_ones():
    make_campaign("In range", first_day=dt.date(2026, 12, 12))
    make_campaign("Running", first_day=dt.date(2026, 10, 30), ends_at=local(dt.date(2026, 11, 3)))
    make_campaign("Too far", first_day=dt.date(2026, 12, 20))
    make_campaign("Skipped", first_day=dt.date(2026, 11, 11), status=CampaignStatus.SKIPPED)
    make_campaign("Over", first_day=dt.date(2026, 10, 1))

    shown = upcoming_campaigns(TODAY, days=45)

    assert [c.name for c in shown] == ["Running", "In range"]


# -- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["promotions:campaign-list", "promotions:campaign-create"])
def test_customer_service_cannot_open_the_campaign_pages(client, service_agent, url_name):
    client.force_login(service_agent)

    response = client.get(reverse(url_name))

    assert response.status_code == 403


def test_customer_service_cannot_tick_a_task(client, service_agent):
    campaign = make_campaign()
    task = add_campaign_task(campaign=campaign, title="Upload images")
    client.force_login(service_agent)

    response = client.post(
        reverse("promotions:campaign-task-toggle", args=[campaign.pk, task.pk]), {"done": "1"}
    )

    assert response.status_code == 403
    assert CampaignTask.objects.get(pk=task.pk).is_done is False


def test_marketing_creates_a_campaign_from_the_form(client, marketer):
    client.force_login(marketer)

    response = client.post(
        reverse("promotions:campaign-create"),
        {
            "name": "双12",
            "channel": SalesChannel.objects.get(code="taobao").pk,
            "signup_deadline": "2026-11-28",
            "starts_at": "2026-12-12T00:00",
            "ends_at": "2026-12-13T00:00",
            "status": "planned",
            "note": "",
        },
    )

    campaign = PlatformCampaign.objects.get()
    assert response.status_code == 302
    assert campaign.starts_at == local(dt.date(2026, 12, 12))


def test_the_page_refuses_a_price_above_list_and_shows_why(client, marketer):
    campaign = make_campaign()
    VariantFactory(sku_code="TEE-RED-M", price=Decimal("89.00"))
    client.force_login(marketer)

    response = client.post(
        reverse("promotions:campaign-item-set", args=[campaign.pk]),
        {"item-sku_code": "TEE-RED-M", "item-campaign_price": "95.00", "item-note": ""},
    )

    assert response.status_code == 400
    assert "below its list price" in response.content.decode()
    assert CampaignItem.objects.count() == 0


def test_ticking_a_task_from_the_page_moves_the_progress(client, marketer):
    campaign = make_campaign()
    task = add_campaign_task(campaign=campaign, title="Upload images")
    add_campaign_task(campaign=campaign, title="Reserve stock")
    client.force_login(marketer)

    client.post(
        reverse("promotions:campaign-task-toggle", args=[campaign.pk, task.pk]), {"done": "1"}
    )
    response = client.get(reverse("promotions:campaign-detail", args=[campaign.pk]))

    assert response.context["progress"].percent == 50


@freeze_time("2026-11-01 04:00:00")
def test_the_calendar_page_query_count_does_not_grow_with_campaigns(
    client, marketer, django_assert_max_num_queries
):
    for number in range(5):
        campaign = make_campaign(f"Campaign {number}", signup_deadline=dt.date(2026, 11, 3))
        add_campaign_task(campaign=campaign, title="Sign up")
        set_campaign_item(
            campaign=campaign,
            variant=VariantFactory(price=Decimal("10.00")),
            campaign_price=Decimal("8.00"),
        )
    client.force_login(marketer)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("promotions:campaign-list"))

    assert response.status_code == 200
    assert "(in 2 days)" in response.content.decode()


def test_the_navigation_shows_campaigns_under_marketing(client, marketer, service_agent):
    client.force_login(marketer)
    shown = client.get(reverse("home")).content.decode()
    client.force_login(service_agent)
    hidden = client.get(reverse("home")).content.decode()

    url = reverse("promotions:campaign-list")
    assert f'href="{url}"' in shown
    assert f'href="{url}"' not in hidden


# -- demo ------------------------------------------------------------------------------------


def test_seeding_campaigns_twice_creates_them_once():
    VariantFactory(price=Decimal("100.00"))

    first = seed_campaigns(today=TODAY)
    second = seed_campaigns(today=TODAY)

    assert [c.name for c in first] == ["Demo: 双11 2025", "Demo: 双12 2026", "Demo: 年货节 2027"]
    assert second == []
    assert CampaignItem.objects.filter(campaign__name="Demo: 双12 2026").get().campaign_price == (
        Decimal("80.00")
    )
    assert campaign_progress(first[0]).percent == 100


def test_the_edit_page_shows_the_times_in_store_time(client, marketer):
    campaign = make_campaign()
    client.force_login(marketer)

    response = client.get(reverse("promotions:campaign-edit", args=[campaign.pk]))

    assert response.status_code == 200
    assert 'value="2026-11-11T00:00"' in response.content.decode()
