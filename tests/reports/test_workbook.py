"""The daily-summary workbook: sheets, names in both languages, figures to the cent,
totals recomputed from parts, formats, formula-safe text, the command, the task and views."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from customers.models import SalesChannel
from promotions.models import AdChannel, AdSpendDay
from reports import services, tasks, workbook
from reports.models import DailyTraffic
from reports.workbook import sheet_titles, write_workbook
from storeops.roles import Role
from tests.conftest import require
from tests.reports.summary_fixtures import DAY_1, DAY_2

pytestmark = pytest.mark.django_db

MALICIOUS = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def summaries(trade):
    """Two built days; DAY_2 gets its own traffic so that daily conversions differ."""
    DailyTraffic.objects.create(
        channel=SalesChannel.objects.get(code="taobao"), date=DAY_2, visitors=40, page_views=80
    )
    channel = AdChannel.objects.filter(is_commission_based=False).order_by("position").first()
    AdSpendDay.objects.create(
        date=DAY_1,
        channel=channel,
        campaign=MALICIOUS,
        impressions=1000,
        clicks=50,
        spend=Decimal("25.50"),
        attributed_orders=2,
        attributed_sales=Decimal("120.00"),
    )
    services.build_range(DAY_1, DAY_2)
    return trade


def workbook_of(**options):
    buffer = io.BytesIO()
    write_workbook(buffer, start=DAY_1, end=DAY_2, **options)
    buffer.seek(0)
    return load_workbook(buffer)


def header_row(sheet, row: int = 1) -> list:
    return [cell.value for cell in sheet[row]]


def column_of(sheet, header: str, row: int = 1) -> int:
    return header_row(sheet, row).index(header) + 1


def test_the_workbook_has_every_sheet_in_order(summaries):
    book = workbook_of()

    assert book.sheetnames == [
        "Summary",
        "Daily",
        "Ad spend",
        "Refunds",
        "Profit",
        "Service and ratings",
        "Definitions",
    ]


def test_sheet_and_header_names_are_chinese_for_zh_hans(summaries):
    book = workbook_of(lang="zh-hans")

    assert book.sheetnames == ["总表", "每日", "推广花费", "退款", "利润", "服务与评分", "口径说明"]
    headers = header_row(book["每日"])
    assert headers[:4] == ["日期", "支付金额", "商品销售额", "支付订单数"]
    assert "支付转化率" in headers and "净利" in headers


def test_daily_headers_are_the_english_metric_names(summaries):
    headers = header_row(workbook_of()["Daily"])

    assert headers[:4] == ["Date", "Paid sales", "Goods sales", "Paid orders"]
    assert "Conversion rate" in headers and "Net profit" in headers


def test_a_daily_figure_is_written_to_the_cent(summaries):
    sheet = workbook_of()["Daily"]

    paid_sales = column_of(sheet, "Paid sales")
    assert sheet.cell(row=2, column=1).value.date() == DAY_1
    assert Decimal(str(sheet.cell(row=2, column=paid_sales).value)) == Decimal("362.00")
    platform_fees = column_of(sheet, "Platform fees")
    assert Decimal(str(sheet.cell(row=2, column=platform_fees).value)) == Decimal("12.77")


def test_the_totals_row_recomputes_ratios_from_summed_parts(summaries):
    sheet = workbook_of()["Daily"]

    conversion = column_of(sheet, "Conversion rate")
    # Day 1: 2 buyers / 100 visitors; day 2: 1 / 40. The mean of ratios would be 0.0225.
    assert sheet.cell(row=2, column=conversion).value == pytest.approx(0.02)
    assert sheet.cell(row=3, column=conversion).value == pytest.approx(0.025)
    assert sheet.cell(row=4, column=1).value == "Total"
    assert sheet.cell(row=4, column=conversion).value == pytest.approx(0.0214)
    visitors = column_of(sheet, "Visitors")
    assert sheet.cell(row=4, column=visitors).value == 140


def test_the_totals_row_sums_money_and_counts_distinct_buyers(summaries):
    sheet = workbook_of()["Daily"]

    paid_sales = sheet.cell(row=4, column=column_of(sheet, "Paid sales")).value
    day_sales = [sheet.cell(row=r, column=column_of(sheet, "Paid sales")).value for r in (2, 3)]
    assert Decimal(str(paid_sales)) == sum(Decimal(str(v)) for v in day_sales)
    # buyer_1 paid on both days: three distinct buyers, not four.
    assert sheet.cell(row=4, column=column_of(sheet, "Paying buyers")).value == 3


def test_cells_carry_real_number_formats(summaries):
    sheet = workbook_of()["Daily"]

    assert sheet.cell(row=2, column=column_of(sheet, "Paid sales")).number_format == "#,##0.00"
    assert sheet.cell(row=2, column=column_of(sheet, "Conversion rate")).number_format == "0.00%"
    assert sheet.cell(row=2, column=column_of(sheet, "Paid orders")).number_format == "#,##0"
    assert sheet.cell(row=2, column=1).number_format == "yyyy-mm-dd"


def test_header_rows_are_frozen(summaries):
    book = workbook_of()

    assert book["Daily"].freeze_panes == "B2"
    assert book["Summary"].freeze_panes == "B5"
    assert book["Definitions"].freeze_panes == "B2"


def test_a_formula_in_a_campaign_name_is_written_as_text(summaries):
    sheet = workbook_of()["Ad spend"]

    campaigns = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'" + MALICIOUS in campaigns
    assert all(not str(value).startswith("=") for value in campaigns if value)
    spend = column_of(sheet, "Spend")
    assert Decimal(str(sheet.cell(row=2, column=spend).value)) == Decimal("25.50")


def test_without_profit_there_is_no_profit_sheet_nor_profit_figure(summaries):
    book = workbook_of(include_profit=False)

    assert "Profit" not in book.sheetnames
    assert book.sheetnames == sheet_titles(include_profit=False)
    headers = header_row(book["Daily"])
    assert "Net profit" not in headers and "Cost of goods" not in headers
    keys = [row[0] for row in book["Definitions"].iter_rows(min_row=2, values_only=True)]
    assert "net_profit" not in keys and "paid_sales" in keys


def test_the_profit_sheet_has_the_waterfall_per_day(summaries):
    sheet = workbook_of()["Profit"]

    net_sales = sheet.cell(row=2, column=column_of(sheet, "Net sales")).value
    assert Decimal(str(net_sales)) == Decimal("362.00")
    cogs = sheet.cell(row=2, column=column_of(sheet, "Cost of goods")).value
    assert Decimal(str(cogs)) == Decimal("130.50")


def test_the_summary_compares_the_last_day_with_the_day_before(summaries):
    sheet = workbook_of()["Summary"]

    rows = {row[1]: row for row in sheet.iter_rows(min_row=5, values_only=True)}
    paid_sales = rows["paid_sales"]
    assert Decimal(str(paid_sales[3])) == Decimal("362.00")
    # Month to date: the two days of March so far.
    assert Decimal(str(paid_sales[7])) == Decimal(str(paid_sales[2])) + Decimal("362.00")
    conversion = rows["conversion_rate"]
    # 2.50 % against 2.00 %: half a percentage point.
    assert conversion[4] == pytest.approx(0.5)


def test_definitions_flag_provisional_days(summaries):
    sheet = workbook_of()["Definitions"]

    values = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    keys = [row[0] for row in values]
    assert "conversion_rate" in keys
    layers = {row[0]: row[5] for row in values if row[0]}
    assert layers["visitors"] == "platform" and layers["paid_sales"] == "StoreOps"
    assert "Provisional days" in keys


def test_the_command_writes_a_workbook(summaries, tmp_path):
    out = tmp_path / "summary.xlsx"

    call_command(
        "export_daily_summary",
        "--from",
        DAY_1.isoformat(),
        "--to",
        DAY_2.isoformat(),
        "--out",
        str(out),
        "--lang",
        "zh-hans",
        "--channel",
        "taobao",
        stdout=io.StringIO(),
    )

    book = load_workbook(out)
    assert book.sheetnames[0] == "总表"
    sheet = book["每日"]
    paid_sales = sheet.cell(row=2, column=column_of(sheet, "支付金额")).value
    assert Decimal(str(paid_sales)) == Decimal("183.00") + Decimal("45.00")


def test_libreoffice_opens_the_workbook(summaries, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    require(soffice is not None, "LibreOffice (soffice) is not installed")
    source = tmp_path / "summary.xlsx"
    with source.open("wb") as stream:
        write_workbook(stream, start=DAY_1, end=DAY_2)

    result = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "summary.pdf").stat().st_size > 1000


# The task and the views


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def start_export(client, django_capture_on_commit_callbacks, **fields):
    data = {"from": DAY_1.isoformat(), "to": DAY_2.isoformat(), "lang": "en", **fields}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("reports:workbook-start"), data)
    return response, callbacks


def job_id_of(response) -> str:
    return response["Location"].rstrip("/").split("/")[-1]


def test_starting_an_export_queues_the_task_after_commit(
    summaries, media, client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response, callbacks = start_export(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert len(callbacks) == 1
    state = workbook.read_job(job_id_of(response))
    assert state["status"] == "done" and state["percent"] == 100
    assert (media / state["path"]).is_file()


def test_start_progress_download_hands_the_requester_the_workbook(
    summaries, media, client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    response, _callbacks = start_export(client, django_capture_on_commit_callbacks)
    job_id = job_id_of(response)

    page = client.get(response["Location"])
    progress = client.get(reverse("reports:workbook-progress", args=[job_id]))
    download = client.get(reverse("reports:workbook-download", args=[job_id]))

    assert page.status_code == 200
    assert reverse("reports:workbook-download", args=[job_id]) in page.content.decode()
    assert progress.status_code == 200
    assert reverse("reports:workbook-download", args=[job_id]) in progress.content.decode()
    assert 'hx-trigger="every 1s"' not in progress.content.decode()
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert "Profit" in book.sheetnames


def test_a_running_export_is_polled_every_second(summaries, media, client, marketer):
    client.force_login(marketer)
    job_id = workbook.new_job(user_id=marketer.pk, start=DAY_1, end=DAY_2, channel="", lang="en")
    workbook.update_job(job_id, status="running", percent=40)

    progress = client.get(reverse("reports:workbook-progress", args=[job_id]))

    body = progress.content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="40"' in body


def test_without_view_profit_the_workbook_has_no_profit(
    summaries, media, client, marketer, django_capture_on_commit_callbacks
):
    client.force_login(marketer)

    response, _callbacks = start_export(client, django_capture_on_commit_callbacks)

    state = workbook.read_job(job_id_of(response))
    book = load_workbook(media / state["path"])
    assert "Profit" not in book.sheetnames
    assert "Net profit" not in header_row(book["Daily"])


def test_customer_service_may_not_start_an_export(
    summaries, media, client, service_agent, django_capture_on_commit_callbacks
):
    client.force_login(service_agent)

    response, callbacks = start_export(client, django_capture_on_commit_callbacks)

    assert response.status_code == 403
    assert callbacks == []


def test_another_user_cannot_see_or_download_the_workbook(
    summaries, media, client, marketer, make_user, django_capture_on_commit_callbacks
):
    client.force_login(marketer)
    response, _callbacks = start_export(client, django_capture_on_commit_callbacks)
    job_id = job_id_of(response)
    other = make_user(Role.MARKETING, username="other_marketer")
    client.force_login(other)

    download = client.get(reverse("reports:workbook-download", args=[job_id]))
    progress = client.get(reverse("reports:workbook-progress", args=[job_id]))

    assert download.status_code == 404
    assert progress.status_code == 404


def test_a_manager_can_download_another_users_workbook(
    summaries, media, client, marketer, manager, django_capture_on_commit_callbacks
):
    client.force_login(marketer)
    response, _callbacks = start_export(client, django_capture_on_commit_callbacks)
    client.force_login(manager)

    download = client.get(reverse("reports:workbook-download", args=[job_id_of(response)]))

    assert download.status_code == 200


def test_a_reversed_range_is_refused(
    summaries, media, client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response, callbacks = start_export(
        client,
        django_capture_on_commit_callbacks,
        **{"from": DAY_2.isoformat(), "to": DAY_1.isoformat()},
    )

    assert response.status_code == 400
    assert callbacks == []


def test_the_task_runs_twice_without_harm(summaries, media):
    job_id = workbook.new_job(user_id=1, start=DAY_1, end=DAY_2, channel="", lang="en")

    first = tasks.export_workbook_task.delay(job_id, True).get()
    second = tasks.export_workbook_task.delay(job_id, True).get()

    assert (
        first == second == f"exports/workbooks/{job_id}/{workbook.workbook_filename(DAY_1, DAY_2)}"
    )
    assert sorted(p.name for p in (media / "exports/workbooks" / job_id).iterdir()) == [
        workbook.workbook_filename(DAY_1, DAY_2)
    ]


def test_the_workbook_reads_a_fixed_number_of_queries(summaries, django_assert_max_num_queries):
    # Summary rows and grouped aggregates only: the count does not grow with the days.
    with django_assert_max_num_queries(20):
        write_workbook(io.BytesIO(), start=DAY_1, end=DAY_2)


def test_the_posted_language_and_channel_shape_the_workbook(
    summaries, media, client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response, _callbacks = start_export(
        client, django_capture_on_commit_callbacks, lang="zh-hans", channel="tmall"
    )

    state = workbook.read_job(job_id_of(response))
    book = load_workbook(media / state["path"])
    assert book.sheetnames[0] == "总表"
    sheet = book["每日"]
    paid_sales = sheet.cell(row=2, column=column_of(sheet, "支付金额")).value
    assert Decimal(str(paid_sales)) == Decimal("134.00")
