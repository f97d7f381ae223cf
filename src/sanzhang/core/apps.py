from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sanzhang.core"
    label = "core"
    verbose_name = "核心"
