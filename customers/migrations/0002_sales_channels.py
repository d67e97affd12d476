"""The sales channels every store starts with; more can be added in the admin."""

from django.db import migrations

CHANNELS = [
    ("taobao", "Taobao", "淘宝"),
    ("tmall", "Tmall", "天猫"),
    ("jd", "JD.com", "京东"),
    ("douyin", "Douyin", "抖音"),
    ("pdd", "Pinduoduo", "拼多多"),
    ("own_site", "Own site", "官网"),
    ("manual", "Manual entry", "手工单"),
]


def add_channels(apps, schema_editor):
    channel_model = apps.get_model("customers", "SalesChannel")
    for position, (code, name, name_zh) in enumerate(CHANNELS):
        channel_model.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(add_channels, migrations.RunPython.noop)]
