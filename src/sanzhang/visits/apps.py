from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "sanzhang.visits"
    label = "visits"
    verbose_name = "走访"
