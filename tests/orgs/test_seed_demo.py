from io import StringIO

from django.core.management import call_command

from ketnoi.channels.models import Channel
from ketnoi.dossiers.models import Dossier
from ketnoi.procedures.models import Procedure


def test_seed_demo_runs_every_seeder_and_prints_the_logins(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    assert "tiepnhan.donghoa" in printed and "ketnoi-demo-2026" in printed
    # administrators and leaders sign in with a second factor: the demo key and how to get a code are printed
    from ketnoi.accounts.demo import demo_secret_base32

    assert demo_secret_base32() in printed and "demo_code" in printed
    assert Procedure.objects.count() >= 20
    assert Dossier.objects.count() >= 150
    assert Channel.objects.filter(type_code="webchat").exists()
    counts = (Procedure.objects.count(), Dossier.objects.count(), Channel.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Procedure.objects.count(), Dossier.objects.count(), Channel.objects.count()) == counts
