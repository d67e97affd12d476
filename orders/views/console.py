"""The order console: find an order while the buyer waits, and act on it in place.

Every action posts a small form; with htmx the order panel is answered and
swapped in place (no page reload), without it the browser is redirected back
to the order page. A refused action changes nothing and says why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders import selectors
from orders.forms import (
    NoteForm,
    OpenCaseForm,
    ReasonForm,
    RefundForm,
    ShipForm,
    ShippingCostForm,
)
from orders.models import AfterSalesCase, Order, Refund, RefundStatus
from orders.services import after_sales, lifecycle, refunds, review, shipping
from storeops.roles import Capability, capability_required, has_capability

QUEUE_PAGE_SIZE = 25


def _flag(user: Any) -> dict[str, bool]:
    return {
        "can_ship": has_capability(user, Capability.SHIP_ORDERS),
        "can_handle_cases": has_capability(user, Capability.HANDLE_AFTER_SALES),
        "can_see_costs": has_capability(user, Capability.VIEW_COSTS),
    }


@require_GET
@capability_required(Capability.USE_ORDER_CONSOLE)
def console(request: HttpRequest) -> HttpResponse:
    queues = selectors.console_queues(user=request.user)
    key = request.GET.get("queue", "awaiting")
    if key not in selectors.QUEUE_LABELS:
        key = "awaiting"
    page = Paginator(selectors.console_queue(key, user=request.user), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.get("q", "")
    return render(
        request,
        "orders/console/console.html",
        {
            "queues": queues,
            "queue_key": key,
            "queue_label": selectors.QUEUE_LABELS[key],
            "is_case_queue": key in selectors.CASE_QUEUES,
            "page": page,
            "query": query,
            "results": selectors.search_orders(query) if query else None,
            "page_query": f"queue={key}",
        },
    )


@require_GET
@capability_required(Capability.USE_ORDER_CONSOLE)
def search(request: HttpRequest) -> HttpResponse:
    """The live answer under the search box (htmx swaps it in while the agent types)."""
    query = request.GET.get("q", "")
    return render(
        request,
        "orders/console/partials/search_results.html",
        {"query": query, "results": selectors.search_orders(query) if query.strip() else None},
    )


def _read_choices_once(field: Any) -> None:
    """Let a model choice field of a form that is only shown read its rows once, lazily.

    Left to itself it reads them each time they are listed, twice per rendering
    (once to decide on ``required``), through a server-side cursor on PostgreSQL.
    """
    key = field.to_field_name or "pk"
    field.choices = functools.cache(
        lambda: [
            (getattr(row, key), field.label_from_instance(row)) for row in field.queryset.all()
        ]
    )


def _case_form(order: Order) -> OpenCaseForm:
    """The open-case form of the order page; its lines come from the prefetched ones."""
    form = OpenCaseForm(order=order)
    _read_choices_once(form.fields["reason"])
    line = form.fields["line"]
    line.choices = [
        ("", line.empty_label),
        *((row.pk, line.label_from_instance(row)) for row in order.lines.all()),
    ]
    return form


def _order_context(request: HttpRequest, order: Order) -> dict[str, Any]:
    pending = [
        refund for refund in order.refunds.all() if refund.status == RefundStatus.AWAITING_APPROVAL
    ]
    ship_form = ShipForm()
    _read_choices_once(ship_form.fields["carrier"])
    return {
        "order": order,
        "history": selectors.other_orders_of_customer(order),
        "pending_refunds": pending,
        "ship_form": ship_form,
        "note_form": NoteForm(),
        "case_form": _case_form(order),
        **_flag(request.user),
    }


def _load(pk: int) -> Order:
    try:
        return selectors.order_detail(pk)
    except Order.DoesNotExist:
        raise Http404 from None


@require_GET
@capability_required(Capability.USE_ORDER_CONSOLE)
def order_page(request: HttpRequest, pk: int) -> HttpResponse:
    order = _load(pk)
    return render(request, "orders/console/order.html", _order_context(request, order))


def _answer(request: HttpRequest, pk: int, *, status: int = 200) -> HttpResponse:
    """The order panel for htmx, a redirect to the order page otherwise."""
    if not request.headers.get("HX-Request"):
        return redirect("orders:console-order", pk=pk)
    order = _load(pk)
    context = {**_order_context(request, order), "panel_messages": True}
    return render(request, "orders/console/partials/order_panel.html", context, status=status)


def _refused(request: HttpRequest, pk: int, problem: Any) -> HttpResponse:
    if isinstance(problem, ValidationError):
        text = " ".join(str(message) for message in problem.messages)
    else:  # a form's errors
        text = " ".join(f"{message}" for messages_ in problem.values() for message in messages_)
    messages.error(request, text)
    # 200 so htmx swaps the panel in with the message; nothing was changed.
    return _answer(request, pk)


Action = Callable[[HttpRequest, Order], str]


def _note(request: HttpRequest, order: Order) -> str:
    form = NoteForm(request.POST)
    if not form.is_valid():
        raise _FormInvalid(form.errors)
    lifecycle.add_note(order=order, by=request.user, message=form.cleaned_data["message"])
    return _("Note added.")


def _assign_to_me(request: HttpRequest, order: Order) -> str:
    lifecycle.assign_order(order=order, agent=request.user, by=request.user)
    return _("The order is assigned to you.")


def _ship(request: HttpRequest, order: Order) -> str:
    if not has_capability(request.user, Capability.SHIP_ORDERS):
        raise PermissionDenied
    form = ShipForm(request.POST)
    if not form.is_valid():
        raise _FormInvalid(form.errors)
    shipment = shipping.ship_order(
        order=order,
        carrier=form.cleaned_data["carrier"],
        tracking_number=form.cleaned_data["tracking_number"],
        by=request.user,
    )
    return _("Shipped with %(carrier)s %(tracking)s.") % {
        "carrier": shipment.carrier.name,
        "tracking": shipment.tracking_number,
    }


def _shipping_cost(request: HttpRequest, order: Order) -> str:
    """Type in what the carrier charges for one of the order's parcels."""
    if not (
        has_capability(request.user, Capability.SHIP_ORDERS)
        and has_capability(request.user, Capability.VIEW_COSTS)
    ):
        raise PermissionDenied
    form = ShippingCostForm(request.POST, order=order)
    if not form.is_valid():
        raise _FormInvalid(form.errors)
    shipment = form.cleaned_data["shipment"]
    changed = shipping.set_shipping_cost(
        shipment=shipment,
        cost=form.cleaned_data["cost"],
        by=request.user,
        why=_("entered in the console"),
    )
    if not changed:
        return _("The shipping cost of %(tracking)s was already %(cost)s.") % {
            "tracking": shipment.tracking_number,
            "cost": form.cleaned_data["cost"],
        }
    return _("Shipping cost of %(tracking)s set to %(cost)s.") % {
        "tracking": shipment.tracking_number,
        "cost": form.cleaned_data["cost"],
    }


def _cancel(request: HttpRequest, order: Order) -> str:
    if not has_capability(request.user, Capability.HANDLE_AFTER_SALES):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise _FormInvalid(form.errors)
    lifecycle.cancel_order(order=order, by=request.user, reason=form.cleaned_data["reason"])
    return _("The order is cancelled and its stock released.")


def _approve_review(request: HttpRequest, order: Order) -> str:
    review.approve_order(order=order, by=request.user, note=request.POST.get("note", ""))
    return _("The order is released to the warehouse.")


def _hold(request: HttpRequest, order: Order) -> str:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise _FormInvalid(form.errors)
    review.hold_order(order=order, by=request.user, reason=form.cleaned_data["reason"])
    return _("The order is on hold.")


def _open_case(request: HttpRequest, order: Order) -> str:
    if not has_capability(request.user, Capability.HANDLE_AFTER_SALES):
        raise PermissionDenied
    form = OpenCaseForm(request.POST, order=order)
    if not form.is_valid():
        raise _FormInvalid(form.errors)
    data = form.cleaned_data
    lines = [(data["line"], data["quantity"])] if data["line"] else []
    case = after_sales.open_case(
        order=order,
        kind=data["kind"],
        reason=data["reason"],
        by=request.user,
        lines=lines,
        requested_amount=data["amount"],
        description=data["description"],
        assigned_agent=request.user,
    )
    return _("After-sales case #%(number)d opened.") % {"number": case.pk}


class _FormInvalid(Exception):
    def __init__(self, errors: Any) -> None:
        super().__init__(errors)
        self.errors = errors


ORDER_ACTIONS: dict[str, Action] = {
    "note": _note,
    "assign": _assign_to_me,
    "ship": _ship,
    "shipping-cost": _shipping_cost,
    "cancel": _cancel,
    "approve": _approve_review,
    "hold": _hold,
    "open-case": _open_case,
}


def _run(request: HttpRequest, pk: int, action: Callable[[], str]) -> HttpResponse:
    try:
        text = action()
    except _FormInvalid as invalid:
        return _refused(request, pk, invalid.errors)
    except ValidationError as error:
        return _refused(request, pk, error)
    messages.success(request, text)
    return _answer(request, pk)


@require_POST
@capability_required(Capability.USE_ORDER_CONSOLE)
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    handler = ORDER_ACTIONS.get(action)
    if handler is None:
        raise Http404
    order = get_object_or_404(Order, pk=pk)
    return _run(request, pk, lambda: handler(request, order))


# --- After-sales cases --------------------------------------------------------


def _case_approve(request: HttpRequest, case: AfterSalesCase) -> str:
    after_sales.approve_case(case=case, by=request.user, note=request.POST.get("note", ""))
    return _("Case approved.")


def _case_reject(request: HttpRequest, case: AfterSalesCase) -> str:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise _FormInvalid(form.errors)
    after_sales.reject_case(case=case, by=request.user, reason=form.cleaned_data["reason"])
    return _("Case rejected.")


def _case_await_return(request: HttpRequest, case: AfterSalesCase) -> str:
    after_sales.mark_awaiting_return(
        case=case,
        by=request.user,
        return_carrier=request.POST.get("return_carrier", "")[:50],
        return_tracking_number=request.POST.get("return_tracking_number", "")[:64],
    )
    return _("Waiting for the buyer's return parcel.")


def _case_receive(request: HttpRequest, case: AfterSalesCase) -> str:
    damaged: dict[int, int] = {}
    for case_line in case.lines.all():
        raw = request.POST.get(f"damaged_{case_line.line_id}", "").strip() or "0"
        if not raw.isdigit() or int(raw) > case_line.quantity:
            raise _FormInvalid(
                {
                    "damaged": [
                        _("Damaged units must be a whole number from 0 to %(count)d.")
                        % {"count": case_line.quantity}
                    ]
                }
            )
        if int(raw):
            damaged[case_line.line_id] = int(raw)
    after_sales.receive_return(case=case, by=request.user, damaged=damaged)
    return _("Return received; sellable units are back in stock.")


def _case_refund(request: HttpRequest, case: AfterSalesCase) -> str:
    form = RefundForm(request.POST)
    if not form.is_valid():
        raise _FormInvalid(form.errors)
    refund = after_sales.refund_case(case=case, by=request.user, amount=form.cleaned_data["amount"])
    if refund.status == RefundStatus.AWAITING_APPROVAL:
        return _("The refund of %(amount)s is above your limit and waits for a manager.") % {
            "amount": refund.amount
        }
    return _("Refunded %(amount)s.") % {"amount": refund.amount}


def _case_replace(request: HttpRequest, case: AfterSalesCase) -> str:
    replacement = after_sales.create_replacement_order(case=case, by=request.user)
    return _("Replacement order %(number)s created.") % {"number": replacement.order_no}


def _case_close(request: HttpRequest, case: AfterSalesCase) -> str:
    after_sales.close_case(case=case, by=request.user, note=request.POST.get("note", ""))
    return _("Case closed.")


CASE_ACTIONS: dict[str, Callable[[HttpRequest, AfterSalesCase], str]] = {
    "approve": _case_approve,
    "reject": _case_reject,
    "await-return": _case_await_return,
    "receive": _case_receive,
    "refund": _case_refund,
    "replace": _case_replace,
    "close": _case_close,
}


@require_POST
@capability_required(Capability.USE_ORDER_CONSOLE, Capability.HANDLE_AFTER_SALES)
def case_action(request: HttpRequest, pk: int, case_pk: int, action: str) -> HttpResponse:
    handler = CASE_ACTIONS.get(action)
    if handler is None:
        raise Http404
    case = get_object_or_404(
        AfterSalesCase.objects.prefetch_related(Prefetch("lines")), pk=case_pk, order_id=pk
    )
    return _run(request, pk, lambda: handler(request, case))


@require_POST
@capability_required(Capability.USE_ORDER_CONSOLE, Capability.HANDLE_AFTER_SALES)
def refund_decision(request: HttpRequest, pk: int, refund_pk: int, decision: str) -> HttpResponse:
    refund = get_object_or_404(Refund, pk=refund_pk, order_id=pk)
    if decision == "approve":
        return _run(
            request,
            pk,
            lambda: (
                refunds.approve_refund(refund=refund, by=request.user) and _("Refund approved.")
            ),
        )
    if decision == "reject":
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return _refused(request, pk, form.errors)
        return _run(
            request,
            pk,
            lambda: (
                refunds.reject_refund(
                    refund=refund, by=request.user, reason=form.cleaned_data["reason"]
                )
                and _("Refund rejected.")
            ),
        )
    raise Http404
