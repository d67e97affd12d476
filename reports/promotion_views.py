"""The promotion performance page: per promotion and coupon batch, a date range against
the same-length period before. Needs MANAGE_PROMOTIONS (the marketing team's page).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from reports.promotion_performance import MAX_SPAN_DAYS, promotion_performance
from storeops import business_day
from storeops.roles import Capability, capability_required

DEFAULT_DAYS = 30


class PerformanceRangeForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The range must end on or after its first day."))
            if (end - start).days + 1 > MAX_SPAN_DAYS:
                raise forms.ValidationError(
                    _("Choose at most %(days)s days.") % {"days": MAX_SPAN_DAYS}
                )
        return data


def _default_range(today: dt.date) -> dict[str, dt.date]:
    return {"start": today - dt.timedelta(days=DEFAULT_DAYS - 1), "end": today}


@require_GET
@capability_required(Capability.MANAGE_PROMOTIONS)
def promotion_performance_page(request: HttpRequest) -> HttpResponse:
    defaults = _default_range(business_day.today())
    form = PerformanceRangeForm(request.GET if request.GET else None, initial=defaults)
    report = None
    status = 200
    if not request.GET:
        report = promotion_performance(**defaults)
    elif form.is_valid():
        report = promotion_performance(
            start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
    else:
        status = 400
    return render(
        request,
        "reports/promotion_performance.html",
        {"form": form, "report": report},
        status=status,
    )
