"""Forms of the rate cards page: one card of a carrier, and the cost calculator."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import Carrier, RateCard

# The spelling marketplace exports give an order's province: a card's province
# must match it exactly, so the page suggests these (typing another is allowed).
PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省",
    "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省",
    "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省",
    "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区",
    "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区",
)  # fmt: skip

WEIGHT_FIELD = {"max_digits": 8, "decimal_places": 3}
PRICE_FIELD = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}


def _positive_weight(value: Decimal | None) -> Decimal | None:
    if value is not None and value <= 0:
        raise forms.ValidationError(_("A weight must be above 0 kg."), code="invalid_weight")
    return value


class RateCardForm(forms.Form):
    """A carrier's default card (empty province) or its card for one province.

    On an existing card the carrier is fixed: a card moves to another carrier
    by deleting it and adding a new one.
    """

    carrier = forms.ModelChoiceField(
        label=_("Carrier"), queryset=Carrier.objects.filter(is_active=True), empty_label=None
    )
    province = forms.CharField(
        label=_("Province"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"list": "provinces", "autocomplete": "off"}),
        help_text=_(
            "Leave empty for the carrier's default card. Spell the province as orders "
            "do (浙江省, not 浙江)."
        ),
    )
    first_weight_kg = forms.DecimalField(
        label=_("First weight (kg)"), initial=Decimal("1.000"), **WEIGHT_FIELD
    )
    first_price = forms.DecimalField(label=_("First weight price"), **PRICE_FIELD)
    additional_weight_kg = forms.DecimalField(
        label=_("Additional weight step (kg)"),
        initial=Decimal("1.000"),
        help_text=_("Each started step above the first weight costs the price below."),
        **WEIGHT_FIELD,
    )
    additional_price = forms.DecimalField(
        label=_("Price per additional step"), initial=Decimal("0.00"), **PRICE_FIELD
    )

    def __init__(self, *args: Any, card: RateCard | None = None, **kwargs: Any) -> None:
        self.card = card
        if card is not None:
            kwargs.setdefault(
                "initial",
                {
                    "carrier": card.carrier_id,
                    "province": card.province,
                    "first_weight_kg": card.first_weight_kg,
                    "first_price": card.first_price,
                    "additional_weight_kg": card.additional_weight_kg,
                    "additional_price": card.additional_price,
                },
            )
        super().__init__(*args, **kwargs)
        if card is not None:
            self.fields["carrier"].disabled = True
            self.fields["carrier"].queryset = Carrier.objects.filter(pk=card.carrier_id)

    def clean_province(self) -> str:
        return self.cleaned_data["province"].strip()

    def clean_first_weight_kg(self) -> Decimal | None:
        return _positive_weight(self.cleaned_data.get("first_weight_kg"))

    def clean_additional_weight_kg(self) -> Decimal | None:
        return _positive_weight(self.cleaned_data.get("additional_weight_kg"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        carrier = cleaned.get("carrier")
        province = cleaned.get("province")
        if carrier is None or province is None:
            return cleaned
        taken = RateCard.objects.filter(carrier=carrier, province=province)
        if self.card is not None:
            taken = taken.exclude(pk=self.card.pk)
        if taken.exists():
            message = (
                _("%(carrier)s already has a card for %(province)s: edit that one instead.")
                if province
                else _("%(carrier)s already has a default card: edit that one instead.")
            )
            self.add_error(
                "province",
                forms.ValidationError(
                    message,
                    code="rate_card_exists",
                    params={"carrier": carrier.name, "province": province},
                ),
            )
        return cleaned

    def values(self) -> dict[str, Any]:
        """The card's fields for ``save_rate_card`` (the carrier goes apart)."""
        return {
            name: self.cleaned_data[name]
            for name in (
                "province",
                "first_weight_kg",
                "first_price",
                "additional_weight_kg",
                "additional_price",
            )
        }


class ShippingCostCalculatorForm(forms.Form):
    """Preview what a parcel costs: the carrier's card for the province, else its default."""

    carrier = forms.ModelChoiceField(
        label=_("Carrier"), queryset=Carrier.objects.filter(is_active=True), empty_label=None
    )
    province = forms.CharField(
        label=_("Province"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"list": "provinces", "autocomplete": "off"}),
    )
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"), max_digits=9, decimal_places=3, initial=Decimal("1.000")
    )

    def clean_province(self) -> str:
        return self.cleaned_data["province"].strip()

    def clean_weight_kg(self) -> Decimal | None:
        return _positive_weight(self.cleaned_data.get("weight_kg"))
