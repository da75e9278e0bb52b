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
    # every demo login whose role requires it has the demo key, including those the later seeders add
    # (giamsat.tinh, lanhdao.tuphap): none is sent to set up an authenticator of their own
    from django.contrib.auth import get_user_model

    from ketnoi.accounts.policy import second_factor_required
    from ketnoi.accounts.twofactor import has_second_factor

    users = get_user_model().objects.filter(is_active=True)
    without = [u.username for u in users if second_factor_required(u) and not has_second_factor(u)]
    assert without == []
    assert "giamsat.tinh" in printed and "lanhdao.tuphap" in printed
    assert Procedure.objects.count() >= 20
    assert Dossier.objects.count() >= 150
    assert Channel.objects.filter(type_code="webchat").exists()
    counts = (Procedure.objects.count(), Dossier.objects.count(), Channel.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Procedure.objects.count(), Dossier.objects.count(), Channel.objects.count()) == counts
