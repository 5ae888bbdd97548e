"""Following initiatives and topics, the followers list, and notifying followers."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from initiatives.models import Initiative
from initiatives.selectors.follow import FOLLOWERS_SHOWN, initiative_follow_context
from initiatives.selectors.initiatives import initiative_get
from initiatives.services.follow import initiative_follow_set, topic_follow_set
from initiatives.services.notify import initiative_followers_notify
from lmi_portal.core.models import Follow, Notification, System, Theme
from lmi_portal.core.notifications import follow_set
from partners.models import TLP, Membership
from tests.factories import (
    InitiativeFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

FOLLOWING_URL = reverse("initiatives:following")


def _follows(user, target) -> int:
    ct = ContentType.objects.get_for_model(target)
    return Follow.objects.filter(user=user, target_ct=ct, target_id=target.pk).count()


def _follow_url(initiative: Initiative) -> str:
    return reverse("initiatives:follow", args=[initiative.pk])


def _topic_url(kind: str, pk: int) -> str:
    return reverse("initiatives:follow_topic", args=[kind, pk])


@pytest.fixture
def amber(company) -> Initiative:
    return InitiativeFactory(
        title="Voorspellend onderhoud Boxer", owner_organisation=company, tlp=TLP.AMBER
    )


@pytest.fixture
def theme() -> Theme:
    return Theme.objects.get(slug="data-ai")


# --- Following an initiative ----------------------------------------------------------------


def test_member_follows_an_initiative_without_javascript(client, member, amber):
    client.force_login(member)
    response = client.post(_follow_url(amber), {"following": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == amber.get_absolute_url()
    assert "U volgt dit initiatief nu." in response.content.decode()
    assert _follows(member, amber) == 1


def test_following_twice_keeps_one_follow_and_unfollowing_removes_it(member, amber):
    initiative_follow_set(user=member, initiative=amber, following=True)
    initiative_follow_set(user=member, initiative=amber, following=True)
    assert _follows(member, amber) == 1
    initiative_follow_set(user=member, initiative=amber, following=False)
    initiative_follow_set(user=member, initiative=amber, following=False)
    assert _follows(member, amber) == 0


def test_htmx_follow_swaps_the_button_and_updates_the_followers(client, member, amber):
    client.force_login(member)
    response = client.post(_follow_url(amber), {"following": "1"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="follow-initiative-{amber.pk}"' in body
    assert 'aria-pressed="true"' in body
    assert 'name="following" value="0"' in body
    assert 'id="initiative-followers"' in body and 'hx-swap-oob="true"' in body
    assert str(member) in body
    assert "<html" not in body


def test_htmx_unfollow_from_the_following_page_returns_only_the_button(client, member, amber):
    follow_set(user=member, target=amber, following=True)
    client.force_login(member)
    response = client.post(
        _follow_url(amber),
        {"following": "0", "next": FOLLOWING_URL},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert 'aria-pressed="false"' in body
    assert "initiative-followers" not in body
    assert _follows(member, amber) == 0


def test_unfollow_without_javascript_goes_back_to_a_safe_next_only(client, member, amber):
    client.force_login(member)
    response = client.post(_follow_url(amber), {"following": "0", "next": FOLLOWING_URL})
    assert response.url == FOLLOWING_URL
    response = client.post(_follow_url(amber), {"following": "0", "next": "https://evil.example/"})
    assert response.url == amber.get_absolute_url()


def test_outsider_gets_404_when_following_an_amber_initiative_and_nothing_is_written(
    client, outsider, amber
):
    client.force_login(outsider)
    assert client.post(_follow_url(amber), {"following": "1"}).status_code == 404
    htmx = client.post(_follow_url(amber), {"following": "1"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 404
    assert Follow.objects.count() == 0


def test_the_service_refuses_to_follow_an_invisible_initiative(outsider, amber):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        initiative_follow_set(user=outsider, initiative=amber, following=True)
    assert Follow.objects.count() == 0


def test_detail_page_shows_the_follow_button_and_followers(client, member, amber):
    follow_set(user=member, target=amber, following=True)
    client.force_login(member)
    body = client.get(amber.get_absolute_url()).content.decode()
    assert f'action="{_follow_url(amber)}"' in body
    assert 'aria-pressed="true"' in body
    assert 'id="initiative-followers"' in body
    assert "1 persoon volgt dit initiatief." in body


def test_follow_needs_post(client, member, amber):
    client.force_login(member)
    assert client.get(_follow_url(amber)).status_code == 405


# --- The followers partial context ----------------------------------------------------------


def test_follow_context_counts_active_members_and_names_a_bounded_list(
    member, company, amber, django_assert_num_queries
):
    followers = [member_of(company) for _ in range(FOLLOWERS_SHOWN + 4)]
    for user in followers:
        follow_set(user=user, target=amber, following=True)
    gone = member_of(company, is_active=False)
    follow_set(user=gone, target=amber, following=True)
    ended = UserFactory()
    MembershipFactory(
        user=ended, organisation=company, end_date="2000-01-01", start_date="1999-01-01"
    )
    follow_set(user=ended, target=amber, following=True)

    initiative = initiative_get(user=member, pk=amber.pk)  # the page loads it first
    ContentType.objects.get_for_model(Initiative)
    with django_assert_num_queries(1):
        context = initiative_follow_context(user=member, initiative=initiative)

    assert context["is_following"] is False
    assert context["follower_count"] == FOLLOWERS_SHOWN + 4
    assert len(context["followers"]) == FOLLOWERS_SHOWN
    assert context["more_followers"] == 4
    assert gone not in context["followers"] and ended not in context["followers"]
    assert context["can_follow"] is True


def test_follow_context_knows_the_user_follows(member, amber):
    follow_set(user=member, target=amber, following=True)
    context = initiative_follow_context(user=member, initiative=amber)
    assert context["is_following"] is True
    assert context["followers"] == [member]
    assert context["more_followers"] == 0


def test_follow_context_knows_the_user_follows_beyond_the_names_shown(member, company, amber):
    for _ in range(FOLLOWERS_SHOWN + 2):
        follow_set(user=member_of(company, last_name="Aalbers"), target=amber, following=True)
    member.last_name = "Zwart"  # sorts after everyone named
    member.save()
    follow_set(user=member, target=amber, following=True)
    context = initiative_follow_context(user=member, initiative=amber)
    assert member not in context["followers"]
    assert context["is_following"] is True
    assert context["follower_count"] == FOLLOWERS_SHOWN + 3


def test_follow_context_of_a_former_member_shows_their_old_follow(member, company, amber):
    follow_set(user=member, target=amber, following=True)
    Membership.objects.filter(user=member).update(start_date="1999-01-01", end_date="2000-01-01")
    member.refresh_from_db()
    context = initiative_follow_context(user=member, initiative=amber)
    assert context["is_following"] is True
    assert context["can_follow"] is False
    assert context["followers"] == [] and context["follower_count"] == 0


def test_followers_partial_says_and_n_others(amber, company):
    from django.template.loader import render_to_string

    html = render_to_string(
        "initiatives/partials/_followers.html",
        {"follower_count": 25, "followers": [], "more_followers": 5, "initiative": amber},
    )
    assert "25 personen volgen dit initiatief." in html
    assert "en 5 anderen" in html


# --- Topics ---------------------------------------------------------------------------------


def test_member_follows_a_theme_a_system_and_an_organisation(client, member, theme, competitor):
    system = System.objects.get(slug="boxer")
    client.force_login(member)
    for kind, target in (("thema", theme), ("systeem", system), ("organisatie", competitor)):
        response = client.post(_topic_url(kind, target.pk), {"following": "1"})
        assert response.url == FOLLOWING_URL
        assert _follows(member, target) == 1
    response = client.post(
        _topic_url("thema", theme.pk), {"following": "0"}, headers={"HX-Request": "true"}
    )
    assert 'aria-pressed="false"' in response.content.decode()
    assert _follows(member, theme) == 0


def test_topic_follow_is_idempotent(member, theme):
    topic_follow_set(user=member, kind="theme", pk=theme.pk, following=True)
    topic_follow_set(user=member, kind="theme", pk=theme.pk, following=True)
    assert _follows(member, theme) == 1


def test_inactive_theme_hidden_organisation_and_unknown_kind_are_404(client, member, theme):
    Theme.objects.filter(pk=theme.pk).update(is_active=False)
    onboarding = OrganisationFactory(onboarding=True)
    client.force_login(member)
    assert client.post(_topic_url("thema", theme.pk), {"following": "1"}).status_code == 404
    assert (
        client.post(_topic_url("organisatie", onboarding.pk), {"following": "1"}).status_code == 404
    )
    assert client.post(_topic_url("kleur", theme.pk), {"following": "1"}).status_code == 404
    assert Follow.objects.count() == 0


def test_portal_admin_without_membership_cannot_follow(client, portal_admin, theme):
    # Other users without a membership never get past the middleware's "no access" page.
    client.force_login(portal_admin)
    assert client.post(_topic_url("thema", theme.pk), {"following": "1"}).status_code == 404
    assert client.get(FOLLOWING_URL).status_code == 404
    assert Follow.objects.count() == 0


# --- The Volgen page ------------------------------------------------------------------------


def test_following_page_lists_followed_initiatives_and_topics(client, member, amber, theme):
    follow_set(user=member, target=amber, following=True)
    follow_set(user=member, target=theme, following=True)
    client.force_login(member)
    body = client.get(FOLLOWING_URL).content.decode()
    assert amber.title in body
    assert f'id="follow-thema-{theme.pk}"' in body
    theme_button = body.split(f'id="follow-thema-{theme.pk}-button"')[1][:300]
    assert 'aria-pressed="true"' in theme_button
    assert "Boxer" in body  # every active system can be followed


def test_following_page_leaves_out_initiatives_the_user_can_no_longer_see(
    client, outsider, competitor, company
):
    shared = InitiativeFactory(title="Gedeeld plan", owner_organisation=company, tlp=TLP.AMBER)
    ParticipationFactory(initiative=shared, organisation=competitor)
    follow_set(user=outsider, target=shared, following=True)
    shared.participations.all().delete()  # the competitor left; the follow row stays
    client.force_login(outsider)
    body = client.get(FOLLOWING_URL).content.decode()
    assert "Gedeeld plan" not in body


def test_following_page_costs_the_same_for_one_or_many_follows(client, member, company):
    client.force_login(member)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(FOLLOWING_URL).status_code == 200
        return len(ctx.captured_queries)

    follow_set(user=member, target=InitiativeFactory(owner_organisation=company), following=True)
    queries()  # warm the content-type cache
    one = queries()
    for _ in range(10):
        follow_set(
            user=member, target=InitiativeFactory(owner_organisation=company), following=True
        )
    for theme in Theme.objects.all()[:5]:
        follow_set(user=member, target=theme, following=True)
    assert queries() == one


# --- Notifying followers --------------------------------------------------------------------


def _notify(initiative: Initiative, verb: str = "initiative.phase_changed", actor=None) -> int:
    title = initiative.title
    return initiative_followers_notify(
        initiative=initiative,
        verb=verb,
        text=lambda: translation.gettext("Nieuwe fase voor '%(t)s'") % {"t": title},
        actor=actor,
    )


def test_outsider_following_the_theme_of_an_amber_initiative_gets_nothing(
    outsider, member, amber, theme
):
    amber.themes.add(theme)
    follow_set(user=outsider, target=theme, following=True)
    follow_set(user=member, target=theme, following=True)

    assert _notify(amber) == 1
    assert Notification.objects.filter(recipient=outsider).count() == 0
    notification = Notification.objects.get(recipient=member)
    assert notification.verb == "initiative.phase_changed"
    assert notification.url == amber.get_absolute_url()
    assert notification.target == amber
    assert amber.title in notification.text


def test_obstacle_verb_reaches_followers_of_a_system(member, amber):
    system = System.objects.get(slug="cv90")
    amber.systems.add(system)
    follow_set(user=member, target=system, following=True)
    assert _notify(amber, verb="initiative.obstacle_raised") == 1
    assert Notification.objects.get(recipient=member).verb == "initiative.obstacle_raised"


def test_followers_of_owner_and_participating_organisations_are_notified(
    member, outsider, company, competitor, amber
):
    ParticipationFactory(initiative=amber, organisation=competitor)
    follow_set(user=member, target=company, following=True)
    follow_set(user=outsider, target=competitor, following=True)
    assert _notify(amber) == 2
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        member.pk,
        outsider.pk,
    }


def test_a_user_following_several_paths_gets_one_notification(member, amber, theme, company):
    amber.themes.add(theme)
    for target in (amber, theme, company):
        follow_set(user=member, target=target, following=True)
    assert _notify(amber) == 1


def test_actor_inactive_users_and_users_without_membership_get_nothing(member, company, amber):
    gone = member_of(company, is_active=False)
    loner = UserFactory()
    ended = UserFactory()
    MembershipFactory(
        user=ended, organisation=company, end_date="2000-01-01", start_date="1999-01-01"
    )
    for user in (member, gone, loner, ended):
        follow_set(user=user, target=amber, following=True)
    assert _notify(amber, actor=member) == 0
    assert Notification.objects.count() == 0


def test_green_initiative_reaches_every_following_active_member(outsider, company, theme):
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    green.themes.add(theme)
    follow_set(user=outsider, target=theme, following=True)
    assert _notify(green) == 1


def test_suspended_organisation_member_gets_nothing(company, theme):
    suspended_org = OrganisationFactory(suspended=True)
    user = member_of(suspended_org)
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    green.themes.add(theme)
    follow_set(user=user, target=theme, following=True)
    assert Membership.objects.filter(user=user).exists()
    assert _notify(green) == 0


def test_text_is_written_in_each_recipients_language(member, company, amber):
    english = member_of(company, language="en")
    for user in (member, english):
        follow_set(user=user, target=amber, following=True)
    initiative_followers_notify(
        initiative=amber, verb="initiative.updated", text=lambda: translation.get_language()
    )
    texts = dict(Notification.objects.values_list("recipient_id", "text"))
    assert texts == {member.pk: "nl", english.pk: "en"}
