"""The import framework, proven with the suppliers kind: every failure mode
named in the foundation issue, all-or-nothing writes, upserts, dry runs, the
job record, the CLI and the file formats."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from catalog.models import Supplier
from storeops import exports
from storeops.imports import jobs, parsers, registry
from storeops.imports.parsers import CellError
from storeops.imports.runner import run_import
from storeops.models import ImportJob, ImportSource, ImportStatus

SUPPLIERS = registry.get("suppliers")


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def xlsx_bytes(rows: list[list]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


# Parsers


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1299", Decimal("1299.00")),
        ("¥1,299.50", Decimal("1299.50")),
        ("￥12.5", Decimal("12.50")),
        ("RMB 8", Decimal("8.00")),
        ("12.5元", Decimal("12.50")),
        ("-3.20", Decimal("-3.20")),
        ("1 299.00", Decimal("1299.00")),
    ],
)
def test_money_reads_marketplace_spellings_exactly(raw, expected):
    value = parsers.money()(raw)
    assert value == expected
    assert isinstance(value, Decimal)


@pytest.mark.parametrize("raw", ["abc", "1,29", "12.345", "1.2.3", "¥", "1e5"])
def test_money_refuses_what_is_not_an_amount(raw):
    with pytest.raises(CellError):
        parsers.money()(raw)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_money_round_trips_every_two_place_amount(amount):
    assert parsers.money()(f"¥{amount:,.2f}") == amount


def test_datetime_without_offset_is_store_local_and_with_offset_as_given(settings):
    settings.STORE_TIMEZONE = "Asia/Shanghai"
    local = parsers.datetime()("2026-03-01 10:00:00")
    assert local == dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    given_offset = parsers.datetime()("2026-03-01T10:00:00+00:00")
    assert given_offset == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    assert parsers.datetime()("2026/03/01 10:00") == local


@pytest.mark.parametrize("raw", ["2026-03-01", "2026/3/1", "2026年3月1日", "20260301"])
def test_dates_read_in_the_common_spellings(raw):
    assert parsers.date()(raw) == dt.date(2026, 3, 1)


# Failure modes: each is reported precisely and nothing is written.


@pytest.mark.django_db
def test_unknown_header_is_named_and_nothing_is_written(manager):
    result = run_import(SUPPLIERS, csv_bytes("code,name,colour\nS1,Acme,red\n"), user=manager)
    assert not result.ok
    [(row, column, message)] = problems(result)
    assert (row, column) == (1, "colour")
    assert "Unknown column" in message and "code" in message
    assert not Supplier.objects.exists()


@pytest.mark.django_db
def test_missing_required_column_is_named(manager):
    result = run_import(SUPPLIERS, csv_bytes("code,phone\nS1,123\n"), user=manager)
    [(row, column, message)] = problems(result)
    assert row == 1 and column == "Supplier name"
    assert "Required column" in message and "供应商名称" in message
    assert not Supplier.objects.exists()


@pytest.mark.django_db
def test_every_bad_row_is_reported_with_row_column_and_reason(manager):
    text = (
        "code,name,lead_time_days,contract_start,min_order_amount\n"
        "S1,Acme,5,2026-01-01,100\n"
        "S2,Beta,five,2026-01-01,100\n"
        "S3,Gamma,5,2026-02-30,100\n"
        "S4,,5,,abc\n"
    )
    result = run_import(SUPPLIERS, csv_bytes(text), user=manager)
    assert problems(result) == [
        (3, "Lead time (days)", "“five” is not a number"),
        (4, "Contract start", "“2026-02-30” is not a date (write it as 2026-03-01)"),
        (5, "Supplier name", "A value is required."),
        (5, "Minimum order amount", "“abc” is not a number"),
    ]
    assert result.rows_total == 4
    assert not Supplier.objects.exists(), "the good row must not be written either"


@pytest.mark.django_db
def test_a_key_repeated_inside_the_file_is_refused(manager):
    text = "code,name\nS1,Acme\nS2,Beta\nS1,Acme again\n"
    result = run_import(SUPPLIERS, csv_bytes(text), user=manager)
    [(row, column, message)] = problems(result)
    assert row == 4 and column == "Supplier code"
    assert "Repeats row 2" in message
    assert not Supplier.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("content", [b"", b"\n\n", "\ufeff".encode()])
def test_an_empty_file_is_refused(manager, content):
    result = run_import(SUPPLIERS, io.BytesIO(content), user=manager)
    assert not result.ok
    assert "empty" in result.message


@pytest.mark.django_db
def test_headers_without_rows_are_refused(manager):
    result = run_import(SUPPLIERS, csv_bytes("code,name\n"), user=manager)
    assert result.message == "The file has a header row but no data rows."


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [
        "code,name\nS1,Acme\n".encode("utf-16"),
        b"code,name\nS1,Caf\xe9 \xe9t\xe9\n",  # Latin-1, neither UTF-8 nor GB18030
    ],
)
def test_a_file_in_the_wrong_encoding_is_refused_with_advice(manager, content):
    result = run_import(SUPPLIERS, io.BytesIO(content), user=manager)
    assert not result.ok
    assert "CSV UTF-8" in result.message
    assert not Supplier.objects.exists()


@pytest.mark.django_db
def test_encoding_breaking_late_in_a_file_is_refused_and_nothing_written(manager):
    good = "".join(f"S{n},Supplier {n}\n" for n in range(60_000))
    content = ("code,name\n" + good).encode() + b"S-bad,\xff\xfe\n"
    result = run_import(SUPPLIERS, io.BytesIO(content), user=manager)
    assert "stops being valid UTF-8" in result.message
    assert not Supplier.objects.exists()


@pytest.mark.django_db
def test_a_zip_bomb_named_xlsx_is_refused(manager):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(60):
                part.write(b"\0" * (1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024  # 60 MB squeezed into a small file
    buffer.seek(0)
    result = run_import(SUPPLIERS, buffer, name="suppliers.xlsx", user=manager)
    assert "zip bomb" in result.message
    assert not Supplier.objects.exists()


@pytest.mark.django_db
def test_an_xlsx_carrying_an_xml_entity_bomb_is_refused(manager):
    source = xlsx_bytes([["code", "name"], ["S1", "Acme"]])
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<sst><si><t>&lol2;</t></si></sst>"
    )
    target = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = bomb
            copy.writestr(info, data)
    target.seek(0)
    result = run_import(SUPPLIERS, target, name="suppliers.xlsx", user=manager)
    assert "entity" in result.message
    assert not Supplier.objects.exists()


@pytest.mark.django_db
def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(manager):
    result = run_import(SUPPLIERS, csv_bytes("code,name\nS1,A\n"), name="x.xlsx", user=manager)
    assert "not an Excel workbook" in result.message


@pytest.mark.django_db
def test_old_xls_files_are_refused_with_advice(manager):
    content = io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    result = run_import(SUPPLIERS, content, name="old.xls", user=manager)
    assert ".xlsx" in result.message


@pytest.mark.django_db
def test_a_50_mb_file_is_streamed_with_bounded_memory(manager, tmp_path):
    note = "n" * 4000
    path = tmp_path / "suppliers.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("code,name,notes\n")
        rows = 0
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(f"S{rows:06d},Supplier {rows},{note}\n")
            rows += 1
    size = path.stat().st_size
    assert size >= 50 * 1024 * 1024
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            result = run_import(SUPPLIERS, stream, name=path.name, user=manager)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok, result.message
    assert result.created == rows == Supplier.objects.count()
    assert peak < size / 2, f"peak {peak / 2**20:.0f} MB for a {size / 2**20:.0f} MB file"


# Formats and encodings


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_headers_read_in_every_csv_encoding(manager, encoding):
    text = (
        "供应商编码,供应商名称,联系人,起订金额,合同开始,状态\n"
        'GYS01,杭州织造有限公司,王经理,"¥1,200.00",2026/1/1,是\n'
    )
    result = run_import(SUPPLIERS, csv_bytes(text, encoding), user=manager)
    assert result.ok, problems(result)
    supplier = Supplier.objects.get(code="GYS01")
    assert supplier.name == "杭州织造有限公司"
    assert supplier.contact_name == "王经理"
    assert supplier.min_order_amount == Decimal("1200.00")
    assert supplier.contract_start == dt.date(2026, 1, 1)
    assert result.encoding == ("utf-8" if encoding == "utf-8-sig" else encoding)


@pytest.mark.django_db
def test_xlsx_rows_are_numbered_as_excel_shows_them(manager):
    content = xlsx_bytes(
        [
            ["Supplier code", "Supplier name", "Lead time (days)", "Contract end"],
            ["S1", "Acme", 5, dt.datetime(2026, 12, 31)],
            [None, None, None, None],
            ["S2", "Beta", "soon", None],
        ]
    )
    result = run_import(SUPPLIERS, content, name="s.xlsx", user=manager)
    assert problems(result) == [(4, "Lead time (days)", "“soon” is not a number")]
    content.seek(0)
    fixed = xlsx_bytes(
        [
            ["code", "name", "lead_time_days", "contract_end"],
            ["S1", "Acme", 5, dt.date(2026, 12, 31)],
        ]
    )
    result = run_import(SUPPLIERS, fixed, name="s.xlsx", user=manager)
    assert result.ok
    assert Supplier.objects.get(code="S1").contract_end == dt.date(2026, 12, 31)


@pytest.mark.django_db
def test_excel_text_markers_keep_leading_zeros(manager):
    result = run_import(SUPPLIERS, csv_bytes('code,name\n="0012",Acme\n'), user=manager)
    assert result.ok
    assert Supplier.objects.filter(code="0012").exists()


# Writing: upsert, idempotence, all-or-nothing, dry run, history


@pytest.mark.django_db
def test_upsert_updates_only_the_columns_in_the_file(manager):
    run_import(
        SUPPLIERS,
        csv_bytes("code,name,lead_time_days,phone\nS1,Acme,12,0571-1\nS2,Beta,3,\n"),
        user=manager,
    )
    result = run_import(SUPPLIERS, csv_bytes("code,name\nS1,Acme Ltd\nS3,Gamma\n"), user=manager)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    s1 = Supplier.objects.get(code="S1")
    assert (s1.name, s1.lead_time_days, s1.phone) == ("Acme Ltd", 12, "0571-1")
    assert Supplier.objects.get(code="S3").lead_time_days == 7  # the default for new ones


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing_the_second_time(manager):
    text = "code,name,min_order_amount\nS1,Acme,¥500\nS2,Beta,0\n"
    first = run_import(SUPPLIERS, csv_bytes(text), user=manager)
    history_rows = Supplier.history.count()
    stamp = Supplier.objects.get(code="S1").updated_at
    second = run_import(SUPPLIERS, csv_bytes(text), user=manager)
    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)
    assert Supplier.history.count() == history_rows
    assert Supplier.objects.get(code="S1").updated_at == stamp


@pytest.mark.django_db
def test_every_change_leaves_a_history_row_naming_the_importer(manager):
    run_import(SUPPLIERS, csv_bytes("code,name\nS1,Acme\n"), user=manager)
    run_import(SUPPLIERS, csv_bytes("code,name\nS1,Acme Ltd\n"), user=manager)
    versions = list(Supplier.history.filter(code="S1").order_by("history_date"))
    assert [v.history_type for v in versions] == ["+", "~"]
    assert {v.history_user for v in versions} == {manager}
    assert versions[-1].name == "Acme Ltd"


@pytest.mark.django_db
def test_a_rule_only_the_database_knows_rolls_back_the_whole_file(manager):
    run_import(SUPPLIERS, csv_bytes("code,name,contract_start\nS1,Acme,2026-06-01\n"), user=manager)
    text = "code,name,contract_end\nS0,New one,\nS1,Acme,2026-01-01\n"
    result = run_import(SUPPLIERS, csv_bytes(text), user=manager)
    [(row, column, message)] = problems(result)
    assert (row, column) == (3, "Contract end")
    assert "before it starts" in message
    assert not Supplier.objects.filter(code="S0").exists()
    assert Supplier.objects.get(code="S1").contract_end is None


@pytest.mark.django_db
def test_a_dry_run_reports_the_outcome_and_writes_nothing(manager):
    run_import(SUPPLIERS, csv_bytes("code,name\nS1,Acme\n"), user=manager)
    text = "code,name\nS1,Acme Ltd\nS2,Beta\nS3,Gamma\n"
    result = run_import(SUPPLIERS, csv_bytes(text), user=manager, dry_run=True)
    assert result.ok and not result.written
    assert (result.created, result.updated) == (2, 1)
    assert list(Supplier.objects.values_list("code", "name")) == [("S1", "Acme")]


# Jobs, the task and the command line


def make_job(user, text: str, *, dry_run=False) -> ImportJob:
    return jobs.create_job(
        "suppliers", csv_bytes(text), file_name="s.csv", user=user, dry_run=dry_run, enqueue=False
    )


@pytest.mark.django_db
def test_a_job_records_who_what_and_how_it_went(manager):
    job = make_job(manager, "code,name\nS1,Acme\nS2,\n")
    assert job.status == ImportStatus.QUEUED and job.file_size > 0 and len(job.file_sha256) == 64
    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.REJECTED
    assert (job.rows_total, job.error_count, job.progress) == (2, 1, 100)
    assert job.errors == [{"row": 3, "column": "Supplier name", "message": "A value is required."}]
    assert job.started_at <= job.finished_at


@pytest.mark.django_db
def test_running_a_finished_job_again_changes_nothing(manager):
    job = make_job(manager, "code,name\nS1,Acme\n")
    assert jobs.execute(job.pk).status == ImportStatus.SUCCEEDED
    Supplier.objects.filter(code="S1").update(name="Renamed by hand")
    assert jobs.execute(job.pk) is None
    assert Supplier.objects.get(code="S1").name == "Renamed by hand"


@pytest.mark.django_db
def test_create_job_refuses_a_kind_the_role_may_not_run(service_agent):
    with pytest.raises(jobs.ImportRequestError) as refused:
        make_job(service_agent, "code,name\nS1,Acme\n")
    assert refused.value.code == "permission_denied"
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_queued_jobs_run_through_celery_after_commit(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.create_job(
            "suppliers", csv_bytes("code,name\nS1,Acme\n"), file_name="s.csv", user=manager
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.task_id
    assert Supplier.objects.filter(code="S1").exists()


@pytest.mark.django_db
def test_cli_lists_kinds_in_help(capsys):
    with pytest.raises(SystemExit):
        call_command("import", "--help")
    # argparse wraps the help text at the terminal width: compare it unwrapped
    assert "suppliers (Suppliers)" in " ".join(capsys.readouterr().out.split())


@pytest.mark.django_db
def test_cli_prints_each_problem_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text("code,name,lead_time_days\nS1,Acme,x\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "suppliers", str(path))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "row 2, Lead time (days): “x” is not a number" in out
    job = ImportJob.objects.get()
    assert job.source == ImportSource.CLI and job.created_by.username == "storeops-system"


@pytest.mark.django_db
def test_cli_dry_run_then_real_run(tmp_path, capsys, manager):
    path = tmp_path / "s.csv"
    path.write_text("code,name\nS1,Acme\n", encoding="utf-8")
    call_command("import", "suppliers", str(path), "--dry-run", "--user", manager.username)
    assert "1 would be created" in capsys.readouterr().out
    assert not Supplier.objects.exists()
    call_command("import", "suppliers", str(path))
    assert Supplier.objects.filter(code="S1").exists()


# Exports never hand a spreadsheet a formula


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_csv_export_escapes_formula_text(text):
    body = b"".join(exports.iter_csv(["title"], [[text], [Decimal("-5.00")]])).decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[1].strip('"').startswith("'")
    assert lines[2] == "-5.00", "numbers are numbers, not escaped text"


def test_xlsx_export_escapes_formula_text_and_keeps_numbers():
    buffer = io.BytesIO()
    sheet = exports.Sheet(
        "Products", ["title", "price"], [["=1+1", Decimal("9.90")], ["@cmd", Decimal("-1")]], [1]
    )
    exports.write_xlsx(buffer, [sheet])
    buffer.seek(0)
    rows = list(load_workbook(buffer).active.iter_rows(values_only=True))
    assert rows[1] == ("'=1+1", 9.9)
    assert rows[2] == ("'@cmd", -1)


def test_a_repeated_key_is_reported_even_on_a_row_with_other_errors(manager):
    text = "code,name,lead_time_days\nS1,Acme,abc\nS1,Acme again,3\n"

    result = run_import(SUPPLIERS, csv_bytes(text), user=manager)

    assert [(problem.row, problem.column) for problem in result.problems] == [
        (2, "Lead time (days)"),
        (3, "Supplier code"),
    ]
    assert "Repeats row 2" in result.problems[1].message
