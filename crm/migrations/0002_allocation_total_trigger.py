"""The database refuses allocations whose shares for one exchange and workload exceed 100%.

PostgreSQL checks at commit (a deferred constraint trigger), so a writer may move share
from one vendor to another inside a transaction; SQLite checks each row."""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION crm_allocation_total_check() RETURNS trigger AS $$
DECLARE
    total numeric;
    exchange_name text;
BEGIN
    SELECT COALESCE(SUM(share_percent), 0) INTO total FROM crm_allocation
     WHERE exchange_id = NEW.exchange_id AND workload = NEW.workload;
    IF total > 100 THEN
        SELECT name INTO exchange_name FROM crm_exchange WHERE id = NEW.exchange_id;
        RAISE EXCEPTION 'Allocation shares for exchange "%" and workload "%" add up to % percent, more than 100 percent',
            exchange_name, NEW.workload, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS crm_allocation_total ON crm_allocation;
CREATE CONSTRAINT TRIGGER crm_allocation_total
    AFTER INSERT OR UPDATE OF share_percent, exchange_id, workload ON crm_allocation
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION crm_allocation_total_check();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS crm_allocation_total ON crm_allocation;
DROP FUNCTION IF EXISTS crm_allocation_total_check();
"""

SQLITE_CHECK = """
CREATE TRIGGER IF NOT EXISTS crm_allocation_total_{event}
AFTER {event} ON crm_allocation
WHEN (SELECT COALESCE(SUM(share_percent), 0) FROM crm_allocation
      WHERE exchange_id = NEW.exchange_id AND workload = NEW.workload) > 100
BEGIN
    SELECT RAISE(ABORT, 'Allocation shares for one exchange and workload add up to more than 100 percent');
END;
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, None)
    elif vendor == "sqlite":
        for event in ("INSERT", "UPDATE"):
            schema_editor.execute(SQLITE_CHECK.format(event=event), None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for event in ("INSERT", "UPDATE"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS crm_allocation_total_{event}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
