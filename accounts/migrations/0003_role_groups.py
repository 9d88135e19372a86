from django.db import migrations

ROLES = ["cadre", "credit_officer", "group_leader", "chairman", "province_officer"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
