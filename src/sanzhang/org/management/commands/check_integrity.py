import json
from collections import Counter

from django.core.management.base import BaseCommand
from django.db.models import Q

from sanzhang.org.selectors import integrity_violations, violation_kinds


class Command(BaseCommand):
    help = "户户有人联检查 / Integrity check of the tree; exit code 1 on errors."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        found = integrity_violations(Q())
        kinds = violation_kinds()
        if options["json"]:
            self.stdout.write(
                json.dumps([v.__dict__ for v in found], ensure_ascii=False)
            )
        else:
            for kind, n in sorted(Counter(v.kind for v in found).items()):
                self.stdout.write(f"{kinds[kind]:<12} {n}")
            for v in found[:50]:
                self.stdout.write(f"[{v.severity}] {v.message}")
            if not found:
                self.stdout.write("户户有人联：没有问题 / no violations")
        if any(v.severity == "error" for v in found):
            raise SystemExit(1)
