import factory

from customers.models import Customer, SalesChannel


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    channel = factory.LazyFunction(lambda: SalesChannel.objects.get(code="taobao"))
    buyer_id = factory.Sequence(lambda number: f"buyer_{number}")
    phone = factory.Sequence(lambda number: f"139{number:08d}")
