"""Promotion pages: the promotion list and editor with a live quote preview, coupon batches.

Every page needs MANAGE_PROMOTIONS. Views parse input, call a service or a
selector, and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from promotions import selectors, services
from promotions.errors import PromotionError
from promotions.forms import (
    PREVIEW_LINES,
    CouponBatchForm,
    PromotionFilterForm,
    PromotionForm,
    QuotePreviewForm,
)
from promotions.models import CouponBatch, Promotion
from promotions.planning import save_promotion
from storeops.exports import csv_response
from storeops.roles import Capability, capability_required

PAGE_SIZE = 50


class _Rollback(Exception):
    """Raised to undo the draft saved for a preview."""


# -- promotions ------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.MANAGE_PROMOTIONS)
def promotion_list(request: HttpRequest) -> HttpResponse:
    form = PromotionFilterForm(request.GET or None)
    status, search = "", ""
    if form.is_valid():
        status = form.cleaned_data["status"]
        search = form.cleaned_data["q"]
    now = timezone.now()
    page = Paginator(
        selectors.promotions(status=status, search=search, at=now), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "promotions/promotion_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "now": now},
    )


def _preview_form() -> QuotePreviewForm:
    return QuotePreviewForm(prefix="preview")


def _form_page(
    request: HttpRequest, *, promotion: Promotion | None, form: PromotionForm, status: int = 200
) -> HttpResponse:
    preview = _preview_form()
    rows = [
        (preview[f"sku_{number}"], preview[f"quantity_{number}"])
        for number in range(1, PREVIEW_LINES + 1)
    ]
    return render(
        request,
        "promotions/promotion_form.html",
        {"promotion": promotion, "form": form, "preview_form": preview, "preview_rows": rows},
        status=status,
    )


def _save(request: HttpRequest, form: PromotionForm, promotion: Promotion | None) -> Promotion:
    return save_promotion(
        promotion=promotion, fields=form.model_fields(), relations=form.relations, by=request.user
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_PROMOTIONS)
def promotion_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, promotion=None, form=PromotionForm())
    form = PromotionForm(request.POST)
    if form.is_valid():
        try:
            promotion = _save(request, form, None)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Promotion %(name)s saved.") % {"name": promotion.name})
            return redirect("promotions:promotion-list")
    return _form_page(request, promotion=None, form=form, status=400)


def _get_promotion(pk: int) -> Promotion:
    promotion = Promotion.objects.select_related("gift_variant").filter(pk=pk).first()
    if promotion is None:
        raise Http404(_("No such promotion."))
    return promotion


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_PROMOTIONS)
def promotion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    promotion = _get_promotion(pk)
    if request.method == "GET":
        return _form_page(request, promotion=promotion, form=PromotionForm(instance=promotion))
    form = PromotionForm(request.POST, instance=promotion)
    if form.is_valid():
        try:
            _save(request, form, promotion)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Promotion %(name)s saved.") % {"name": promotion.name})
            return redirect("promotions:promotion-list")
    return _form_page(request, promotion=promotion, form=form, status=400)


@require_POST
@capability_required(Capability.MANAGE_PROMOTIONS)
def quote_preview(request: HttpRequest) -> HttpResponse:
    """The htmx preview: the quote as it would be with the promotion on the form saved.

    The draft is saved inside a transaction that is always rolled back, so the
    engine sees it exactly as it would be stored and nothing is kept. Without
    a moment, an upcoming promotion is previewed at its start.
    """
    preview = QuotePreviewForm(request.POST, prefix="preview")
    pk = request.POST.get("promotion")
    promotion = _get_promotion(int(pk)) if pk and pk.isdigit() else None
    form = PromotionForm(request.POST, instance=promotion)
    context: dict[str, Any] = {"preview": preview, "form": form}
    if not preview.is_valid():
        return render(request, "promotions/partials/quote_preview.html", context)
    with_draft = form.is_valid()
    at = preview.cleaned_data.get("at")
    if at is None:
        at = timezone.now()
        if with_draft and form.cleaned_data["starts_at"] > at:
            at = form.cleaned_data["starts_at"]
    try:
        with transaction.atomic():
            if with_draft:
                _save(request, form, promotion)
            context["quote"] = services.quote(
                preview.cleaned_data["lines"],
                channel=preview.cleaned_data.get("channel"),
                coupon_codes=[preview.cleaned_data.get("coupon_code") or ""],
                at=at,
            )
            raise _Rollback
    except _Rollback:
        pass
    except ValidationError as error:
        context["error"] = str(error) if isinstance(error, PromotionError) else error.messages
    context["with_draft"] = with_draft
    return render(request, "promotions/partials/quote_preview.html", context)


# -- coupon batches --------------------------------------------------------------------------


@require_GET
@capability_required(Capability.MANAGE_PROMOTIONS)
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.coupon_batches(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "promotions/batch_list.html", {"page": page, "query": ""})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_PROMOTIONS)
def batch_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "promotions/batch_form.html", {"form": CouponBatchForm()})
    form = CouponBatchForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.generate_coupon_batch(
                name=data["name"],
                kind=data["kind"],
                amount_off=data.get("amount_off") or 0,
                percent_off=data.get("percent_off") or 0,
                min_spend=data["min_spend"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                per_customer_limit=data["per_customer_limit"],
                count=data["count"],
                is_returnable=data["is_returnable"],
                by=request.user,
            )
        except PromotionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(count)s codes generated for %(name)s.")
                % {"count": batch.count, "name": batch.name},
            )
            return redirect("promotions:batch-list")
    return render(request, "promotions/batch_form.html", {"form": form}, status=400)


@require_GET
@capability_required(Capability.MANAGE_PROMOTIONS)
def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    batch = CouponBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise Http404(_("No such coupon batch."))
    headers = [_("Code"), _("Status"), _("Batch"), _("Valid from"), _("Valid until")]

    def rows() -> Any:
        for coupon in batch.coupons.order_by("code").iterator(chunk_size=2000):
            yield [
                coupon.code,
                coupon.get_status_display(),
                batch.name,
                batch.valid_from,
                batch.valid_until,
            ]

    return csv_response(f"coupons-{batch.pk}.csv", headers, rows())
