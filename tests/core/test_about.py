from django.urls import reverse


def test_about_page_explains_the_portal_to_a_member(client, member):
    client.force_login(member)
    response = client.get(reverse("about"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Over het LMI Portaal" in body
    assert reverse("knowledge:index") in body


def test_about_page_needs_a_login(client, db):
    response = client.get(reverse("about"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
