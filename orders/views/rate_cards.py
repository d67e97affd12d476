"""Rate cards: what each carrier charges the store, by weight and province.

The warehouse and the managers (SHIP_ORDERS) list, add, change and delete
cards here and preview a parcel's cost; every save and delete goes through
the shipping services, which keep the card's history (who, when, what).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orders.errors import OrderError
from orders.forms_shipping import PROVINCES, RateCardForm, ShippingCostCalculatorForm
from orders.models import Carrier, RateCard
from orders.selectors import carriers_with_rate_cards, rate_card_changes
from orders.services.shipping import (
    delete_rate_card,
    rate_card_for,
    save_rate_card,
    shipping_cost_for,
)
from storeops.roles import Capability, capability_required


def _quote(form: ShippingCostCalculatorForm) -> dict[str, Any] | None:
    if not form.is_bound or not form.is_valid():
        return None
    carrier = form.cleaned_data["carrier"]
    province = form.cleaned_data["province"]
    weight_kg = form.cleaned_data["weight_kg"]
    return {
        "carrier": carrier,
        "province": province,
        "weight_kg": weight_kg,
        "card": rate_card_for(carrier=carrier, province=province),
        "cost": shipping_cost_for(carrier=carrier, province=province, weight_kg=weight_kg),
    }


@require_GET
@capability_required(Capability.SHIP_ORDERS)
def rate_cards(request: HttpRequest) -> HttpResponse:
    calculator = ShippingCostCalculatorForm()
    return render(
        request,
        "orders/rate_cards/list.html",
        {
            "carriers": carriers_with_rate_cards(),
            "changes": rate_card_changes(),
            "calculator": calculator,
            "quote": None,
            "provinces": PROVINCES,
        },
    )


@require_GET
@capability_required(Capability.SHIP_ORDERS)
def calculator(request: HttpRequest) -> HttpResponse:
    """The cost of a parcel by the cards (an htmx fragment; the whole page without htmx)."""
    form = ShippingCostCalculatorForm(request.GET)
    context = {"calculator": form, "quote": _quote(form)}
    if request.headers.get("HX-Request"):
        return render(request, "orders/rate_cards/partials/quote.html", context)
    return render(
        request,
        "orders/rate_cards/list.html",
        {
            **context,
            "carriers": carriers_with_rate_cards(),
            "changes": rate_card_changes(),
            "provinces": PROVINCES,
        },
    )


def _save(request: HttpRequest, form: RateCardForm, card: RateCard | None) -> HttpResponse | None:
    """Save through the service; a rule it refuses becomes a form error."""
    if not form.is_valid():
        return None
    try:
        saved = save_rate_card(
            carrier=form.cleaned_data["carrier"], values=form.values(), by=request.user, card=card
        )
    except OrderError as error:
        field = error.details.get("field")
        form.add_error(field if field in form.fields else None, str(error))
        return None
    messages.success(request, _("Rate card %(card)s saved.") % {"card": saved})
    return redirect("orders:rate-cards")


@require_http_methods(["GET", "POST"])
@capability_required(Capability.SHIP_ORDERS)
def new_rate_card(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RateCardForm(request.POST)
        done = _save(request, form, None)
        if done is not None:
            return done
    else:
        carrier_id = request.GET.get("carrier", "")
        carrier = Carrier.objects.filter(pk=carrier_id).first() if carrier_id.isdigit() else None
        form = RateCardForm(initial={"carrier": carrier.pk} if carrier else None)
    return render(
        request,
        "orders/rate_cards/form.html",
        {"form": form, "card": None, "provinces": PROVINCES},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.SHIP_ORDERS)
def edit_rate_card(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(RateCard.objects.select_related("carrier"), pk=pk)
    if request.method == "POST":
        form = RateCardForm(request.POST, card=card)
        done = _save(request, form, card)
        if done is not None:
            return done
    else:
        form = RateCardForm(card=card)
    history = card.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "orders/rate_cards/form.html",
        {"form": form, "card": card, "history": history, "provinces": PROVINCES},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.SHIP_ORDERS)
def delete_rate_card_view(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(RateCard.objects.select_related("carrier"), pk=pk)
    if request.method == "POST":
        name = str(card)
        delete_rate_card(card=card, by=request.user)
        messages.success(request, _("Rate card %(card)s deleted.") % {"card": name})
        return redirect("orders:rate-cards")
    return render(request, "orders/rate_cards/delete.html", {"card": card})
