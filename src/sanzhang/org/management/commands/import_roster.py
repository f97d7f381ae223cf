from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sanzhang.core.errors import DomainError
from sanzhang.org.levels import Level
from sanzhang.org.models import Unit, User
from sanzhang.org.services.roster_import import roster_import


class Command(BaseCommand):
    help = "导入花名册 / Import a roster (.xlsx or .csv) into a township."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--township", required=True, help="乡镇名称 (created if missing)"
        )
        parser.add_argument(
            "--user", default="admin", help="acting township admin account"
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, file, township, user, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {file}")
        try:
            actor = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"账号不存在 / no such user: {user}") from None
        unit = Unit.objects.filter(
            level=Level.TOWNSHIP, name=township, is_active=True
        ).first()
        if unit is None:
            raise CommandError(
                f"乡镇不存在，请先用 sanzhang create_admin 创建 / no such township: {township}"
            )
        try:
            report = roster_import(
                township=unit,
                data=path.read_bytes(),
                filename=path.name,
                by=actor,
                dry_run=dry_run,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for e in report.errors[:200]:
            self.stderr.write(f"第{e.row}行 [{e.column}] {e.message}")
        self.stdout.write(
            f"行数 {report.rows}；新建单元 {report.units_created}；"
            f"新户 {report.households_created}；"
            f"更新户 {report.households_updated}；新居民 {report.residents_created}；"
            f"更新居民 {report.residents_updated}；未变 {report.unchanged}；"
            f"{'已写入' if report.committed else '未写入'}"
        )
        if report.errors:
            raise SystemExit(1)
