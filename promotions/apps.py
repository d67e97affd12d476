from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("Promotions")

    def ready(self) -> None:
        # The pricing engine keeps the rules in memory (promotions.services):
        # any change to them here drops that copy. Other processes notice the
        # change through the rules' version, read on every quote.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from catalog.models import Category
        from promotions.models import FlashPriceItem, Promotion, PromotionTier
        from promotions.services import invalidate_rules

        for model in (Promotion, PromotionTier, FlashPriceItem, Category):
            post_save.connect(
                invalidate_rules, sender=model, dispatch_uid=f"rules-{model.__name__}"
            )
            post_delete.connect(
                invalidate_rules, sender=model, dispatch_uid=f"rules-del-{model.__name__}"
            )
        for name in (
            "categories",
            "products",
            "variants",
            "excluded_products",
            "excluded_variants",
            "channels",
        ):
            through = getattr(Promotion, name).through
            m2m_changed.connect(invalidate_rules, sender=through, dispatch_uid=f"rules-m2m-{name}")
