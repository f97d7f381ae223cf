"""`sanzhang tick`: deadlines, reminders, escalation of overdue cases, notifications."""

from django.core.management.base import BaseCommand

from sanzhang.cases.services.escalation import cases_tick


class Command(BaseCommand):
    help = "标记临期/超期事件、提醒、超期自动上报（吹哨），并发送待发通知"

    def handle(self, *args, **options):
        report = cases_tick()
        self.stdout.write(report.summary())
