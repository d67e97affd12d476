"""Input of the customer pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import SalesChannel
from storeops import business_day

MAX_RANGE_DAYS = 366


class ServiceRangeForm(forms.Form):
    """The service-team page's filter: a range of business days and an optional channel."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=SalesChannel.objects.all(),
        required=False,
        empty_label=_("All channels"),
    )

    def clean(self) -> dict:
        data = super().clean()
        today = business_day.today()
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=6)
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (end - start).days >= MAX_RANGE_DAYS:
            raise forms.ValidationError(
                _("Choose at most %(days)d days.") % {"days": MAX_RANGE_DAYS}
            )
        data["start"], data["end"] = start, end
        return data

    @classmethod
    def default_range(cls) -> tuple[dt.date, dt.date]:
        end = business_day.today()
        return end - dt.timedelta(days=6), end
