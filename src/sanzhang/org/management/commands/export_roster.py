from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sanzhang.org.models import Unit, User
from sanzhang.org.services.roster_export import roster_export


class Command(BaseCommand):
    help = "导出花名册 / Export the roster of a unit to .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("--unit", type=int, required=True)
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--user", default="admin")

    def handle(self, *args, unit, output, user, **options):
        try:
            actor = User.objects.get(username=user)
            target = Unit.objects.get(pk=unit)
        except (User.DoesNotExist, Unit.DoesNotExist):
            raise CommandError("账号或单元不存在 / no such user or unit") from None
        data, rows = roster_export(unit=target, by=actor)
        Path(output).write_bytes(data)
        self.stdout.write(f"已导出 {rows} 行 -> {output}")
