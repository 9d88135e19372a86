"""Reference data (programmes and dated rates, organisations, causes of risk debt, rules) and, on PostgreSQL, a
trigger that refuses UPDATE and DELETE on the ledger (docs/adr/0003-append-only-ledger.md)."""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION credit_ledger_append_only() RETURNS trigger AS $$
BEGIN
    -- The one exception: removing a synthetic province (credit.demo.delete_province_loans sets this locally).
    IF TG_OP = 'DELETE' AND current_setting('sinhke.ledger_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'credit_ledgerentry is append-only: record a reversing entry instead of %', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON credit_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only();
"""
UNGUARD = """
DROP TRIGGER IF EXISTS credit_ledger_append_only ON credit_ledgerentry;
DROP FUNCTION IF EXISTS credit_ledger_append_only();
"""


def seed(apps, schema_editor):
    from credit.seed import seed_reference_data

    seed_reference_data(apps)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
