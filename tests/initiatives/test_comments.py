"""Comments: Markdown, @mentions through the access policy, deleting, and the htmx form."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from initiatives.models import Comment, Initiative
from initiatives.services import comments as services
from lmi_portal.core.models import AuditEvent, Notification
from partners.models import TLP
from tests.factories import (
    CommentFactory,
    InitiativeFactory,
    OrganisationFactory,
    ParticipationFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def amber(company) -> Initiative:
    return InitiativeFactory(title="Digitale logboeken", owner_organisation=company, tlp=TLP.AMBER)


def _url(name: str, *args: int) -> str:
    return reverse(f"initiatives:{name}", args=args)


# --- Posting --------------------------------------------------------------------------------


def test_comment_is_stripped_and_rendered_as_markdown(member, amber):
    comment = services.comment_create(actor=member, initiative=amber, body="  Dit is **vet**  ")
    assert comment.body == "Dit is **vet**"
    assert "<strong>vet</strong>" in comment.body_html
    assert comment.author == member
    amber.refresh_from_db()
    assert amber.last_activity_at >= comment.created_at


@pytest.mark.parametrize("body", ["", "   \n  "])
def test_empty_comment_is_refused(member, amber, body):
    with pytest.raises(ValidationError) as exc:
        services.comment_create(actor=member, initiative=amber, body=body)
    assert exc.value.message_dict["body"] == ["Schrijf eerst een reactie."]
    assert not Comment.objects.exists()


def test_too_long_comment_is_refused(member, amber):
    with pytest.raises(ValidationError) as exc:
        services.comment_create(actor=member, initiative=amber, body="x" * 10001)
    assert "hoogstens 10000 tekens" in exc.value.message_dict["body"][0]
    assert not Comment.objects.exists()


def test_exactly_10000_characters_is_allowed(member, amber):
    comment = services.comment_create(actor=member, initiative=amber, body="x" * 10000)
    assert len(comment.body) == 10000


def test_script_in_a_comment_is_inert_on_the_page(client, member, amber):
    services.comment_create(
        actor=member,
        initiative=amber,
        body=(
            '<script>alert("x")</script> en [klik](javascript:alert(1)) '
            "<img src=x onerror=alert(1)>"
        ),
    )
    client.force_login(member)
    for url in (amber.get_absolute_url(), _url("comments", amber.pk)):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body
        assert "javascript:alert" not in body
        assert "<img" not in body
        assert "&lt;script&gt;" in body


def test_outsider_may_comment_on_a_green_initiative(outsider, company):
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    comment = services.comment_create(actor=outsider, initiative=green, body="Wij ook!")
    assert comment.pk is not None


def test_service_refuses_a_comment_from_someone_who_cannot_see_it(outsider, amber):
    with pytest.raises(PermissionDenied):
        services.comment_create(actor=outsider, initiative=amber, body="Hallo")
    assert not Comment.objects.exists()


# --- Mentions -------------------------------------------------------------------------------


def test_mention_tokens():
    body = (
        "Vraag @jan.jansen en @Piet@Thales.example. Mail nooit naar klaas@ddvs.example; "
        "@jan.jansen."
    )
    assert services.mention_tokens(body) == ["jan.jansen", "piet@thales.example"]


def test_mention_notifies_a_user_who_may_see_it(member, amber, company):
    colleague = member_of(company, email="jan.jansen@ddvs.example")
    comment = services.comment_create(
        actor=member, initiative=amber, body="Kun jij dit oppakken, @jan.jansen?"
    )
    note = Notification.objects.get(verb="comment.mentioned")
    assert note.recipient == colleague
    assert "Digitale logboeken" in note.text
    assert note.url == f"{amber.get_absolute_url()}#comment-{comment.pk}"


def test_mention_by_full_address(member, amber, company):
    colleague = member_of(company, email="piet@ddvs.example")
    services.comment_create(actor=member, initiative=amber, body="@piet@ddvs.example kijk even")
    assert Notification.objects.get(verb="comment.mentioned").recipient == colleague


def test_mention_of_someone_who_cannot_see_it_notifies_nobody(member, amber, outsider):
    services.comment_create(
        actor=member, initiative=amber, body="@concurrent en @concurrent@rmmv.example lezen mee?"
    )
    assert not Notification.objects.filter(verb="comment.mentioned").exists()


def test_mention_reaches_a_participant_but_not_a_namesake_outside(member, amber, competitor):
    partner_org = OrganisationFactory()
    ParticipationFactory(initiative=amber, organisation=partner_org)
    participant = member_of(partner_org, email="anna@partner.example")
    member_of(competitor, email="anna@rmmv.example")
    inactive = UserFactory(email="anna@oud.example", is_active=False)
    services.comment_create(actor=member, initiative=amber, body="Dank @anna!")
    recipients = list(
        Notification.objects.filter(verb="comment.mentioned").values_list("recipient", flat=True)
    )
    assert recipients == [participant.pk]
    assert inactive.pk not in recipients


def test_mentioning_yourself_notifies_nobody(member, amber):
    services.comment_create(actor=member, initiative=amber, body="Notitie voor @lid")
    assert not Notification.objects.exists()


# --- Deleting -------------------------------------------------------------------------------


def test_author_deletes_own_comment_and_it_is_audited(member, amber, outsider, company):
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    comment = CommentFactory(initiative=green, author=outsider)
    services.comment_delete(actor=outsider, comment=comment)
    assert not Comment.objects.filter(pk=comment.pk).exists()
    event = AuditEvent.objects.get(action="comment.deleted")
    assert event.actor == outsider and event.data["author"] == outsider.pk


def test_editor_deletes_someone_elses_comment(member, company, outsider):
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    comment = CommentFactory(initiative=green, author=outsider)
    services.comment_delete(actor=member, comment=comment)
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_reader_cannot_delete_someone_elses_comment(client, member, company, outsider):
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    comment = CommentFactory(initiative=green, author=member)
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=outsider, comment=comment)
    client.force_login(outsider)
    body = client.get(_url("comments", green.pk)).content.decode()
    assert "Verwijderen" not in body
    response = client.post(_url("comment_delete", green.pk, comment.pk))
    assert response.status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_delete_through_htmx_rerenders_the_comments(client, member, amber):
    comment = CommentFactory(initiative=amber, author=member, body="Weg ermee")
    client.force_login(member)
    response = client.post(_url("comment_delete", amber.pk, comment.pk), headers=HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Reactie verwijderd." in body and "Weg ermee" not in body


# --- Views ----------------------------------------------------------------------------------


def test_posting_with_htmx_returns_the_comments_section(client, member, amber):
    client.force_login(member)
    response = client.post(_url("comments", amber.pk), {"body": "Mooi, **ga door**"}, headers=HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="comments"')
    assert "<strong>ga door</strong>" in body
    assert "Reactie geplaatst." in body
    assert Comment.objects.count() == 1


def test_posting_without_javascript_redirects_to_the_comments(client, member, amber):
    client.force_login(member)
    response = client.post(_url("comments", amber.pk), {"body": "Zonder JS"})
    assert response.status_code == 302
    assert response["Location"] == f"{amber.get_absolute_url()}#comments"
    assert Comment.objects.get().body == "Zonder JS"


def test_empty_comment_rerenders_with_an_error(client, member, amber):
    client.force_login(member)
    response = client.post(_url("comments", amber.pk), {"body": "   "}, headers=HX)
    assert response.status_code == 200
    assert "Schrijf eerst een reactie." in response.content.decode()
    assert not Comment.objects.exists()


def test_too_long_comment_rerenders_with_the_error_and_keeps_the_text(client, member, amber):
    text = "Lang verhaal " + "x" * 10000
    client.force_login(member)
    response = client.post(_url("comments", amber.pk), {"body": text}, headers=HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Een reactie is hoogstens 10000 tekens lang" in body
    assert text in body
    assert not Comment.objects.exists()


def test_comment_form_has_the_markdown_hint(client, member, amber):
    client.force_login(member)
    body = client.get(_url("comments", amber.pk), headers=HX).content.decode()
    assert "Markdown; noem iemand met @naam" in body
    assert "<html" not in body


def test_comments_section_without_javascript_is_a_whole_page(client, member, amber):
    CommentFactory(initiative=amber, author=member, body="Eerste reactie")
    client.force_login(member)
    response = client.get(_url("comments", amber.pk))
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body and "Eerste reactie" in body
    assert "HX-Request" in response["Vary"]


def test_outsider_gets_404_on_every_comment_url_and_nothing_is_written(
    client, member, amber, outsider
):
    comment = CommentFactory(initiative=amber, author=member)
    client.force_login(outsider)
    assert client.get(_url("comments", amber.pk)).status_code == 404
    assert client.get(_url("comments", amber.pk), headers=HX).status_code == 404
    for headers in ({}, HX):
        assert (
            client.post(_url("comments", amber.pk), {"body": "Hoi"}, headers=headers).status_code
            == 404
        )
        assert (
            client.post(_url("comment_delete", amber.pk, comment.pk), headers=headers).status_code
            == 404
        )
    assert list(Comment.objects.all()) == [comment]
    assert not AuditEvent.objects.filter(action="comment.deleted").exists()


def test_comment_of_another_initiative_is_404(client, member, amber, company):
    other = InitiativeFactory(owner_organisation=company)
    comment = CommentFactory(initiative=other, author=member)
    client.force_login(member)
    assert client.post(_url("comment_delete", amber.pk, comment.pk)).status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()
