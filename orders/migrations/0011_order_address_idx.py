"""The duplicate-recipient review check reads orders by address within a time window."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_order_fk_indexes_covered"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["address", "placed_at"], name="order_address_idx"),
        ),
    ]
