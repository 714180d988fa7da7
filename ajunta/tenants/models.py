"""Organizations: the provider and every member body served by this Ajunta deployment."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ajunta.core.validators import validate_dir3_code, validate_ine_code

two_digits = RegexValidator(r"^\d{2}$", _("Two digits, e.g. 08."))


class OrganizationKind(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    MUNICIPALITY = "municipality", _("Municipality")
    COUNTY_COUNCIL = "county_council", _("County council")
    PROVINCIAL_COUNCIL = "provincial_council", _("Provincial council")
    CONSORTIUM = "consortium", _("Consortium")
    OTHER_LOCAL_ENTITY = "other_local_entity", _("Other local entity")


class Organization(models.Model):
    kind = models.CharField(_("kind"), max_length=24, choices=OrganizationKind.choices)
    is_provider = models.BooleanField(
        _("runs this platform"),
        default=False,
        help_text=_("The supra-municipal body that provides Ajunta to its members."),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name (URL)"), max_length=60, unique=True)
    ine_code = models.CharField(
        _("INE code"), max_length=6, blank=True, validators=[validate_ine_code]
    )
    dir3_code = models.CharField(
        _("DIR3 code"), max_length=9, blank=True, validators=[validate_dir3_code]
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    province_code = models.CharField(
        _("province code"), max_length=2, blank=True, validators=[two_digits]
    )
    autonomous_community_code = models.CharField(
        _("autonomous community code"),
        max_length=2,
        validators=[two_digits],
        help_text=_(
            "INE code of the autonomous community (09 Catalonia); it selects the holidays."
        ),
    )
    comarca = models.CharField(_("comarca"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ine_code"],
                condition=~models.Q(ine_code="") & models.Q(kind="municipality"),
                name="tenants_org_unique_municipality_ine",
            ),
            models.UniqueConstraint(
                fields=["dir3_code"],
                condition=~models.Q(dir3_code=""),
                name="tenants_org_unique_dir3",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.ine_code and self.province_code and self.ine_code[:2] != self.province_code:
            errors["province_code"] = _(
                "The province code must match the INE code's first two digits."
            )
        if (
            self.kind == OrganizationKind.MUNICIPALITY
            and self.ine_code
            and self.dir3_code.startswith("L01")
            and self.dir3_code[3:] != self.ine_code
        ):
            errors["dir3_code"] = _("A town council's DIR3 code is L01 followed by its INE code.")
        if errors:
            raise ValidationError(errors)
