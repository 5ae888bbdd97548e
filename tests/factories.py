"""Factories with traits for the shared cast. Every name here is fictional."""

from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from faker import Faker

from initiatives.models import (
    ActionItem,
    Comment,
    Initiative,
    Obstacle,
    Participation,
    ParticipationInvite,
    Phase,
    PhaseChange,
    PulseForm,
    PulseRound,
)
from knowledge.models import KnowledgeItem
from lmi_portal.core.markdown import render_markdown
from network.models import Affiliation, Person, Tie
from partners.models import (
    TLP,
    CommonUnderstanding,
    CommonUnderstandingAcceptance,
    Membership,
    Organisation,
    SharingGroup,
    User,
)

_NL_FAKER = Faker("nl_NL")


def _plain_last_name() -> factory.declarations.BaseDeclaration:
    """A Dutch last name without an apostrophe ("d' Heripon"): tests look for names in HTML,
    where the apostrophe is escaped, and a random one made them fail now and then."""
    return factory.LazyFunction(lambda: _NL_FAKER.last_name().replace("'", ""))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Testorganisatie {n}")
    kind = Organisation.Kind.OEM
    status = Organisation.Status.ACTIVE

    class Params:
        suspended = factory.Trait(status=Organisation.Status.SUSPENDED)
        onboarding = factory.Trait(status=Organisation.Status.ONBOARDING)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"gebruiker{n}@test.example")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = _plain_last_name()
    password = factory.django.Password("test-wachtwoord-123")

    class Params:
        programme_manager = factory.Trait(portal_role=User.PortalRole.PROGRAMME_MANAGER)
        portal_admin = factory.Trait(
            portal_role=User.PortalRole.ADMIN, is_staff=True, is_superuser=True
        )
        suspended = factory.Trait(is_active=False)

    @factory.post_generation
    def accepted_common_understanding(
        obj: User, create: bool, extracted: bool | None, **kwargs: object
    ) -> None:
        # Everyone in the cast has accepted the current charter unless a test says otherwise.
        if create and extracted is not False:
            current = CommonUnderstanding.objects.order_by("-version").first()
            if current is not None:
                CommonUnderstandingAcceptance.objects.get_or_create(user=obj, version=current)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.MEMBER


class SharingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharingGroup

    name = factory.Sequence(lambda n: f"Deelgroep {n}")


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    title = factory.Sequence(lambda n: f"Initiatief {n}")
    summary = "Een korte samenvatting."
    phase = Phase.IDEA
    tlp = TLP.GREEN
    owner_organisation = factory.SubFactory(OrganisationFactory)


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    initiative = factory.SubFactory(InitiativeFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class ParticipationInviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipationInvite

    initiative = factory.SubFactory(InitiativeFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class PhaseChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhaseChange

    initiative = factory.SubFactory(InitiativeFactory)
    from_phase = Phase.IDEA
    to_phase = Phase.EXPLORATION


class ObstacleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Obstacle

    initiative = factory.SubFactory(InitiativeFactory)
    title = factory.Sequence(lambda n: f"Belemmering {n}")
    category = Obstacle.Category.PROCUREMENT


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    initiative = factory.SubFactory(InitiativeFactory)
    title = factory.Sequence(lambda n: f"Actie {n}")


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    initiative = factory.SubFactory(InitiativeFactory)
    body = "Goed idee, wij doen mee."
    body_html = factory.LazyAttribute(lambda c: render_markdown(c.body))


class PulseRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PulseRound

    title = factory.Sequence(lambda n: f"Monitorronde {n}")
    form = PulseForm.FULL
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class KnowledgeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnowledgeItem

    kind = KnowledgeItem.Kind.BEST_PRACTICE
    title = factory.Sequence(lambda n: f"Kennisitem {n}")
    summary = "Een korte samenvatting."
    tlp = TLP.GREEN
    owner_organisation = factory.SubFactory(OrganisationFactory)
    search_text = factory.LazyAttribute(lambda i: f"{i.title}\n{i.summary}")


def member_of(organisation: Organisation, **user_kwargs: object) -> User:
    """A user with a current membership of ``organisation``."""
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, organisation=organisation)
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = _plain_last_name()


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    title = "Adviseur instandhouding"
    email = factory.LazyAttribute(lambda o: f"{o.person.first_name.lower()}@test.example")


def tie_between(a: Person, b: Person, **kwargs: object) -> Tie:
    """A tie stored the way the model wants it: the lower id first."""
    first, second = sorted((a, b), key=lambda p: p.pk)
    defaults: dict[str, object] = {
        "source": Tie.Source.DECLARED,
        "status": Tie.Status.CONFIRMED,
        "declared_by": a,
    }
    defaults.update(kwargs)
    return Tie.objects.create(person_a=first, person_b=second, **defaults)


def person_of(user: User) -> Person:
    """The person record of an account (made on first need, as the portal does)."""
    from network.services.affiliations import person_for_user

    return person_for_user(user=user)
