from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "sanzhang.cases"
    label = "cases"
    verbose_name = "事件"
