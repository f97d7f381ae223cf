import json

from django.core.management.base import BaseCommand

from sanzhang.org.selectors import stats


class Command(BaseCommand):
    help = "各层级数量 / Counts per level for the whole installation."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        counts = stats()
        if options["json"]:
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
            return
        for key, value in counts.items():
            self.stdout.write(f"{key:<20} {value}")
