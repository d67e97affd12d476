"""Forms of the product, SKU and category pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product, ProductStatus, Variant, parse_options
from catalog.selectors.categories import category_paths
from catalog.services.prices import AdjustMode

IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp"]
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def _label_categories_by_path(field: forms.ModelChoiceField) -> None:
    paths = category_paths()
    field.label_from_instance = lambda category: paths.get(category.pk, category.name)


class ProductForm(forms.ModelForm):
    main_image = forms.FileField(
        label=_("Main image"),
        required=False,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS)],
        help_text=_("Upload a picture, or give its URL below."),
    )

    class Meta:
        model = Product
        fields = [
            "code",
            "title",
            "category",
            "brand",
            "season",
            "tags",
            "launch_date",
            "list_price",
            "description",
            "main_image",
            "main_image_url",
        ]
        widgets = {
            "tags": forms.CheckboxSelectMultiple,
            "launch_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _label_categories_by_path(self.fields["category"])

    def clean_main_image(self) -> Any:
        image = self.cleaned_data.get("main_image")
        if image and getattr(image, "size", 0) > MAX_IMAGE_BYTES:
            raise forms.ValidationError(_("The image is larger than 5 MB."), code="too_large")
        return image

    def product_fields(self) -> dict[str, Any]:
        """The cleaned columns for the product services (tags go separately)."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "tags"}
        if fields["main_image"] is False:  # "clear" was ticked
            fields["main_image"] = ""
        elif not fields["main_image"]:
            fields.pop("main_image")
        return fields


VARIANT_COLUMNS = (
    "sku_code",
    "barcode",
    "price",
    "cost_price",
    "weight_kg",
    "supplier",
    "supplier_item_code",
    "reorder_point",
    "safety_stock",
    "is_active",
)


class VariantForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("Options"),
        required=False,
        help_text=_("e.g. colour=red;size=M"),
    )

    class Meta:
        model = Variant
        fields = [
            "sku_code",
            "options_text",
            "barcode",
            "price",
            "cost_price",
            "weight_kg",
            "supplier",
            "supplier_item_code",
            "reorder_point",
            "safety_stock",
            "is_active",
        ]

    def __init__(self, *args: Any, with_costs: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["options_text"].initial = self.instance.options_text
        if not with_costs:
            # Customer service may not see costs, so it may not set them either.
            del self.fields["cost_price"]

    def clean_options_text(self) -> dict[str, str]:
        try:
            return parse_options(self.cleaned_data["options_text"])
        except ValueError as error:
            raise forms.ValidationError(
                _("Write options as name=value pairs separated by “;”, not “%(part)s”."),
                code="invalid_options",
                params={"part": str(error)},
            ) from error

    def _post_clean(self) -> None:
        if "options_text" in self.cleaned_data:
            self.instance.options = self.cleaned_data["options_text"]
        super()._post_clean()

    def variant_fields(self) -> dict[str, Any]:
        """The cleaned columns for the product services."""
        # Not Meta.fields: an inline formset appends its foreign key to that list.
        fields = {name: self.cleaned_data[name] for name in VARIANT_COLUMNS if name in self.fields}
        fields["options"] = self.cleaned_data["options_text"]
        return fields


class BaseVariantFormSet(BaseInlineFormSet):
    def __init__(self, *args: Any, with_costs: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("form_kwargs", {})["with_costs"] = with_costs
        super().__init__(*args, **kwargs)
        self.queryset = self.queryset.select_related("supplier").order_by("sku_code")


VariantFormSet = inlineformset_factory(
    Product, Variant, form=VariantForm, formset=BaseVariantFormSet, extra=1, can_delete=True
)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.ModelChoiceField(
        label=_("Parent"),
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label=_("(top level)"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _label_categories_by_path(self.fields["parent"])


class BulkAction:
    PUT_ON_SALE = "put_on_sale"
    TAKE_OFF_SALE = "take_off_sale"
    CHANGE_CATEGORY = "change_category"
    ADJUST_PRICE = "adjust_price"
    CHOICES = [
        (PUT_ON_SALE, _("Put on sale")),
        (TAKE_OFF_SALE, _("Take off sale")),
        (CHANGE_CATEGORY, _("Change category")),
        (ADJUST_PRICE, _("Adjust price")),
    ]
    STATUS = {PUT_ON_SALE: ProductStatus.ON_SALE, TAKE_OFF_SALE: ProductStatus.OFF_SALE}


class BulkActionForm(forms.Form):
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.order_by("code"),
        error_messages={"required": _("Select at least one product.")},
    )
    action = forms.ChoiceField(label=_("Action"), choices=BulkAction.CHOICES)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label=_("Choose a category"),
    )
    mode = forms.ChoiceField(
        label=_("Adjust"), choices=AdjustMode.choices, initial=AdjustMode.PERCENT, required=False
    )
    value = forms.DecimalField(
        label=_("By"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("-10 lowers prices by 10 % (or by 10.00); 5 raises them."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    fingerprint = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _label_categories_by_path(self.fields["category"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if action == BulkAction.CHANGE_CATEGORY and not data.get("category"):
            self.add_error("category", _("Choose the category to move the products to."))
        if action == BulkAction.ADJUST_PRICE:
            if not data.get("mode"):
                self.add_error("mode", _("Choose how to adjust the prices."))
            if data.get("value") in (None, 0):
                self.add_error("value", _("Give the adjustment, other than zero."))
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("Say why the prices change; it goes into the history."))
        return data


class SupplierForm(forms.ModelForm):
    class Meta:
        from catalog.models import Supplier

        model = Supplier
        fields = [
            "code",
            "name",
            "contact_name",
            "phone",
            "email",
            "address",
            "lead_time_days",
            "payment_terms",
            "min_order_amount",
            "contract_start",
            "contract_end",
            "is_active",
            "notes",
        ]
        widgets = {
            "contract_start": forms.DateInput(attrs={"type": "date"}),
            "contract_end": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("contract_start"), cleaned.get("contract_end")
        if start and end and end < start:
            self.add_error("contract_end", _("The contract cannot end before it starts."))
        return cleaned
