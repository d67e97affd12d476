"""The rate cards page: who may use it, adding, changing and deleting cards, the calculator."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.errors import OrderError
from orders.models import RateCard
from orders.services.shipping import delete_rate_card, save_rate_card
from tests.orders.factories import CarrierFactory, RateCardFactory

pytestmark = pytest.mark.django_db

LIST = reverse("orders:rate-cards")
NEW = reverse("orders:rate-card-new")
CALCULATOR = reverse("orders:rate-card-calculator")


@pytest.fixture
def sf_cards(sf):
    """SF: 1 kg for 12.00 then 2.00 a kg; 新疆维吾尔自治区: 1 kg for 20.00 then 8.00 a kg."""
    default = RateCardFactory(
        carrier=sf, province="", first_price=Decimal("12.00"), additional_price=Decimal("2.00")
    )
    remote = RateCardFactory(
        carrier=sf,
        province="新疆维吾尔自治区",
        first_price=Decimal("20.00"),
        additional_price=Decimal("8.00"),
    )
    return default, remote


def card_post(carrier, **values):
    data = {
        "carrier": carrier.pk,
        "province": "浙江省",
        "first_weight_kg": "1",
        "first_price": "10.00",
        "additional_weight_kg": "0.5",
        "additional_price": "1.50",
    }
    data.update(values)
    return data


def card_values() -> list[tuple]:
    return list(
        RateCard.objects.order_by("carrier__code", "province").values_list(
            "carrier__code",
            "province",
            "first_weight_kg",
            "first_price",
            "additional_weight_kg",
            "additional_price",
        )
    )


# --- Who may use the page ---------------------------------------------------------


@pytest.mark.parametrize(
    ("user_fixture", "status"),
    [("warehouse_clerk", 200), ("manager", 200), ("service_agent", 403), ("marketer", 403)],
)
def test_the_warehouse_and_managers_open_the_page_others_are_refused(
    client, request, sf_cards, user_fixture, status
):
    client.force_login(request.getfixturevalue(user_fixture))

    response = client.get(LIST)

    assert response.status_code == status


def test_customer_service_can_neither_see_the_link_nor_change_a_card(
    client, sf, sf_cards, service_agent
):
    default, _remote = sf_cards
    client.force_login(service_agent)

    home = client.get(reverse("home")).content.decode()
    posted = client.post(
        reverse("orders:rate-card-edit", args=[default.pk]), card_post(sf, first_price="1.00")
    )
    deleted = client.post(reverse("orders:rate-card-delete", args=[default.pk]))
    created = client.post(NEW, card_post(sf, province="浙江省"))

    assert LIST not in home
    assert (posted.status_code, deleted.status_code, created.status_code) == (403, 403, 403)
    assert RateCard.objects.get(pk=default.pk).first_price == Decimal("12.00")
    assert RateCard.objects.count() == 2


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_lists_each_carrier_with_its_default_and_province_cards(
    client, sf_cards, warehouse_clerk, django_assert_max_num_queries
):
    CarrierFactory(code="zto", name="中通快递")
    client.force_login(warehouse_clerk)

    with django_assert_max_num_queries(12):
        html = client.get(LIST).content.decode()

    assert html.count("data-card=") == 2
    assert "新疆维吾尔自治区" in html
    assert 'data-carrier="zto"' in html
    assert "No rate card: parcels of this carrier cost 0.00" in html


# --- Adding, changing, deleting ----------------------------------------------------


def test_the_warehouse_adds_a_province_card_and_the_history_names_them(
    client, sf, sf_cards, warehouse_clerk
):
    client.force_login(warehouse_clerk)

    response = client.post(NEW, card_post(sf, province=" 浙江省 "))

    assert response.status_code == 302
    card = RateCard.objects.get(carrier=sf, province="浙江省")
    assert (card.first_weight_kg, card.first_price, card.additional_weight_kg) == (
        Decimal("1.000"),
        Decimal("10.00"),
        Decimal("0.500"),
    )
    record = card.history.get()
    assert (record.history_type, record.history_user) == ("+", warehouse_clerk)


def test_editing_a_card_keeps_the_old_version_in_its_history(client, sf, sf_cards, manager):
    default, _remote = sf_cards
    client.force_login(manager)

    response = client.post(
        reverse("orders:rate-card-edit", args=[default.pk]),
        card_post(
            sf, province="", first_price="13.50", additional_price="2.00", additional_weight_kg="1"
        ),
    )

    assert response.status_code == 302
    default.refresh_from_db()
    assert default.first_price == Decimal("13.50")
    latest = default.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user, latest.first_price) == (
        "~",
        manager,
        Decimal("13.50"),
    )
    page = client.get(reverse("orders:rate-card-edit", args=[default.pk])).content.decode()
    assert "13.50" in page and manager.username in page


def test_deleting_a_card_asks_first_then_records_who_deleted_it(
    client, sf, sf_cards, warehouse_clerk
):
    _default, remote = sf_cards
    client.force_login(warehouse_clerk)
    url = reverse("orders:rate-card-delete", args=[remote.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert RateCard.objects.filter(pk=remote.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not RateCard.objects.filter(pk=remote.pk).exists()
    deleted = RateCard.history.get(id=remote.pk, history_type="-")
    assert deleted.history_user == warehouse_clerk
    assert "新疆维吾尔自治区" in client.get(LIST).content.decode()  # in the recent changes


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"first_weight_kg": "0"}, "first_weight_kg", "A weight must be above 0 kg."),
        ({"additional_weight_kg": "-1"}, "additional_weight_kg", "A weight must be above 0 kg."),
        (
            {"first_price": "-0.01"},
            "first_price",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            {"additional_price": "abc"},
            "additional_price",
            "Enter a number.",
        ),
        (
            {"province": "新疆维吾尔自治区"},
            "province",
            "SF Express already has a card for 新疆维吾尔自治区: edit that one instead.",
        ),
        ({"province": ""}, "province", "SF Express already has a default card"),
    ],
)
def test_a_wrong_card_is_refused_with_the_reason_beside_its_field(
    client, sf, sf_cards, warehouse_clerk, values, field, message
):
    client.force_login(warehouse_clerk)
    before = card_values()

    response = client.post(NEW, card_post(sf, **values))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert card_values() == before


def test_moving_a_card_onto_another_cards_province_is_refused(
    client, sf, sf_cards, warehouse_clerk
):
    default, _remote = sf_cards
    client.force_login(warehouse_clerk)

    response = client.post(
        reverse("orders:rate-card-edit", args=[default.pk]),
        card_post(sf, province="新疆维吾尔自治区"),
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["province"]
    default.refresh_from_db()
    assert default.province == ""


def test_the_carrier_of_an_existing_card_cannot_be_changed(client, sf, sf_cards, warehouse_clerk):
    default, _remote = sf_cards
    zto = CarrierFactory(code="zto", name="中通快递")
    client.force_login(warehouse_clerk)

    client.post(
        reverse("orders:rate-card-edit", args=[default.pk]),
        card_post(zto, province="", first_price="9.00"),
    )

    default.refresh_from_db()
    assert (default.carrier, default.first_price) == (sf, Decimal("9.00"))


def test_the_service_refuses_what_the_form_would_have_caught(sf, sf_cards, manager):
    with pytest.raises(OrderError) as refused:
        save_rate_card(
            carrier=sf,
            values={"province": "新疆维吾尔自治区", "first_price": Decimal("1.00")},
            by=manager,
        )
    assert refused.value.details["field"] == "province"
    with pytest.raises(OrderError):
        save_rate_card(
            carrier=sf,
            values={"province": "浙江省", "first_price": Decimal("1.00"), "first_weight_kg": 0},
            by=manager,
        )
    with pytest.raises(OrderError):
        delete_rate_card(card=sf_cards[0], by=None)
    assert RateCard.objects.count() == 2


# --- The cost calculator -----------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "weight", "cost", "card"),
    [
        # Default card: 12.00 for the first kg, then 2.00 for each started kg.
        ("浙江省", "1", "12.00", "default"),
        ("浙江省", "2.3", "16.00", "default"),
        ("", "0.2", "12.00", "default"),
        # The province's card wins: 20.00, then 8.00 a started kg.
        ("新疆维吾尔自治区", "2.3", "36.00", "province"),
    ],
)
def test_the_calculator_prices_a_parcel_by_the_province_card_or_the_default(
    client, sf, sf_cards, warehouse_clerk, province, weight, cost, card
):
    client.force_login(warehouse_clerk)

    response = client.get(
        CALCULATOR,
        {"carrier": sf.pk, "province": province, "weight_kg": weight},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["quote"]["cost"] == Decimal(cost)
    assert f'data-cost="{cost}"' in html
    assert f'data-card="{card}"' in html
    assert "<html" not in html  # an htmx fragment, not the page


def test_the_calculator_without_htmx_answers_with_the_whole_page(
    client, sf, sf_cards, warehouse_clerk
):
    client.force_login(warehouse_clerk)

    response = client.get(
        CALCULATOR, {"carrier": sf.pk, "province": "新疆维吾尔自治区", "weight_kg": "1"}
    )

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'data-cost="20.00"' in html


def test_the_calculator_explains_a_carrier_without_cards_and_a_wrong_weight(
    client, sf, sf_cards, warehouse_clerk
):
    zto = CarrierFactory(code="zto", name="中通快递")
    client.force_login(warehouse_clerk)
    headers = {"HX-Request": "true"}

    no_card = client.get(CALCULATOR, {"carrier": zto.pk, "weight_kg": "1"}, headers=headers)
    no_weight = client.get(CALCULATOR, {"carrier": sf.pk, "weight_kg": "0"}, headers=headers)

    assert 'data-cost="0.00"' in no_card.content.decode()
    assert "This carrier has no rate card" in no_card.content.decode()
    assert "A weight must be above 0 kg." in no_weight.content.decode()
    assert no_weight.context["quote"] is None


def test_customer_service_cannot_use_the_calculator(client, sf, sf_cards, service_agent):
    client.force_login(service_agent)

    response = client.get(CALCULATOR, {"carrier": sf.pk, "weight_kg": "1"})

    assert response.status_code == 403
