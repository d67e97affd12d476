"""Product pages: the list with bulk actions, a product with its SKUs, edit forms
and a SKU's price history. Viewing needs VIEW_CATALOG, changing CHANGE_CATALOG;
costs and margins show only with VIEW_COSTS."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.filters import ProductFilter
from catalog.forms import BulkAction, BulkActionForm, ProductForm, VariantForm, VariantFormSet
from catalog.models import CatalogError, Product, ProductStatus, Variant
from catalog.selectors import products as selectors
from catalog.services import prices
from catalog.services import products as services
from storeops.roles import Capability, capability_required, has_capability

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50


def _can(request: HttpRequest, capability: Capability) -> bool:
    return has_capability(request.user, capability)


def _list_query(raw: str) -> str:
    """A list page query string, re-encoded so that only parameters pass through."""
    query = QueryDict(raw.lstrip("?"), mutable=True)
    query.pop("page", None)
    return query.urlencode()


@require_GET
@capability_required(Capability.VIEW_CATALOG)
def product_list(request: HttpRequest) -> HttpResponse:
    with_costs = _can(request, Capability.VIEW_COSTS)
    filterset = ProductFilter(
        request.GET or None, queryset=selectors.products(with_costs=with_costs)
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    paths = filterset.category_paths
    rows = list(page.object_list)
    for product in rows:
        product.category_path = paths.get(product.category_id, product.category.name)
    page.object_list = rows
    return render(
        request,
        "catalog/product_list.html",
        {
            "filter": filterset,
            "page": page,
            "with_costs": with_costs,
            "can_change": _can(request, Capability.CHANGE_CATALOG),
            "category_choices": sorted(paths.items(), key=lambda item: item[1]),
            "bulk_actions": BulkAction.CHOICES,
            "adjust_modes": prices.AdjustMode.choices,
            "query": _list_query(request.GET.urlencode()),
        },
    )


def _go_back(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect; an htmx request is told to load the page itself instead of swapping it in."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _preview_fingerprint(rows: list[prices.PricePreviewRow], *, mode: str, value: Any) -> str:
    """Changes when any SKU's price moved since the preview was shown."""
    text = f"{mode}|{value}|" + ";".join(
        f"{row.variant.pk}:{row.old_price}:{row.new_price}" for row in rows
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@require_POST
@capability_required(Capability.CHANGE_CATALOG)
def product_bulk(request: HttpRequest) -> HttpResponse:
    """Apply a bulk action to the selected products; price changes are previewed first."""
    form = BulkActionForm(request.POST)
    query = _list_query(request.POST.get("query", ""))
    back = reverse("catalog:product-list") + (f"?{query}" if query else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _go_back(request, back)
    data = form.cleaned_data
    chosen = list(data["products"])
    action = data["action"]
    try:
        if action in BulkAction.STATUS:
            changed = services.change_status(
                products=chosen, status=BulkAction.STATUS[action], by=request.user
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s product changed status.",
                    "%(count)s products changed status.",
                    len(changed),
                )
                % {"count": len(changed)},
            )
        elif action == BulkAction.CHANGE_CATEGORY:
            moved = services.change_category(
                products=chosen, category=data["category"], by=request.user
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s product moved to %(category)s.",
                    "%(count)s products moved to %(category)s.",
                    len(moved),
                )
                % {"count": len(moved), "category": data["category"].name},
            )
        else:
            return _adjust_prices(request, form=form, chosen=chosen, back=back, query=query)
    except CatalogError as error:
        messages.error(request, str(error))
    return _go_back(request, back)


def _adjust_prices(
    request: HttpRequest,
    *,
    form: BulkActionForm,
    chosen: list[Product],
    back: str,
    query: str,
) -> HttpResponse:
    data = form.cleaned_data
    variants = selectors.variants_of_products(chosen)
    rows = prices.preview_price_adjustment(
        variants=variants, mode=data["mode"], value=data["value"]
    )
    fingerprint = _preview_fingerprint(rows, mode=data["mode"], value=data["value"])
    if data["confirm"] and data["fingerprint"] == fingerprint:
        changes = prices.adjust_prices(
            variants=variants,
            mode=data["mode"],
            value=data["value"],
            by=request.user,
            reason=data["reason"],
        )
        messages.success(
            request,
            ngettext(
                "The price of %(count)s SKU changed.",
                "The prices of %(count)s SKUs changed.",
                len(changes),
            )
            % {"count": len(changes)},
        )
        return _go_back(request, back)
    context = {
        "rows": rows,
        "form": form,
        "chosen": chosen,
        "fingerprint": fingerprint,
        "is_stale": bool(data["confirm"]),
        "changed_count": sum(row.is_changed for row in rows),
        "query": query,
    }
    template = (
        "catalog/partials/price_preview.html"
        if request.headers.get("HX-Request")
        else "catalog/price_preview.html"
    )
    return render(request, template, context)


@require_GET
@capability_required(Capability.VIEW_CATALOG)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        product = selectors.product_detail(pk)
    except Product.DoesNotExist as error:
        raise Http404(_("No such product.")) from error
    with_costs = _can(request, Capability.VIEW_COSTS)
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "variants": selectors.variants_for_product(product, with_costs=with_costs),
            "with_costs": with_costs,
            "can_change": _can(request, Capability.CHANGE_CATALOG),
            "statuses": ProductStatus.choices,
        },
    )


@require_POST
@capability_required(Capability.CHANGE_CATALOG)
def product_status(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    status = request.POST.get("status", "")
    try:
        if services.change_status(products=[product], status=status, by=request.user):
            messages.success(
                request,
                _("%(code)s is now %(status)s.")
                % {"code": product.code, "status": ProductStatus(status).label},
            )
    except CatalogError as error:
        messages.error(request, str(error))
    return redirect("catalog:product-detail", pk=product.pk)


@require_POST
@capability_required(Capability.CHANGE_CATALOG)
def product_delete(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    try:
        services.delete_product(product=product, by=request.user)
    except CatalogError as error:
        messages.error(request, str(error))
        return redirect("catalog:product-detail", pk=product.pk)
    messages.success(request, _("Product %(code)s was deleted.") % {"code": product.code})
    return redirect("catalog:product-list")


def _variant_changes(formset: VariantFormSet) -> list[services.VariantChange]:
    changes = []
    for form in formset.forms:
        instance = form.instance if form.instance.pk else None
        if form in formset.deleted_forms:
            if instance is not None:
                changes.append(services.VariantChange(instance, delete=True))
            continue
        if instance is None and not form.has_changed():
            continue  # the blank extra row
        if instance is not None and not form.has_changed():
            continue
        changes.append(services.VariantChange(instance, form.variant_fields()))
    return changes


@require_http_methods(["GET", "POST"])
@capability_required(Capability.CHANGE_CATALOG)
def product_create(request: HttpRequest) -> HttpResponse:
    with_costs = _can(request, Capability.VIEW_COSTS)
    form = ProductForm(request.POST or None, request.FILES or None)
    formset = VariantFormSet(
        request.POST or None, instance=Product(), prefix="variants", with_costs=with_costs
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            product = services.create_product(
                fields=form.product_fields(),
                tags=form.cleaned_data["tags"],
                variants=[change.fields for change in _variant_changes(formset)],
                by=request.user,
            )
        except CatalogError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Product %(code)s was created.") % {"code": product.code})
            return redirect("catalog:product-detail", pk=product.pk)
    return render(
        request,
        "catalog/product_form.html",
        {"form": form, "formset": formset, "product": None, "with_costs": with_costs},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.CHANGE_CATALOG)
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("category"), pk=pk)
    with_costs = _can(request, Capability.VIEW_COSTS)
    form = ProductForm(request.POST or None, request.FILES or None, instance=product)
    formset = VariantFormSet(
        request.POST or None, instance=product, prefix="variants", with_costs=with_costs
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.update_product(
                product=Product.objects.get(pk=product.pk),
                fields=form.product_fields(),
                tags=form.cleaned_data["tags"],
                variant_changes=_variant_changes(formset),
                by=request.user,
                reason=_("Edited on the product page"),
            )
        except CatalogError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Product %(code)s was saved.") % {"code": product.code})
            return redirect("catalog:product-detail", pk=product.pk)
    return render(
        request,
        "catalog/product_form.html",
        {"form": form, "formset": formset, "product": product, "with_costs": with_costs},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.CHANGE_CATALOG)
def variant_add(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    with_costs = _can(request, Capability.VIEW_COSTS)
    form = VariantForm(
        request.POST or None, instance=Variant(product=product), with_costs=with_costs
    )
    if request.method == "POST" and form.is_valid():
        try:
            variant = services.create_variant(
                product=product, fields=form.variant_fields(), by=request.user
            )
        except CatalogError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("SKU %(sku)s was added.") % {"sku": variant.sku_code})
            return redirect("catalog:product-detail", pk=product.pk)
    return render(
        request,
        "catalog/variant_form.html",
        {"form": form, "product": product, "with_costs": with_costs},
    )


@require_GET
@capability_required(Capability.VIEW_CATALOG)
def variant_history(request: HttpRequest, sku_code: str) -> HttpResponse:
    variant = get_object_or_404(Variant.objects.select_related("product"), sku_code=sku_code)
    with_costs = _can(request, Capability.VIEW_COSTS)
    history = selectors.price_history(variant, with_costs=with_costs)
    page = Paginator(history, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/variant_history.html",
        {"variant": variant, "page": page, "with_costs": with_costs, "query": ""},
    )
