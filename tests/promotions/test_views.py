"""Promotion and coupon pages."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from promotions.coupons import generate_coupon_batch
from promotions.models import Coupon, CouponBatch, Promotion, PromotionKind
from tests.catalog.product_factories import VariantFactory
from tests.promotions.factories import PromotionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    [
        "promotions:promotion-list",
        "promotions:promotion-create",
        "promotions:batch-list",
        "promotions:batch-create",
    ],
)
def test_marketing_opens_the_promotion_pages(client, marketer, url_name):
    client.force_login(marketer)

    response = client.get(reverse(url_name))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "url_name",
    ["promotions:promotion-list", "promotions:promotion-create", "promotions:batch-list"],
)
def test_customer_service_is_refused(client, service_agent, url_name):
    client.force_login(service_agent)

    response = client.get(reverse(url_name))

    assert response.status_code == 403


def test_the_navigation_shows_promotions_to_marketing_only(client, marketer, service_agent):
    client.force_login(marketer)
    shown = client.get(reverse("home")).content.decode()
    client.force_login(service_agent)
    hidden = client.get(reverse("home")).content.decode()

    url = reverse("promotions:promotion-list")
    assert f'href="{url}"' in shown
    assert f'href="{url}"' not in hidden


def test_the_list_filters_running_promotions(client, marketer):
    now = timezone.now()
    PromotionFactory(
        name="Now on",
        starts_at=now - timezone.timedelta(days=1),
        ends_at=now + timezone.timedelta(days=1),
    )
    PromotionFactory(
        name="Long gone",
        starts_at=now - timezone.timedelta(days=9),
        ends_at=now - timezone.timedelta(days=8),
    )
    client.force_login(marketer)

    response = client.get(reverse("promotions:promotion-list"), {"status": "running"})

    assert [p.name for p in response.context["page"]] == ["Now on"]


def test_the_list_query_count_does_not_grow_with_rows(
    client, marketer, django_assert_max_num_queries
):
    for _index in range(12):
        PromotionFactory()
    client.force_login(marketer)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("promotions:promotion-list"))

    assert len(response.context["page"]) == 12


def _promotion_post(**overrides):
    data = {
        "name": "Spend 300 save 30",
        "kind": PromotionKind.FULL_REDUCTION,
        "percent_off": "0",
        "amount_off": "0",
        "min_spend": "0",
        "buy_quantity": "0",
        "free_quantity": "0",
        "gift_quantity": "1",
        "member_min_orders": "1",
        "scope": "store",
        "starts_at": "2025-06-01T00:00",
        "ends_at": "2025-06-20T00:00",
        "priority": "0",
        "stacking": "stackable",
        "is_active": "on",
        "tiers_text": "300=30\n500=60",
    }
    data.update(overrides)
    return data


def test_creating_a_tiered_promotion_saves_its_tiers_in_store_time(client, marketer):
    client.force_login(marketer)

    response = client.post(reverse("promotions:promotion-create"), _promotion_post())

    assert response.status_code == 302
    promotion = Promotion.objects.get()
    assert [(t.threshold, t.amount_off) for t in promotion.tiers.all()] == [
        (Decimal("300.00"), Decimal("30.00")),
        (Decimal("500.00"), Decimal("60.00")),
    ]
    assert promotion.starts_at.isoformat() == "2025-05-31T16:00:00+00:00"  # Shanghai midnight
    assert promotion.created_by == marketer


def test_a_bad_tier_is_refused_and_nothing_is_saved(client, marketer):
    client.force_login(marketer)

    response = client.post(
        reverse("promotions:promotion-create"), _promotion_post(tiers_text="300=400")
    )

    assert response.status_code == 400
    assert "tiers_text" in response.context["form"].errors
    assert Promotion.objects.count() == 0


def test_the_preview_quotes_with_the_unsaved_promotion_and_keeps_nothing(client, marketer):
    variant = VariantFactory(price=Decimal("100.00"))
    client.force_login(marketer)
    data = _promotion_post()
    data.update(
        {
            "preview-sku_1": variant.sku_code,
            "preview-quantity_1": "5",
            "preview-at": "2025-06-10T12:00",
        }
    )

    response = client.post(reverse("promotions:quote-preview"), data)

    assert response.status_code == 200
    assert response.context["quote"].payable_total == Decimal("440.00")
    assert Promotion.objects.count() == 0


def test_creating_a_coupon_batch_generates_its_codes_and_exports_them(client, marketer):
    client.force_login(marketer)

    response = client.post(
        reverse("promotions:batch-create"),
        {
            "name": "Welcome 20",
            "kind": "amount",
            "amount_off": "20",
            "min_spend": "100",
            "valid_from": "2025-06-01T00:00",
            "valid_until": "2025-07-01T00:00",
            "per_customer_limit": "1",
            "count": "25",
            "is_returnable": "on",
        },
    )
    batch = CouponBatch.objects.get()
    export = client.get(reverse("promotions:batch-export", args=[batch.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))

    assert response.status_code == 302
    assert batch.coupons.count() == 25
    assert sorted(row[0] for row in rows[1:]) == sorted(
        batch.coupons.values_list("code", flat=True)
    )


def test_generated_codes_are_unique_and_unambiguous():
    now = timezone.now()

    batch = generate_coupon_batch(
        name="Big",
        count=2000,
        amount_off=Decimal("5"),
        valid_from=now,
        valid_until=now + timezone.timedelta(days=1),
    )

    codes = list(Coupon.objects.filter(batch=batch).values_list("code", flat=True))
    assert len(set(codes)) == 2000
    assert all(len(code) >= 10 for code in codes)
    assert not set("".join(codes)) & set("0O1IL")


def test_the_edit_page_shows_tiers_and_flash_prices_as_text(client, marketer):
    variant = VariantFactory(sku_code="TEE-RED-M")
    promotion = PromotionFactory(kind=PromotionKind.FLASH_PRICE)
    promotion.flash_items.create(variant=variant, price=Decimal("59.00"), quantity_cap=2)
    client.force_login(marketer)

    response = client.get(reverse("promotions:promotion-edit", args=[promotion.pk]))

    assert response.status_code == 200
    assert response.context["form"].initial["flash_text"] == "TEE-RED-M=59.00@2"


def test_the_preview_renders_the_totals_and_says_when_the_draft_is_left_out(client, marketer):
    variant = VariantFactory(price=Decimal("100.00"))
    client.force_login(marketer)
    data = _promotion_post(tiers_text="")
    data.update({"preview-sku_1": variant.sku_code, "preview-quantity_1": "2"})

    response = client.post(reverse("promotions:quote-preview"), data)

    html = response.content.decode()
    assert "200.00" in html
    assert response.context["with_draft"] is False


def test_the_preview_reports_an_unknown_sku(client, marketer):
    client.force_login(marketer)
    data = _promotion_post()
    data.update({"preview-sku_1": "NO-SUCH", "preview-quantity_1": "1"})

    response = client.post(reverse("promotions:quote-preview"), data)

    assert "NO-SUCH" in response.context["error"]


def test_form_times_are_read_in_the_store_zone_even_across_dst(settings):
    from promotions.forms import StoreDateTimeField

    settings.STORE_TIMEZONE = "Europe/Berlin"
    field = StoreDateTimeField()

    summer = field.clean("2025-07-01T10:00")
    winter = field.clean("2025-01-01T10:00")

    assert (summer.isoformat(), winter.isoformat()) == (
        "2025-07-01T08:00:00+00:00",
        "2025-01-01T09:00:00+00:00",
    )
