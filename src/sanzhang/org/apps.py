from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "sanzhang.org"
    label = "org"
    verbose_name = "片组邻组织"
