"""Forms of the promotion pages: filters, the editor, the quote preview, coupon batches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product, Variant
from customers.models import SalesChannel
from promotions.models import (
    AdChannel,
    CouponKind,
    Promotion,
    PromotionKind,
    PromotionScope,
    PromotionStatus,
)
from promotions.planning import FlashItemInput, PromotionRelations
from storeops import business_day
from storeops.money import DECIMAL_PLACES, MAX_DIGITS

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
PREVIEW_LINES = 3


class StoreDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read and shown in the store's time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(business_day.store_zone()).strftime(LOCAL_FORMAT)
        return value

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        naive = result.replace(tzinfo=None) if timezone.is_aware(result) else result
        return business_day.make_aware_local(naive)


def _money_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, min_value=0, **kwargs
    )


def _codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").replace("，", " ").split() if code]


def _variants(text: str, field: str) -> list[Variant]:
    codes = _codes(text)
    found = {variant.sku_code: variant for variant in Variant.objects.filter(sku_code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise forms.ValidationError(
            {field: _("Unknown SKU: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    return [found[code] for code in dict.fromkeys(codes)]


def _products(text: str, field: str) -> list[Product]:
    codes = _codes(text)
    found = {product.code: product for product in Product.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise forms.ValidationError(
            {field: _("Unknown product code: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    return [found[code] for code in dict.fromkeys(codes)]


def _amount(text: str) -> Decimal:
    value = Decimal(text.strip())
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise InvalidOperation
    return value


class PromotionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *PromotionStatus.choices],
    )
    q = forms.CharField(label=_("Name"), required=False, max_length=100)


class PromotionForm(forms.ModelForm):
    """The promotion editor; text boxes take tiers, flash prices and code lists."""

    starts_at = StoreDateTimeField(label=_("Starts at (store time)"))
    ends_at = StoreDateTimeField(label=_("Ends at (store time)"))
    tiers_text = forms.CharField(
        label=_("Tiers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Full reduction: one tier per line, threshold=amount off, e.g. 300=30."),
    )
    flash_text = forms.CharField(
        label=_("Flash prices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Flash price: one SKU per line, SKU=price or SKU=price@units per order, "
            "e.g. TEE-RED-M=59@2."
        ),
    )
    gift_sku = forms.CharField(label=_("Gift SKU"), required=False, max_length=64)
    product_codes = forms.CharField(
        label=_("Product codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("When it applies to products: codes separated by spaces or commas."),
    )
    sku_codes = forms.CharField(
        label=_("SKU codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("When it applies to SKUs: codes separated by spaces or commas."),
    )
    excluded_product_codes = forms.CharField(
        label=_("Excluded product codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    excluded_sku_codes = forms.CharField(
        label=_("Excluded SKU codes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Promotion
        fields = [
            "name",
            "description",
            "kind",
            "percent_off",
            "amount_off",
            "min_spend",
            "is_repeating",
            "buy_quantity",
            "free_quantity",
            "gift_quantity",
            "member_min_orders",
            "max_discount",
            "scope",
            "categories",
            "starts_at",
            "ends_at",
            "channels",
            "per_customer_limit",
            "total_usage_limit",
            "budget",
            "priority",
            "stacking",
            "is_active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "categories": forms.SelectMultiple(attrs={"size": 6}),
            "channels": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = Category.objects.order_by("name")
        self.fields["channels"].queryset = SalesChannel.objects.filter(is_active=True)
        promotion = self.instance
        if promotion.pk and not self.is_bound:
            self.initial["tiers_text"] = "\n".join(
                f"{tier.threshold}={tier.amount_off}" for tier in promotion.tiers.all()
            )
            self.initial["flash_text"] = "\n".join(
                f"{item.variant.sku_code}={item.price}"
                + (f"@{item.quantity_cap}" if item.quantity_cap is not None else "")
                for item in promotion.flash_items.select_related("variant")
            )
            self.initial["gift_sku"] = (
                promotion.gift_variant.sku_code if promotion.gift_variant else ""
            )
            self.initial["product_codes"] = " ".join(p.code for p in promotion.products.all())
            self.initial["sku_codes"] = " ".join(v.sku_code for v in promotion.variants.all())
            self.initial["excluded_product_codes"] = " ".join(
                p.code for p in promotion.excluded_products.all()
            )
            self.initial["excluded_sku_codes"] = " ".join(
                v.sku_code for v in promotion.excluded_variants.all()
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        relations = PromotionRelations()
        errors: dict[str, Any] = {}
        try:
            relations.tiers = self._tiers(data.get("tiers_text", ""))
        except forms.ValidationError as error:
            errors["tiers_text"] = error.messages
        try:
            relations.flash_items = self._flash(data.get("flash_text", ""))
        except forms.ValidationError as error:
            errors.update(getattr(error, "error_dict", {"flash_text": error.messages}))
        for name, reader, target in (
            ("product_codes", _products, "products"),
            ("sku_codes", _variants, "variants"),
            ("excluded_product_codes", _products, "excluded_products"),
            ("excluded_sku_codes", _variants, "excluded_variants"),
        ):
            try:
                setattr(relations, target, reader(data.get(name, ""), name))
            except forms.ValidationError as error:
                errors.update(error.error_dict)
        gift = None
        if data.get("gift_sku"):
            gift = Variant.objects.filter(sku_code=data["gift_sku"].strip()).first()
            if gift is None:
                errors["gift_sku"] = [_("Unknown SKU.")]
        self.instance.gift_variant = gift
        relations.categories = list(data.get("categories") or [])
        relations.channels = list(data.get("channels") or [])
        errors.update(self._rule_errors(kind, data, relations, gift))
        if errors:
            raise forms.ValidationError(errors)
        self.relations = relations
        return data

    @staticmethod
    def _rule_errors(
        kind: str | None, data: dict[str, Any], relations: PromotionRelations, gift: Any
    ) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        if (
            kind in (PromotionKind.PERCENT_OFF, PromotionKind.MEMBER_PRICE)
            and not (data.get("percent_off") or 0) > 0
        ):
            errors["percent_off"] = [_("Give a percentage above zero.")]
        if kind == PromotionKind.AMOUNT_OFF and not (data.get("amount_off") or 0) > 0:
            errors["amount_off"] = [_("Give an amount above zero.")]
        if kind == PromotionKind.FULL_REDUCTION and not relations.tiers:
            errors["tiers_text"] = [_("Give at least one tier.")]
        if kind == PromotionKind.BUY_N_GET_M and not (
            (data.get("buy_quantity") or 0) > 0 and (data.get("free_quantity") or 0) > 0
        ):
            errors["free_quantity"] = [_("Give how many to buy and how many are free.")]
        if kind == PromotionKind.GIFT and gift is None:
            errors["gift_sku"] = [_("Name the gift SKU.")]
        if kind == PromotionKind.FLASH_PRICE and not relations.flash_items:
            errors["flash_text"] = [_("List at least one SKU with its flash price.")]
        scope = data.get("scope")
        if scope == PromotionScope.CATEGORIES and not relations.categories:
            errors["categories"] = [_("Pick at least one category.")]
        if scope == PromotionScope.PRODUCTS and not relations.products:
            errors["product_codes"] = [_("List at least one product.")]
        if scope == PromotionScope.SKUS and not relations.variants:
            errors["sku_codes"] = [_("List at least one SKU.")]
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            errors["ends_at"] = [_("It must end after it starts.")]
        return errors

    @staticmethod
    def _tiers(text: str) -> list[tuple[Decimal, Decimal]]:
        tiers: dict[Decimal, Decimal] = {}
        for row in text.replace("；", "\n").replace(";", "\n").splitlines():
            row = row.strip()
            if not row:
                continue
            threshold_text, separator, amount_text = row.partition("=")
            try:
                threshold, amount = _amount(threshold_text), _amount(amount_text)
            except (InvalidOperation, ValueError):
                raise forms.ValidationError(
                    _("Cannot read the tier %(row)s; write threshold=amount off.") % {"row": row}
                ) from None
            if not separator or threshold <= 0 or amount <= 0 or amount > threshold:
                raise forms.ValidationError(
                    _("In %(row)s the amount off must be above zero and at most the threshold.")
                    % {"row": row}
                )
            if threshold in tiers:
                raise forms.ValidationError(
                    _("The threshold %(threshold)s appears twice.") % {"threshold": threshold}
                )
            tiers[threshold] = amount
        return sorted(tiers.items())

    @staticmethod
    def _flash(text: str) -> list[FlashItemInput]:
        rows = []
        for row in text.splitlines():
            row = row.strip()
            if not row:
                continue
            sku_code, separator, rest = row.partition("=")
            price_text, _at, cap_text = rest.partition("@")
            try:
                price = _amount(price_text)
                cap = int(cap_text) if cap_text.strip() else None
            except (InvalidOperation, ValueError):
                raise forms.ValidationError(
                    {"flash_text": _("Cannot read %(row)s; write SKU=price@units.") % {"row": row}}
                ) from None
            if not separator or (cap is not None and cap < 1):
                raise forms.ValidationError(
                    {"flash_text": _("Cannot read %(row)s; write SKU=price@units.") % {"row": row}}
                )
            rows.append((sku_code.strip(), price, cap))
        variants = {
            variant.sku_code: variant
            for variant in Variant.objects.filter(sku_code__in=[row[0] for row in rows])
        }
        unknown = [row[0] for row in rows if row[0] not in variants]
        if unknown:
            raise forms.ValidationError(
                {"flash_text": _("Unknown SKU: %(codes)s") % {"codes": ", ".join(unknown)}}
            )
        return [FlashItemInput(variants[code], price, cap) for code, price, cap in rows]

    def model_fields(self) -> dict[str, Any]:
        """The plain column values for ``save_promotion``."""
        names = [name for name in self.Meta.fields if name not in ("categories", "channels")]
        values = {name: self.cleaned_data[name] for name in names}
        values["gift_variant"] = self.instance.gift_variant
        return values


class QuotePreviewForm(forms.Form):
    """Up to three SKU lines and the buyer's context, for the live preview."""

    channel = forms.ModelChoiceField(
        label=_("Channel"),
        required=False,
        queryset=SalesChannel.objects.filter(is_active=True),
        empty_label=_("Any channel"),
        to_field_name="code",
    )
    coupon_code = forms.CharField(label=_("Coupon code"), required=False, max_length=32)
    at = StoreDateTimeField(label=_("Moment (store time)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, PREVIEW_LINES + 1):
            self.fields[f"sku_{number}"] = forms.CharField(
                label=_("SKU %(number)s") % {"number": number}, required=False, max_length=64
            )
            self.fields[f"quantity_{number}"] = forms.IntegerField(
                label=_("Quantity %(number)s") % {"number": number},
                required=False,
                min_value=1,
                max_value=9999,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lines = []
        for number in range(1, PREVIEW_LINES + 1):
            sku_code = (data.get(f"sku_{number}") or "").strip()
            if sku_code:
                lines.append((sku_code, data.get(f"quantity_{number}") or 1))
        if not lines:
            raise forms.ValidationError(_("Enter at least one SKU code to preview a quote."))
        data["lines"] = lines
        return data


class CouponBatchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CouponKind.choices)
    amount_off = _money_field(_("Amount off"), required=False)
    percent_off = forms.DecimalField(
        label=_("Percent off"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
    )
    min_spend = _money_field(_("Minimum spend"), initial=Decimal("0.00"))
    valid_from = StoreDateTimeField(label=_("Valid from (store time)"))
    valid_until = StoreDateTimeField(label=_("Valid until (store time)"))
    per_customer_limit = forms.IntegerField(label=_("Uses per customer"), min_value=1, initial=1)
    count = forms.IntegerField(label=_("Number of codes"), min_value=1, max_value=100_000)
    is_returnable = forms.BooleanField(
        label=_("Give the coupon back when the order is cancelled"), required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == CouponKind.AMOUNT and not (data.get("amount_off") or 0) > 0:
            self.add_error("amount_off", _("Give an amount above zero."))
        if data.get("kind") == CouponKind.PERCENT and not (data.get("percent_off") or 0) > 0:
            self.add_error("percent_off", _("Give a percentage above zero."))
        if (
            data.get("valid_from")
            and data.get("valid_until")
            and data["valid_until"] <= data["valid_from"]
        ):
            self.add_error("valid_until", _("It must end after it starts."))
        return data


# -- paid traffic ----------------------------------------------------------------------------

AD_DEFAULT_DAYS = 30
AD_MAX_DAYS = 366


class AdSpendRangeForm(forms.Form):
    """The ad spend page's filters: a day range (last 30 days by default) and a channel."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ModelChoiceField(
        label=_("Ad channel"),
        queryset=None,
        to_field_name="code",
        required=False,
        empty_label=_("All ad channels"),
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["channel"].queryset = AdChannel.objects.order_by("position", "code")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date_to = data.get("date_to") or self.today
        date_from = data.get("date_from") or date_to - dt.timedelta(days=AD_DEFAULT_DAYS - 1)
        if date_from > date_to:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (date_to - date_from).days >= AD_MAX_DAYS:
            raise forms.ValidationError(_("Choose a range of at most a year."))
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def range(self) -> tuple[dt.date, dt.date, Any]:
        """The valid range and channel, or the default range when the input is wrong."""
        if self.is_valid():
            data = self.cleaned_data
            return data["date_from"], data["date_to"], data.get("channel")
        return self.today - dt.timedelta(days=AD_DEFAULT_DAYS - 1), self.today, None


class AdBudgetForm(forms.Form):
    """Set one ad channel's budget for a month."""

    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    channel = forms.ModelChoiceField(label=_("Ad channel"), queryset=None, to_field_name="code")
    amount = forms.DecimalField(
        label=_("Budget"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, min_value=0
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = AdChannel.objects.filter(is_active=True).order_by(
            "position", "code"
        )

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)
