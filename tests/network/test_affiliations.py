import pytest

from network.models import Affiliation, Person
from network.services.affiliations import person_for_user
from partners.services import membership_end, membership_set
from tests.factories import AffiliationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_membership_gives_a_person_and_a_current_affiliation(company, portal_admin):
    user = UserFactory(first_name="Anouk", last_name="Smits")
    membership_set(actor=portal_admin, user=user, organisation=company)
    person = Person.objects.get(user=user)
    assert person.full_name == "Anouk Smits"
    assert Affiliation.objects.current().filter(person=person, organisation=company).exists()


def test_ending_the_membership_ends_the_affiliation(company, portal_admin):
    user = UserFactory()
    membership = membership_set(actor=portal_admin, user=user, organisation=company)
    membership_end(actor=portal_admin, membership=membership)
    person = Person.objects.get(user=user)
    assert not Affiliation.objects.current().filter(person=person).exists()
    assert Affiliation.objects.filter(person=person, end_date__isnull=False).exists()


def test_a_login_adopts_the_record_made_for_them_before(company):
    recorded = PersonFactory(first_name="Bas", last_name="Koster")
    AffiliationFactory(person=recorded, organisation=company, email="bas@hydrauliek.example")
    user = UserFactory(email="bas@hydrauliek.example")
    assert person_for_user(user=user) == recorded
    assert Person.objects.filter(last_name="Koster").count() == 1
