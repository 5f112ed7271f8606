from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from django.core import checks

        from members import hooks
        from members.sso import check_sign_in

        hooks.register()
        checks.register(check_sign_in)
