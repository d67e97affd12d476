"""Drop the single-column indexes of Order.channel and Order.customer.

The unique (channel, order_no) and order_customer_idx (customer, placed_at)
lead with the same columns. Only the indexes go: Django's own AlterField would
also drop and re-add (and so re-check over every order) the foreign keys.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    # The names Django gave the foreign keys' indexes (the same on every database).
    "orders_order_channel_id_a76729a3": "channel_id",
    "orders_order_customer_id_0b76f6a4": "customer_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_agent_day"),
        ("orders", "0009_paid_day_buyer_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="channel",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="orders",
                        to="customers.saleschannel",
                        verbose_name="channel",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="orders",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON orders_order ({column})',
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]
