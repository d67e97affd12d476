"""The "Data & settings" pages of reports: targets, fee rates, packaging cost,
operating expenses, and the imported traffic and store ratings.

Reading needs VIEW_REPORTS; changing a setting needs MANAGE_SETTINGS as well.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reports import selectors, services
from reports.filters import StoreRatingFilter, TrafficFilter
from reports.forms import FeeRateForm, MonthlyTargetForm, OperatingExpenseForm, PackagingCostForm
from reports.models import MonthlyTarget, PackagingCost, ReportsError
from storeops.roles import Capability, capability_required, has_capability

PAGE_SIZE = 50


def _can_manage(request: HttpRequest) -> bool:
    return has_capability(request.user, Capability.MANAGE_SETTINGS)


def _require_manage(request: HttpRequest) -> None:
    if request.method == "POST" and not _can_manage(request):
        raise PermissionDenied


def _page(request: HttpRequest, rows) -> tuple:
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _apply_error(form, error: ReportsError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def settings_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/settings_home.html",
        {
            "can_manage": _can_manage(request),
            "can_import": has_capability(request.user, Capability.IMPORT_DATA),
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REPORTS)
def target_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = MonthlyTargetForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "preview" in request.POST:
                total, days = services.plan_daily_split(
                    month=data["month"],
                    amount=data["amount"],
                    split_method=data["split_method"],
                    weekday_weights=form.weekday_weights(),
                    daily_amounts=data["daily_amounts"],
                )
                preview = {"total": total, "days": sorted(days.items())}
            else:
                target, _created = services.save_monthly_target(
                    month=data["month"],
                    channel=data["channel"],
                    amount=data["amount"],
                    split_method=data["split_method"],
                    weekday_weights=form.weekday_weights(),
                    daily_amounts=data["daily_amounts"],
                    by=request.user,
                )
                messages.success(
                    request,
                    _("Target for %(month)s saved: %(amount)s.")
                    % {"month": f"{target.month:%Y-%m}", "amount": target.amount},
                )
                return redirect("reports:target-detail", pk=target.pk)
        except ReportsError as error:
            _apply_error(form, error)
    page, query = _page(request, selectors.monthly_targets())
    return render(
        request,
        "reports/target_list.html",
        {
            "form": form,
            "preview": preview,
            "page": page,
            "query": query,
            "can_manage": _can_manage(request),
        },
    )


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(MonthlyTarget.objects.select_related("channel", "updated_by"), pk=pk)
    return render(
        request,
        "reports/target_detail.html",
        {"target": target, "days": sorted(selectors.daily_targets_of(target).items())},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REPORTS)
def fee_rate_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = FeeRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate, _created = services.save_fee_rate(**form.cleaned_data, by=request.user)
        except ReportsError as error:
            _apply_error(form, error)
        else:
            messages.success(
                request,
                _("Fee rates of %(channel)s from %(day)s saved.")
                % {"channel": rate.channel, "day": rate.effective_from},
            )
            return redirect("reports:fee-rates")
    page, query = _page(request, selectors.fee_rates())
    return render(
        request,
        "reports/fee_rates.html",
        {"form": form, "page": page, "query": query, "can_manage": _can_manage(request)},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REPORTS)
def packaging_cost_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = PackagingCostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cost, _created = services.save_packaging_cost(**form.cleaned_data, by=request.user)
        except ReportsError as error:
            _apply_error(form, error)
        else:
            messages.success(
                request,
                _("Packaging cost from %(day)s saved.") % {"day": cost.effective_from},
            )
            return redirect("reports:packaging")
    page, query = _page(request, PackagingCost.objects.order_by("-effective_from"))
    return render(
        request,
        "reports/packaging.html",
        {"form": form, "page": page, "query": query, "can_manage": _can_manage(request)},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REPORTS)
def expense_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = OperatingExpenseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            expense, _created = services.save_operating_expense(
                **form.cleaned_data, by=request.user
            )
        except ReportsError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Expense “%(label)s” saved.") % {"label": expense.label})
            return redirect("reports:expenses")
    page, query = _page(request, selectors.operating_expenses())
    return render(
        request,
        "reports/expenses.html",
        {"form": form, "page": page, "query": query, "can_manage": _can_manage(request)},
    )


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def traffic_list(request: HttpRequest) -> HttpResponse:
    filterset = TrafficFilter(request.GET or None, queryset=selectors.traffic_rows())
    page, query = _page(request, filterset.qs)
    return render(
        request,
        "reports/traffic_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "can_import": has_capability(request.user, Capability.IMPORT_DATA),
        },
    )


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def rating_list(request: HttpRequest) -> HttpResponse:
    filterset = StoreRatingFilter(request.GET or None, queryset=selectors.rating_rows())
    page, query = _page(request, filterset.qs)
    return render(
        request,
        "reports/rating_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "can_import": has_capability(request.user, Capability.IMPORT_DATA),
        },
    )
