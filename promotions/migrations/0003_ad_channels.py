"""The paid-traffic channels a Chinese marketplace store buys from; safe to run again."""

from django.db import migrations

AD_CHANNELS = [
    # code, English name, Chinese name, commission based
    ("search_ads", "Search ads", "直通车 / 万相台", False),
    ("display_ads", "Display ads", "引力魔方 / 钻展", False),
    ("feed_ads", "Feed ads", "信息流", False),
    ("brand_ads", "Brand ads", "品销宝", False),
    ("affiliate", "Affiliate (Taobaoke)", "淘宝客", True),
    ("live_stream", "Live stream", "直播", False),
    ("social", "Social seeding", "内容种草", False),
    ("other", "Other", "其他", False),
]


def add_ad_channels(apps, schema_editor):
    channel_model = apps.get_model("promotions", "AdChannel")
    for position, (code, name, name_zh, is_commission_based) in enumerate(AD_CHANNELS):
        channel_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "is_commission_based": is_commission_based,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("promotions", "0002_ad_spend")]

    operations = [migrations.RunPython(add_ad_channels, migrations.RunPython.noop)]
