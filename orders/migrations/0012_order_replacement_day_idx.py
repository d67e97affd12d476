"""The daily summary reads a day's few paid replacement orders by their payment day."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0011_order_address_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("kind", "replacement"), ("paid_at__isnull", False)),
                fields=["business_date"],
                name="order_replacement_day_idx",
            ),
        ),
    ]
