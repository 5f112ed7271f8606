from django.apps import AppConfig


class ImgPortalConfig(AppConfig):
    name = "imgportal"
    verbose_name = "IMG Portal"
