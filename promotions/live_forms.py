"""The live-stream sessions page's filters: a day range and a sales channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import SalesChannel

# Sessions are weekly: a quarter shows about a dozen per channel.
LIVE_DEFAULT_DAYS = 90
LIVE_MAX_DAYS = 366


class LiveSessionRangeForm(forms.Form):
    """Business days from and to (the last 90 days by default) and one channel or all."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=SalesChannel.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All channels"),
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["channel"].queryset = SalesChannel.objects.order_by("position", "code")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date_to = data.get("date_to") or self.today
        date_from = data.get("date_from") or date_to - dt.timedelta(days=LIVE_DEFAULT_DAYS - 1)
        if date_from > date_to:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (date_to - date_from).days >= LIVE_MAX_DAYS:
            raise forms.ValidationError(_("Choose a range of at most a year."))
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def range(self) -> tuple[dt.date, dt.date, SalesChannel | None]:
        """The valid range and channel, or the default range when the input is wrong."""
        if self.is_valid():
            data = self.cleaned_data
            return data["date_from"], data["date_to"], data.get("channel")
        return self.today - dt.timedelta(days=LIVE_DEFAULT_DAYS - 1), self.today, None
