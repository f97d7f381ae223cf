"""`sanzhang tick`: deadlines, reminders, escalation of overdue cases, notifications,
then each outreach module's periodic work (overdue visits, unrelayed notices ...)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from sanzhang.activities.services import tick as activities_tick
from sanzhang.cases.services.escalation import cases_tick
from sanzhang.cases.services.notify import outbox_deliver
from sanzhang.notices.services import tick as notices_tick
from sanzhang.visits.services import tick as visits_tick

OUTREACH_TICKS = (visits_tick.tick, notices_tick.tick, activities_tick.tick)


class Command(BaseCommand):
    help = "标记临期/超期事件、提醒、超期自动上报（吹哨），提醒走访和通知传达，并发送待发通知"

    def handle(self, *args, **options):
        now = timezone.now()
        report = cases_tick(now=now, deliver=False)
        lines = [line for t in OUTREACH_TICKS if (line := t(now))]
        # Delivered last, so the reminders queued above go out in this run.
        report.outbox = outbox_deliver(now=now)
        self.stdout.write("\n".join([report.summary(), *lines]))
