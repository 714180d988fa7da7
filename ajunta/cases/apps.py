from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "ajunta.cases"
    label = "cases"
    verbose_name = _("Case files")

    def ready(self) -> None:
        from ajunta.cases.activity import SENTENCES
        from ajunta.core.activity import register_sentences

        register_sentences(SENTENCES)
        from ajunta.cases.selectors import person_records
        from ajunta.persons.services import register_person_records, register_person_reference

        register_person_reference("cases.CaseParty")
        register_person_records(person_records)
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions

        office = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}
        # Case files hold citizens' personal data: municipal office roles only. Provider staff
        # maintain procedure templates in the provider's organization but read no member's cases.
        register_permissions(
            {
                "cases.view": office,
                "cases.manage": office,
                "cases.sign": {Role.MUNICIPAL_ADMIN},
                "cases.settings": {Role.MUNICIPAL_ADMIN},
                "procedures.view": office | {Role.PROVIDER_ADMIN, Role.PROVIDER_TECHNICIAN},
                "procedures.manage": {Role.MUNICIPAL_ADMIN, Role.PROVIDER_ADMIN},
                # Only to show provider staff the way to the templates they keep.
                "procedures.templates": {Role.PROVIDER_ADMIN, Role.PROVIDER_TECHNICIAN},
                # The decrees book: drafted by the office, signed by the mayor (an elected member,
                # or the admin acting for them), taken note of by the secretary (the admin).
                "decrees.view": office | {Role.ELECTED_MEMBER},
                "decrees.create": office,
                "decrees.sign": {Role.ELECTED_MEMBER, Role.MUNICIPAL_ADMIN},
                "decrees.note": {Role.MUNICIPAL_ADMIN},
            }
        )
        register_module(
            Module(
                code="cases",
                label=_("Case files"),
                url_name="cases_list",
                permission="cases.view",
                links=(
                    (_("Case files"), "cases_list", None),
                    (_("Open a case file"), "cases_new", "cases.manage"),
                    (_("My tasks"), "cases_my_tasks", None),
                    (_("Procedure catalogue"), "cases_procedures", "procedures.view"),
                    (_("Decrees book"), "cases_decrees", "decrees.view"),
                ),
                order=20,
                figures="ajunta.cases.selectors.work_figures",
            )
        )
        # Provider staff read no case files, but keep the procedure templates members adopt.
        register_module(
            Module(
                code="procedure_templates",
                label=_("Procedure templates"),
                url_name="cases_procedures",
                permission="procedures.templates",
                links=((_("Procedure templates"), "cases_procedures", None),),
                order=21,
            )
        )
        # Decrees signed in person: the signature workflows tell the decree (issue 18).
        # A party a dead worker (or a mail server down) never alerted is alerted by the sweep.
        from ajunta.cases import (
            decree_signing,  # noqa: F401
            selectors,
            services,
        )
        from ajunta.core.sweep import Sweeper, register_sweeper

        register_sweeper(
            Sweeper(
                kind="cases.notification_alert",
                pending=selectors.notifications_unalerted,
                finish=services.notification_alert_send,
                describe=lambda notification: f"{notification.pk}",
            )
        )
