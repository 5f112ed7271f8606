from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from django.core import checks

        # The permission cache's signals (a role change bumps the account's
        # permissions_version) must be connected in every process: web, worker,
        # beat and manage.py commands alike.
        import members.backends  # noqa: F401
        from members import hooks
        from members.sso import check_sign_in

        hooks.register()
        checks.register(check_sign_in)
