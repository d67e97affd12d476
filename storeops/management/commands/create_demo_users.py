from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from storeops.roles import Role

# Demo only: these passwords are printed in README.md. Never run this on a real store.
DEMO_USERS: list[tuple[str, Role, str]] = [
    ("manager", Role.OPERATIONS_MANAGER, "demo-manager"),
    ("service", Role.CUSTOMER_SERVICE, "demo-service"),
    ("warehouse", Role.WAREHOUSE, "demo-warehouse"),
    ("marketing", Role.MARKETING, "demo-marketing"),
]
DEMO_ADMIN = ("admin", "demo-admin")


class Command(BaseCommand):
    help = "Create one demo user per role (and a superuser 'admin'); running it again resets them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-admin", action="store_true", help="Do not create the 'admin' superuser."
        )

    @transaction.atomic
    def handle(self, *args, **options):
        user_model = get_user_model()
        for username, role, password in DEMO_USERS:
            user, created = user_model.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = False
            user.is_superuser = False
            user.first_name = str(role.label)
            user.save()
            user.groups.set([Group.objects.get(name=role.value)])
            verb = "created" if created else "reset"
            self.stdout.write(f"{verb} {username!r} ({role.value}) password {password!r}")
        if not options["no_admin"]:
            username, password = DEMO_ADMIN
            admin, created = user_model.objects.get_or_create(username=username)
            admin.set_password(password)
            admin.is_staff = admin.is_superuser = True
            admin.save()
            verb = "created" if created else "reset"
            self.stdout.write(f"{verb} superuser {username!r} password {password!r}")
