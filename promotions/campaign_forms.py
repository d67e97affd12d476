"""Forms of the campaign calendar pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from customers.models import SalesChannel
from promotions.forms import StoreDateTimeField
from promotions.models import CampaignStatus
from storeops.money import DECIMAL_PLACES, MAX_DIGITS


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=SalesChannel.objects.filter(is_active=True),
        required=False,
        empty_label=_("Every channel"),
    )
    signup_deadline = forms.DateField(
        label=_("Sign-up deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    starts_at = StoreDateTimeField(label=_("Starts at"))
    ends_at = StoreDateTimeField(label=_("Ends at"))
    status = forms.ChoiceField(
        label=_("Status"), choices=CampaignStatus.choices, initial=CampaignStatus.PLANNED
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def for_campaign(cls, campaign: Any) -> CampaignForm:
        return cls(
            initial={
                "name": campaign.name,
                "channel": campaign.channel_id,
                "signup_deadline": campaign.signup_deadline,
                "starts_at": campaign.starts_at,
                "ends_at": campaign.ends_at,
                "status": campaign.status,
                "note": campaign.note,
            }
        )


class CampaignItemForm(forms.Form):
    sku_code = forms.CharField(label=_("SKU code"), max_length=64)
    campaign_price = forms.DecimalField(
        label=_("Campaign price"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_sku_code(self) -> Variant:
        code = self.cleaned_data["sku_code"].strip()
        variant = Variant.objects.filter(sku_code=code).first()
        if variant is None:
            raise forms.ValidationError(_("Unknown SKU."))
        return variant


class CampaignTaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False
    )
    due_date = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
