"""The `sanzhang` command: a thin front to the management commands.

sanzhang serve [--host 127.0.0.1] [--port 8000]   run the web server (waitress)
sanzhang demo [--profile county]                 load the synthetic demo township
sanzhang import FILE --township NAME [--dry-run] import a roster (.xlsx / .csv)
sanzhang export --unit ID -o FILE                export a roster to .xlsx
sanzhang check                                   户户有人联 integrity check
sanzhang stats [--json]                          counts per level
sanzhang partition IN.csv -o OUT.csv             form neighborhoods (no database)
sanzhang <any django management command>         e.g. migrate, createsuperuser
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "import": "import_roster",
    "export": "export_roster",
    "check": "check_integrity",
    "serve": "serve",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    if args[0] == "partition":
        # The optimiser needs no database and no Django.
        from sanzhang.partition.cli import main as partition_main

        return partition_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")
    from django.core.management import execute_from_command_line

    command = ALIASES.get(args[0], args[0])
    execute_from_command_line(["sanzhang", command, *args[1:]])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
