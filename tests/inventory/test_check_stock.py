import pytest
from django.core.management import CommandError, call_command

from inventory import services
from inventory.models import StockLevel


@pytest.mark.django_db
def test_check_stock_passes_when_every_level_matches_its_ledger(
    stocked, second_warehouse, warehouse_clerk, capsys
):
    services.reserve(variant=stocked, quantity=4, by=warehouse_clerk, reason="Paid")
    services.transfer(
        variant=stocked,
        from_warehouse="WH-MAIN",
        to_warehouse=second_warehouse,
        quantity=3,
        by=warehouse_clerk,
        reason="Rebalance",
    )
    services.adjust_to_count(
        variant=stocked, counted=2, by=warehouse_clerk, reason="Count", warehouse=second_warehouse
    )

    call_command("check_stock")

    assert capsys.readouterr().out.startswith("Stock levels match the ledger")


@pytest.mark.django_db
def test_check_stock_reports_a_level_tampered_with_and_exits_non_zero(stocked, capsys):
    StockLevel.objects.filter(variant=stocked).update(on_hand=13)

    with pytest.raises(CommandError) as failed:
        call_command("check_stock")

    assert failed.value.returncode == 1
    assert str(failed.value) == "1 stock level(s) differ from the ledger."
    assert capsys.readouterr().out.splitlines()[1] == "TEE-RED-M\tWH-MAIN\t13/0/0\t10/0/0"


@pytest.mark.django_db
def test_check_stock_reports_a_level_whose_ledger_rows_are_missing(
    main_warehouse, variant, warehouse_clerk, capsys
):
    StockLevel.objects.create(variant=variant, warehouse=main_warehouse, on_hand=4)

    with pytest.raises(CommandError):
        call_command("check_stock")

    assert capsys.readouterr().out.splitlines()[1] == "TEE-RED-M\tWH-MAIN\t4/0/0\t0/0/0"
