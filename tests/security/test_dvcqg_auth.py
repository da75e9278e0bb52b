"""DVCQG `adapter/auth`: the console's lockout (django-axes: the same limit and cool-off, per user name and address)
and the same hashing work for an unknown user name as for a known one (no timing oracle)."""

import threading

import pytest

from django.test import Client

from tests.api_dvcqg.conftest import PASSWORD

from .hashers import CountingHasher

URL = "/api/dvcqg/adapter/auth"


def login(client, username, password, **extra):
    return client.post(URL, {"username": username, "password": password}, content_type="application/json", **extra)


def test_wrong_passwords_lock_the_client_out_then_the_right_one_is_refused_too(dvcqg, client, settings):
    username = dvcqg.client.username
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, username, "wrong").status_code == 401
    assert login(client, username, PASSWORD).status_code == 200  # under the limit: a success resets the count
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, username, "wrong").status_code == 401
    assert login(client, username, "wrong").status_code == 429  # the limit-th failure, as in the console
    locked = login(client, username, PASSWORD)
    assert locked.status_code == 429 and locked.json()["error_code"] == 401
    assert "session" not in locked.json() and int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME * 3600)
    # another address is not locked out; nor is an official with the same name in the console
    assert login(client, username, PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_unknown_names_are_locked_out_alike(dvcqg, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "no-such-client", "wrong").status_code == 401
    assert login(client, "no-such-client", "wrong").status_code == 429
    assert login(client, "no-such-client", "wrong").status_code == 429


def test_an_unknown_name_costs_the_same_hashing_as_a_wrong_password(world, settings):
    settings.PASSWORD_HASHERS = ["tests.security.hashers.CountingHasher"]
    from tests.api_dvcqg.conftest import make_client

    make_client(world)  # its password hashed with the counting hasher
    client = Client()
    costs = {}
    for case, (username, password) in {
        "known, wrong password": ("motcua.donghoa", "wrong"),
        "unknown name": ("motcua.khong-co", "wrong"),
        "empty name": ("", "wrong"),
        "known, right password": ("motcua.donghoa", PASSWORD),
    }.items():
        before = CountingHasher.verified
        login(client, username, password)
        costs[case] = CountingHasher.verified - before
    assert set(costs.values()) == {1}, costs


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_lock_out_at_the_limit(world, settings, live_server):
    """Concurrent wrong guesses (threads against the live server, on PostgreSQL row locks) never get more than the
    limit's worth through before the lockout holds for everyone at that address."""
    import httpx

    from tests.api_dvcqg.conftest import make_client

    make_client(world)
    statuses = []

    def guess():
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            for _ in range(4):
                statuses.append(http.post(URL, json={"username": "motcua.donghoa", "password": "x"}).status_code)

    threads = [threading.Thread(target=guess) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) < settings.AXES_FAILURE_LIMIT
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        answer = http.post(URL, json={"username": "motcua.donghoa", "password": PASSWORD})
    assert answer.status_code == 429
