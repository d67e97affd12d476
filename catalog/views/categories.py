"""The category tree page: every category with its product counts; add, rename,
move and delete for CHANGE_CATALOG holders."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.forms import CategoryForm
from catalog.models import CatalogError, Category
from catalog.selectors.categories import category_tree
from catalog.services import categories as services
from storeops.roles import Capability, capability_required, has_capability


@require_GET
@capability_required(Capability.VIEW_CATALOG)
def category_list(request: HttpRequest) -> HttpResponse:
    can_change = has_capability(request.user, Capability.CHANGE_CATALOG)
    return render(
        request,
        "catalog/category_list.html",
        {
            "nodes": category_tree(),
            "can_change": can_change,
            "form": CategoryForm(prefix="new") if can_change else None,
        },
    )


@require_POST
@capability_required(Capability.CHANGE_CATALOG)
def category_create(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            category = services.create_category(
                name=form.cleaned_data["name"], parent=form.cleaned_data["parent"]
            )
        except CatalogError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Category %(name)s was added.") % {"name": category.name})
            return redirect("catalog:category-list")
    return render(
        request,
        "catalog/category_list.html",
        {"nodes": category_tree(), "can_change": True, "form": form},
        status=400,
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.CHANGE_CATALOG)
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    form = CategoryForm(
        request.POST or None, initial={"name": category.name, "parent": category.parent_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_category(
                category=category,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
            )
        except CatalogError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Category %(name)s was saved.") % {"name": category.name})
            return redirect("catalog:category-list")
    return render(request, "catalog/category_form.html", {"form": form, "category": category})


@require_POST
@capability_required(Capability.CHANGE_CATALOG)
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    try:
        services.delete_category(category=category)
    except CatalogError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Category %(name)s was deleted.") % {"name": category.name})
    return redirect("catalog:category-list")
