"""Supplier pages: list with search, one supplier with its SKUs and change
history, create and edit. All need MANAGE_INVENTORY (purchasing works with them)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from catalog.filters import SupplierFilter
from catalog.forms import SupplierForm
from catalog.models import CatalogError, Supplier
from catalog.services import suppliers as services
from storeops.roles import Capability, capability_required, has_capability

PAGE_SIZE = 50


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def supplier_list(request: HttpRequest) -> HttpResponse:
    queryset = Supplier.objects.annotate(sku_count=Count("variants", distinct=True))
    filterset = SupplierFilter(request.GET or None, queryset=queryset.order_by("code"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/supplier_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_import": has_capability(request.user, Capability.IMPORT_DATA),
        },
    )


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=pk)
    variants = supplier.variants.select_related("product").order_by("sku_code")[:200]
    history = supplier.history.select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "catalog/supplier_detail.html",
        {
            "supplier": supplier,
            "variants": variants,
            "history": history,
            "with_costs": has_capability(request.user, Capability.VIEW_COSTS),
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_INVENTORY)
def supplier_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=pk) if pk else None
    form = SupplierForm(request.POST or None, instance=supplier)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_supplier(form.cleaned_data, by=request.user, supplier=supplier)
        except CatalogError as error:
            form.add_error(error.details.get("field"), str(error))
        else:
            messages.success(request, _("Supplier %(code)s saved.") % {"code": saved.code})
            return redirect("catalog:supplier-detail", pk=saved.pk)
    return render(request, "catalog/supplier_form.html", {"form": form, "supplier": supplier})
