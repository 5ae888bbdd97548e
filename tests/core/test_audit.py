import pytest

from lmi_portal.core.models import AppendOnlyError, AuditEvent
from lmi_portal.core.services import audit_log

pytestmark = pytest.mark.django_db


def test_audit_rows_cannot_be_changed():
    event = audit_log(action="test.event", data={"a": 1})
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_audit_rows_cannot_be_deleted():
    event = audit_log(action="test.event")
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_admin_is_read_only(admin_client_with_mfa):
    event = audit_log(action="test.event")
    client = admin_client_with_mfa
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200
    client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert client.get("/admin/core/auditevent/add/").status_code == 403
