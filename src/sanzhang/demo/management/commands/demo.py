import time

from django.core.management.base import BaseCommand, CommandError

from sanzhang.demo.generator import demo_build, demo_logins


class Command(BaseCommand):
    help = "载入演示乡镇（合成数据） / Load the synthetic demo township (or --profile county)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--profile", choices=["township", "county"], default="township"
        )
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when demo data is already loaded",
        )

    def handle(self, *args, profile, seed, if_empty, **options):
        from sanzhang.org.models import Unit

        if Unit.objects.filter(is_demo=True).exists():
            if not if_empty:
                raise CommandError("演示数据已存在 / demo data already loaded")
            self.stdout.write("演示数据已存在 / demo data already loaded")
            logins = demo_logins()
        else:
            started = time.perf_counter()
            logins = demo_build(
                profile=profile, seed=seed, progress=lambda m: self.stdout.write(m)
            )
            self.stdout.write(
                f"完成，用时 {time.perf_counter() - started:.1f} 秒 / done"
            )
        if logins:
            self.stdout.write(
                f"\n演示账号 / demo logins (密码 password: {logins[0].password})"
            )
            for login in logins:
                self.stdout.write(f"  {login.username:<10} {login.role}  {login.unit}")
