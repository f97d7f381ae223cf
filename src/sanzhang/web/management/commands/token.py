from django.core.management.base import BaseCommand, CommandError

from sanzhang.api.auth import token_create
from sanzhang.org.models import User


class Command(BaseCommand):
    help = "为账号生成 API 令牌 / Create an API token for an account (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username, name, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"账号不存在 / no such user: {username}") from None
        self.stdout.write(token_create(user=user, name=name))
