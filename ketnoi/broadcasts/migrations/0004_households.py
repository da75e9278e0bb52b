# Households become rows (issue 15, item 6): a member's household label turns into a Household of its group.

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def households_from_labels(apps, schema_editor):
    from ketnoi.broadcasts.models.audience import household_key

    Household = apps.get_model("broadcasts", "Household")
    GroupMember = apps.get_model("broadcasts", "GroupMember")
    for member in GroupMember.objects.exclude(household="").iterator():
        key = household_key(member.household)
        home, _created = Household.objects.get_or_create(
            group_id=member.group_id, label_key=key, defaults={"label": member.household[:120]}
        )
        GroupMember.objects.filter(pk=member.pk).update(home=home)


class Migration(migrations.Migration):
    dependencies = [
        ("broadcasts", "0003_archive_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="Household",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "label",
                    models.CharField(
                        help_text="House number and street, e.g. Số 12 ngõ 3.", max_length=120, verbose_name="house"
                    ),
                ),
                (
                    "label_key",
                    models.CharField(
                        editable=False, help_text="The label folded, to match typed labels.", max_length=120
                    ),
                ),
                ("head_name", models.CharField(blank=True, max_length=120, verbose_name="head of household")),
                (
                    "phone",
                    models.CharField(blank=True, help_text="E.164; shown masked.", max_length=20, verbose_name="phone"),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("console", "Added in the console"),
                            ("import", "Imported from a file"),
                            ("chat", "Joined from the chat"),
                        ],
                        default="console",
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="households",
                        to="broadcasts.communitygroup",
                    ),
                ),
            ],
            options={"ordering": ["group", "label_key", "id"]},
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.UniqueConstraint(fields=("group", "label_key"), name="household_label_unique"),
        ),
        migrations.AddField(
            model_name="groupmember",
            name="home",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to="broadcasts.household"
            ),
        ),
        migrations.RunPython(households_from_labels, migrations.RunPython.noop),
        migrations.RemoveField(model_name="groupmember", name="household"),
        migrations.RenameField(model_name="groupmember", old_name="home", new_name="household"),
        migrations.AlterField(
            model_name="groupmember",
            name="household",
            field=models.ForeignKey(
                blank=True,
                help_text="Household.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="members",
                to="broadcasts.household",
            ),
        ),
    ]
