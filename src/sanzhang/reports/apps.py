from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "sanzhang.reports"
    label = "reports"
    verbose_name = "统计"
