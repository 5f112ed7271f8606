from django.apps import AppConfig
from django.core.signals import request_finished


class ImgPortalConfig(AppConfig):
    name = "imgportal"
    verbose_name = "IMG Portal"

    def ready(self) -> None:
        from imgportal import logs

        # The request id stays set until the response is done, so Django's own
        # "Not Found"/"Server Error" line, written after the middleware, has it.
        request_finished.connect(logs.on_request_finished, dispatch_uid="logs")
