"""The audit log is append-only in the database itself."""

import pytest
from django.db import DatabaseError, transaction

from sanzhang.core.audit import audit_record
from sanzhang.core.models import AuditEvent


def test_audit_rows_cannot_be_updated_or_deleted(audit_locked):
    event = audit_record(by=None, action="test", note="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test"


@pytest.mark.django_db
def test_crypto_round_trip_and_keyed_hash(settings):
    from sanzhang.core import crypto

    sealed = crypto.seal("11010519491231002X")
    assert b"11010519491231002X" not in sealed
    assert crypto.unseal(sealed) == "11010519491231002X"
    assert crypto.seal("same") != crypto.seal("same")  # fresh nonce each time
    h = crypto.lookup_hash("id", "11010519491231002X")
    settings.DATA_KEY = "another-key"
    assert crypto.lookup_hash("id", "11010519491231002X") != h


def test_parse_id_and_parse_day_refuse_what_no_row_can_have():
    from datetime import date

    from sanzhang.core.parsing import parse_day, parse_id

    assert [parse_id(v) for v in ("12", 12, " 7 ", "9" * 19)] == [12, 12, 7, None]
    assert [parse_id(v) for v in ("0", "-3", "1e3", "９", "", None, True, 2**63)] == [
        None
    ] * 8
    assert parse_id(str(2**63 - 1)) == 2**63 - 1
    assert parse_day("2026-11-28") == date(2026, 11, 28)
    assert [parse_day(v) for v in ("9999-12-31", "0001-01-01", "2026-13-01", "")] == [
        None
    ] * 4
