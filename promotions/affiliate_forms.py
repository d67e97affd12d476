"""The affiliate orders page's filters: an affiliate channel, a day range, a slot, a status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from promotions.models import AdChannel, AffiliateOrderStatus

# A month of orders by default, like the ad spend page.
AFFILIATE_DEFAULT_DAYS = 30
AFFILIATE_MAX_DAYS = 366


class AffiliateOrderFilterForm(forms.Form):
    """Payment days from and to (the last 30 by default), a promotion slot and a status."""

    channel = forms.ModelChoiceField(
        label=_("Ad channel"),
        queryset=AdChannel.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=None,
    )
    date_from = forms.DateField(
        label=_("Paid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Paid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    campaign = forms.CharField(label=_("Promotion slot"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *AffiliateOrderStatus.choices],
        required=False,
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["channel"].queryset = AdChannel.objects.filter(
            is_commission_based=True
        ).order_by("position", "code")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date_to = data.get("date_to") or self.today
        date_from = data.get("date_from") or date_to - dt.timedelta(days=AFFILIATE_DEFAULT_DAYS - 1)
        if date_from > date_to:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (date_to - date_from).days >= AFFILIATE_MAX_DAYS:
            raise forms.ValidationError(_("Choose a range of at most a year."))
        data["date_from"], data["date_to"] = date_from, date_to
        data["campaign"] = (data.get("campaign") or "").strip()
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters, or the default ones (last 30 days, every order) when wrong."""
        if self.is_valid():
            data = self.cleaned_data
            return {
                "ad_channel": data.get("channel") or self.default_channel(),
                "date_from": data["date_from"],
                "date_to": data["date_to"],
                "campaign": data["campaign"],
                "status": data["status"],
            }
        return {
            "ad_channel": self.default_channel(),
            "date_from": self.today - dt.timedelta(days=AFFILIATE_DEFAULT_DAYS - 1),
            "date_to": self.today,
            "campaign": "",
            "status": "",
        }

    def default_channel(self) -> AdChannel | None:
        return self.fields["channel"].queryset.first()
