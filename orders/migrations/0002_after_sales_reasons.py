"""The after-sales reasons every store starts with; the list is edited in the admin."""

from django.db import migrations

REASONS = [
    ("size", "Wrong size", "尺码不合适"),
    ("quality", "Quality problem", "质量问题"),
    ("damaged", "Damaged in transit", "运输损坏"),
    ("wrong_item", "Wrong item sent", "发错货"),
    ("not_as_described", "Not as described", "与描述不符"),
    ("changed_mind", "Changed mind", "不想要了"),
    ("late_delivery", "Late delivery", "未按约定时间发货"),
    ("other", "Other", "其他"),
]


def add_reasons(apps, schema_editor):
    reason_model = apps.get_model("orders", "AfterSalesReason")
    for position, (code, name, name_zh) in enumerate(REASONS):
        reason_model.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(add_reasons, migrations.RunPython.noop)]
