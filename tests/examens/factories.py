"""factory_boy factories for the registry. Catalogue rows come from the seed migration."""

import datetime
import itertools

import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from examens.models import (
    Candidate,
    Component,
    Decision,
    ExamCentre,
    Membership,
    Organisation,
    Role,
    Room,
    Route,
    User,
)
from examens.services import add_years

_bsn_counter = itertools.count(10_000_000)


def make_bsn() -> str:
    """A fresh nine-digit number that passes the 11-check."""
    while True:
        base = f"{next(_bsn_counter):08d}"
        total = sum(int(d) * w for d, w in zip(base, range(9, 1, -1), strict=True))
        last = total % 11
        if last <= 9:
            # 11-check: sum(9..2 weights) - last digit ≡ 0 (mod 11)
            return base + str(last)


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    # A declaration or a plain value: AgencyFactory pins both to fixed strings.
    name: factory.declarations.BaseDeclaration | str = factory.Sequence(lambda n: f"Gemeente {n}")
    kind = Organisation.Kind.MUNICIPALITY
    cbs_code: factory.declarations.BaseDeclaration | str = factory.Sequence(
        lambda n: f"{(n % 9000) + 1000:04d}"
    )


class AgencyFactory(OrganisationFactory):
    name = "DUO"
    kind = Organisation.Kind.AGENCY
    cbs_code = ""


class ProviderFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Examenbureau {n}")
    kind = Organisation.Kind.PROVIDER
    cbs_code = ""


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExamCentre

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Examenlocatie {n}")
    kind = ExamCentre.Kind.DECENTRALISED
    city = "Utrecht"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"Zaal {n}")
    capacity = 12


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nl")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PLANNER


def route(code: str = "B1", regime: str = "WI2021") -> Route:
    return Route.objects.get(code=code, regime__code=regime)


def component(code: str) -> Component:
    return Component.objects.get(code=code)


class CandidateFactory(factory.django.DjangoModelFactory[Candidate]):
    class Meta:
        model = Candidate

    bsn = factory.LazyFunction(make_bsn)
    given_names = factory.Sequence(lambda n: f"Amira{n}")
    family_name = factory.Sequence(lambda n: f"Haddad{n}")
    date_of_birth = datetime.date(1990, 5, 17)
    municipality = factory.SubFactory(OrganisationFactory)
    route = factory.LazyFunction(route)
    term_start = datetime.date(2025, 1, 15)
    term_end = factory.LazyAttribute(lambda c: add_years(c.term_start, 3))


def decide(candidate: Candidate, kind: str, **kwargs) -> Decision:
    """A live decision of `kind` about `candidate`, made directly (not through the
    service) by a new user for the candidate's municipality; `reason` "test" unless given."""
    kwargs.setdefault("reason", "test")
    return Decision.objects.create(
        candidate=candidate,
        kind=kind,
        decided_by=UserFactory.create(),
        decided_for=candidate.municipality,
        **kwargs,
    )


def add_totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="default", confirmed=True)


def current_totp(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
