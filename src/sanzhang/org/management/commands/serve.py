from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行网站 / Run the web server (waitress, static files by whitenoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from sanzhang.config.wsgi import application

        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            f"三长制平台 / Sanzhang: http://{host}:{port}/  (Ctrl+C 停止)"
        )
        serve(application, host=host, port=port, threads=threads, ident="sanzhang")
