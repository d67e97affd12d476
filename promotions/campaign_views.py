"""Campaign calendar pages: the calendar, one campaign with its SKUs and checklist, the editor.

Every page needs MANAGE_PROMOTIONS. Views parse input, call a service in
``promotions.campaigns`` and render or redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from promotions import campaigns
from promotions.campaign_forms import CampaignForm, CampaignItemForm, CampaignTaskForm
from promotions.errors import PromotionError
from promotions.models import CampaignTask, PlatformCampaign
from storeops import business_day
from storeops.roles import Capability, capability_required


@require_GET
@capability_required(Capability.MANAGE_PROMOTIONS)
def campaign_list(request: HttpRequest) -> HttpResponse:
    today = business_day.today()
    calendar = campaigns.campaign_calendar(today=today)
    return render(request, "promotions/campaign_list.html", {**calendar, "today": today})


def _get_campaign(pk: int) -> PlatformCampaign:
    campaign = campaigns.campaign_detail(pk)
    if campaign is None:
        raise Http404(_("No such campaign."))
    return campaign


def _detail_page(
    request: HttpRequest,
    campaign: PlatformCampaign,
    *,
    item_form: CampaignItemForm | None = None,
    task_form: CampaignTaskForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = business_day.today()
    return render(
        request,
        "promotions/campaign_detail.html",
        {
            "campaign": campaign,
            "progress": campaigns.campaign_progress(campaign),
            "days_to_deadline": (
                (campaign.signup_deadline - today).days if campaign.signup_deadline else None
            ),
            "item_form": item_form or CampaignItemForm(prefix="item"),
            "task_form": task_form or CampaignTaskForm(prefix="task"),
        },
        status=status,
    )


@require_GET
@capability_required(Capability.MANAGE_PROMOTIONS)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _get_campaign(pk))


def _form_page(
    request: HttpRequest, *, campaign: PlatformCampaign | None, form: CampaignForm, status: int
) -> HttpResponse:
    return render(
        request,
        "promotions/campaign_form.html",
        {"campaign": campaign, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_PROMOTIONS)
def campaign_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, campaign=None, form=CampaignForm(), status=200)
    form = CampaignForm(request.POST)
    if form.is_valid():
        try:
            campaign = campaigns.create_campaign(**form.cleaned_data)
        except PromotionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Campaign %(name)s saved.") % {"name": campaign.name})
            return redirect("promotions:campaign-detail", pk=campaign.pk)
    return _form_page(request, campaign=None, form=form, status=400)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_PROMOTIONS)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign(pk)
    if request.method == "GET":
        return _form_page(
            request, campaign=campaign, form=CampaignForm.for_campaign(campaign), status=200
        )
    form = CampaignForm(request.POST)
    if form.is_valid():
        try:
            campaigns.update_campaign(campaign=campaign, **form.cleaned_data)
        except PromotionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Campaign %(name)s saved.") % {"name": campaign.name})
            return redirect("promotions:campaign-detail", pk=campaign.pk)
    return _form_page(request, campaign=campaign, form=form, status=400)


@require_POST
@capability_required(Capability.MANAGE_PROMOTIONS)
def campaign_item_set(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign(pk)
    form = CampaignItemForm(request.POST, prefix="item")
    if form.is_valid():
        variant = form.cleaned_data["sku_code"]
        try:
            campaigns.set_campaign_item(
                campaign=campaign,
                variant=variant,
                campaign_price=form.cleaned_data["campaign_price"],
                note=form.cleaned_data["note"],
            )
        except PromotionError as error:
            form.add_error("campaign_price", str(error))
        else:
            messages.success(request, _("%(sku)s saved.") % {"sku": variant.sku_code})
            return redirect("promotions:campaign-detail", pk=campaign.pk)
    return _detail_page(request, campaign, item_form=form, status=400)


@require_POST
@capability_required(Capability.MANAGE_PROMOTIONS)
def campaign_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    campaign = _get_campaign(pk)
    item = next((item for item in campaign.items.all() if item.pk == item_pk), None)
    if item is None:
        raise Http404(_("No such campaign SKU."))
    campaigns.remove_campaign_item(campaign=campaign, variant=item.variant)
    messages.success(request, _("%(sku)s removed.") % {"sku": item.variant.sku_code})
    return redirect("promotions:campaign-detail", pk=campaign.pk)


@require_POST
@capability_required(Capability.MANAGE_PROMOTIONS)
def campaign_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign(pk)
    form = CampaignTaskForm(request.POST, prefix="task")
    if form.is_valid():
        try:
            campaigns.add_campaign_task(campaign=campaign, **form.cleaned_data)
        except PromotionError as error:
            form.add_error("title", str(error))
        else:
            return redirect("promotions:campaign-detail", pk=campaign.pk)
    return _detail_page(request, campaign, task_form=form, status=400)


@require_POST
@capability_required(Capability.MANAGE_PROMOTIONS)
def campaign_task_toggle(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    task = CampaignTask.objects.filter(pk=task_pk, campaign_id=pk).first()
    if task is None:
        raise Http404(_("No such task."))
    campaigns.set_task_done(task=task, is_done=request.POST.get("done") == "1")
    return redirect("promotions:campaign-detail", pk=pk)
