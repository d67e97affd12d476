"""Orders typed in by hand from the console: phone orders and replacements.

The agent picks lines by SKU code (htmx shows the title, price and what is
available while they type), may add a coupon, and sees the total priced by
the promotions engine (``promotions.services.quote``): every promotion that
applies, gifts, and why a coupon or promotion did not apply. Saving goes
through ``create_order`` with the engine's discounts on the lines, then
redeems the coupon and counts the promotions' use, all in one transaction.
Not enough stock (gifts included) is a form error and creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Variant
from customers import selectors as customer_selectors
from inventory import selectors as inventory_selectors
from orders import selectors
from orders.errors import OrderError
from orders.forms import ManualLineFormSet, ManualOrderForm
from orders.models import Order, OrderKind
from orders.services import LineInput, create_order
from promotions import services as pricing
from promotions.models import Promotion
from storeops import business_day, money
from storeops.roles import Capability, capability_required

LINES_PREFIX = "lines"
NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class DraftLine:
    variant: Variant
    quantity: int
    unit_price: Decimal
    discount: Decimal = money.ZERO
    is_gift: bool = False

    @property
    def total(self) -> Decimal:
        return money.quantize(self.unit_price * self.quantity) - self.discount


@dataclass(frozen=True)
class Draft:
    lines: list[DraftLine]
    shipping_fee: Decimal
    quote: pricing.Quote
    coupon_code: str = ""

    @property
    def goods_total(self) -> Decimal:
        return self.quote.goods_total

    @property
    def discount_total(self) -> Decimal:
        return self.quote.discount_total

    @property
    def total(self) -> Decimal:
        return self.quote.payable_total + self.shipping_fee

    @property
    def promotion_text(self) -> str:
        return "; ".join(rule.name for rule in self.quote.applied if rule.kind == "promotion")[:200]


def _forms(request: HttpRequest) -> tuple[ManualOrderForm, Any]:
    if request.method == "POST":
        return ManualOrderForm(request.POST), ManualLineFormSet(request.POST, prefix=LINES_PREFIX)
    manual = customer_selectors.channel_by_code("manual")
    form = ManualOrderForm(initial={"channel": manual, "is_paid": True, "kind": OrderKind.NORMAL})
    return form, ManualLineFormSet(prefix=LINES_PREFIX)


def _draft(form: ManualOrderForm, formset: Any) -> Draft | None:
    """The order as typed, when both forms are valid and stock covers every SKU."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    typed = [data for data in formset.cleaned_data if data.get("variant") is not None]
    coupon_code = (form.cleaned_data.get("coupon_code") or "").strip().upper()
    try:
        quote = pricing.quote(
            [(data["variant"], data["quantity"], data["unit_price"]) for data in typed],
            channel=form.cleaned_data["channel"],
            coupon_codes=[coupon_code] if coupon_code else [],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None
    for rule in quote.rejected:
        if rule.kind == "coupon":
            form.add_error("coupon_code", rule.message)
    lines = [
        DraftLine(
            variant=data["variant"],
            quantity=data["quantity"],
            unit_price=priced.list_unit_price,
            discount=priced.discount,
        )
        for data, priced in zip(typed, quote.lines, strict=True)
    ]
    gift_variants = Variant.objects.in_bulk(
        [gift.sku_code for gift in quote.gifts], field_name="sku_code"
    )
    lines += [
        DraftLine(
            variant=gift_variants[gift.sku_code],
            quantity=gift.quantity,
            unit_price=money.ZERO,
            is_gift=True,
        )
        for gift in quote.gifts
        if gift.sku_code in gift_variants
    ]
    wanted: dict[int, int] = {}
    for line in lines:
        wanted[line.variant.pk] = wanted.get(line.variant.pk, 0) + line.quantity
    available = inventory_selectors.available_by_variant(
        wanted, warehouse=inventory_selectors.default_warehouse()
    )
    codes = {line.variant.pk: line.variant.sku_code for line in lines}
    for variant_id, quantity in wanted.items():
        if quantity > available[variant_id]:
            form.add_error(
                None,
                _("Not enough stock of %(sku)s: %(quantity)d wanted, %(available)d available.")
                % {
                    "sku": codes[variant_id],
                    "quantity": quantity,
                    "available": available[variant_id],
                },
            )
    if form.errors:
        return None
    return Draft(
        lines=lines,
        shipping_fee=form.cleaned_data["shipping_fee"] or money.ZERO,
        quote=quote,
        coupon_code=coupon_code,
    )


def _create(form: ManualOrderForm, draft: Draft, by: Any) -> Order:
    data = form.cleaned_data
    placed_at = timezone.now()
    for _attempt in range(NUMBER_ATTEMPTS):
        order_no = selectors.next_manual_order_no(data["channel"], business_day.today())
        with transaction.atomic():
            order, created = create_order(
                channel=data["channel"],
                order_no=order_no,
                kind=OrderKind(data["kind"]),
                lines=[
                    LineInput(
                        variant=line.variant,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        line_discount=line.discount,
                        title=_("Gift: %(title)s") % {"title": line.variant.product.title}
                        if line.is_gift
                        else "",
                    )
                    for line in draft.lines
                ],
                shipping_fee=draft.shipping_fee,
                paid_total=draft.total,
                placed_at=placed_at,
                paid_at=placed_at if data["is_paid"] else None,
                by=by,
                buyer_nickname=data["buyer_nickname"],
                recipient_name=data["recipient_name"],
                phone=data["phone"],
                province=data["province"],
                city=data["city"],
                address=data["address"],
                buyer_note=data["buyer_note"],
                coupon_code=draft.coupon_code,
                promotion_text=draft.promotion_text,
            )
            if created:
                _count_promotions(order, draft, at=placed_at)
                return order
        # Another agent took this number a moment ago: take the next one.
    raise OrderError(_("No free order number was found; save again."), code="number_taken")


def _count_promotions(order: Order, draft: Draft, *, at) -> None:
    """Redeem the coupon and count each promotion's use (limits and budgets)."""
    promotions = Promotion.objects.in_bulk(
        [rule.id for rule in draft.quote.applied if rule.kind == "promotion"]
    )
    for rule in draft.quote.applied:
        if rule.kind == "coupon":
            pricing.redeem_coupon(
                code=rule.code,
                channel_code=order.channel.code,
                order_no=order.order_no,
                amount=rule.amount,
                customer_id=order.customer_id,
                at=at,
            )
        elif rule.id in promotions:
            pricing.record_promotion_usage(
                promotion=promotions[rule.id],
                channel_code=order.channel.code,
                order_no=order.order_no,
                amount=rule.amount,
                customer_id=order.customer_id,
                at=at,
            )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.USE_ORDER_CONSOLE)
def new_order(request: HttpRequest) -> HttpResponse:
    form, formset = _forms(request)
    draft = None
    if request.method == "POST":
        draft = _draft(form, formset)
        if draft is not None and request.POST.get("action") != "preview":
            try:
                order = _create(form, draft, request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Order %(number)s created.") % {"number": order.order_no}
                )
                return redirect("orders:console-order", pk=order.pk)
    return render(
        request,
        "orders/console/new_order.html",
        {"form": form, "formset": formset, "draft": draft},
    )


@require_GET
@capability_required(Capability.USE_ORDER_CONSOLE)
def sku_lookup(request: HttpRequest) -> HttpResponse:
    """Title, price and available units of the SKU typed on a line (an htmx fragment)."""
    sku_code = next(
        (value.strip() for key, value in request.GET.items() if key.endswith("sku_code")), ""
    )
    variant = None
    available = 0
    if sku_code:
        variant = (
            Variant.objects.select_related("product")
            .filter(sku_code=sku_code, is_active=True)
            .first()
        )
    if variant is not None:
        available = inventory_selectors.available_by_variant(
            [variant.pk], warehouse=inventory_selectors.default_warehouse()
        )[variant.pk]
    return render(
        request,
        "orders/console/partials/sku_info.html",
        {"sku_code": sku_code, "variant": variant, "available": available},
    )


@require_POST
@capability_required(Capability.USE_ORDER_CONSOLE)
def order_total(request: HttpRequest) -> HttpResponse:
    """The total of the order as typed so far (an htmx fragment), with any problem."""
    form, formset = _forms(request)
    draft = _draft(form, formset)
    return render(
        request,
        "orders/console/partials/order_total.html",
        {"form": form, "formset": formset, "draft": draft},
    )
