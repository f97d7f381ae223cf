import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from sanzhang.org.levels import Level
from sanzhang.org.models import Post, Role, Unit, User
from sanzhang.org.services.township import township_install_defaults
from sanzhang.org.services.units import unit_create


class Command(BaseCommand):
    help = (
        "创建乡镇管理员账号（乡镇不存在则新建） / "
        "Create a township admin account, and the township if it is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--township", required=True, help="乡镇名称")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )

    def handle(self, *args, username, township, password_stdin, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"账号已存在 / account exists: {username}")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("密码 / password: ")
        user = User(username=username, display_name=username)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        with transaction.atomic():
            unit = Unit.objects.filter(level=Level.TOWNSHIP, name=township).first()
            if unit is None:
                unit = unit_create(parent=None, level=Level.TOWNSHIP, name=township)
            township_install_defaults(township=unit)
            user.set_password(password)
            user.save()
            Post.objects.create(
                role=Role.TOWNSHIP_ADMIN,
                unit=unit,
                township=unit,
                user=user,
                holder_name=username,
                started_on=timezone.localdate(),
            )
        self.stdout.write(f"已创建 {username}：{township} 乡镇管理员")
