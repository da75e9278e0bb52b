import httpx

from django.conf import settings

from ketnoi.sandbox.oauth import pkce_challenge

from .helpers import cs_text, followed_user, refresh


def test_refresh_token_works_once_and_returns_a_new_pair(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    first = refresh(oa["app_id"], oa["app_secret"], oa["refresh_token"])
    assert set(first) == {"access_token", "refresh_token", "expires_in"}
    assert first["expires_in"] == "90000"  # a string, as Zalo sends it
    assert first["refresh_token"] != oa["refresh_token"]

    again = refresh(oa["app_id"], oa["app_secret"], oa["refresh_token"])
    assert "access_token" not in again and again["error"] < 0

    second = refresh(oa["app_id"], oa["app_secret"], first["refresh_token"])
    assert "access_token" in second
    user = followed_user(zalo_sandbox, oa)
    assert cs_text(second["access_token"], user["user_id"], "hello")["error"] == 0


def test_refresh_needs_the_app_secret_in_the_secret_key_header(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    answer = refresh(oa["app_id"], "wrong", oa["refresh_token"])
    assert "access_token" not in answer and answer["error"] < 0
    # the refresh token was not spent by the refused call
    assert "access_token" in refresh(oa["app_id"], oa["app_secret"], oa["refresh_token"])


def test_authorization_code_with_pkce_works_once(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    verifier = "v" * 43
    code = zalo_sandbox.auth_code(oa["oa_id"], code_challenge=pkce_challenge(verifier))
    url = f"{settings.ZALO_OAUTH_BASE}/v4/oa/access_token"
    form = {"code": code, "app_id": oa["app_id"], "grant_type": "authorization_code", "code_verifier": "x" * 43}
    assert httpx.post(url, headers={"secret_key": oa["app_secret"]}, data=form).json()["error"] < 0
    form["code_verifier"] = verifier
    assert "access_token" in httpx.post(url, headers={"secret_key": oa["app_secret"]}, data=form).json()
    assert "access_token" not in httpx.post(url, headers={"secret_key": oa["app_secret"]}, data=form).json()


def test_expired_and_invalid_access_tokens(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    assert cs_text("not-a-token", user["user_id"], "x")["error"] == -216
    zalo_sandbox.expire_token(oa_id=oa["oa_id"])
    answer = cs_text(oa["access_token"], user["user_id"], "x")
    assert (answer["error"], answer["message"]) == (-220, "access_token is expired or removed")
    fresh = refresh(oa["app_id"], oa["app_secret"], oa["refresh_token"])
    assert cs_text(fresh["access_token"], user["user_id"], "x")["error"] == 0
    zalo_sandbox.expire_token(app_id=oa["app_id"], invalidate=True)
    assert cs_text(fresh["access_token"], user["user_id"], "x")["error"] == -216
    assert len(zalo_sandbox.messages(oa_id=oa["oa_id"])) == 1


def test_access_token_ttl_is_configurable(zalo_sandbox, settings):
    settings.SANDBOX = {"ACCESS_TOKEN_TTL": 0}
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    assert cs_text(oa["access_token"], user["user_id"], "x")["error"] == -220


def test_appsecret_proof_is_checked_when_sent(zalo_sandbox):
    import hashlib
    import hmac

    from .helpers import openapi

    oa = zalo_sandbox.create_oa("OA")
    proof = hmac.new(oa["app_secret"].encode(), oa["access_token"].encode(), hashlib.sha256).hexdigest()
    assert (
        openapi("/v2.0/oa/getoa", oa["access_token"], get={}, headers={"appsecret_proof": proof}).json()["error"] == 0
    )
    wrong = openapi("/v2.0/oa/getoa", oa["access_token"], get={}, headers={"appsecret_proof": "00"}).json()
    assert wrong["error"] == -242


def test_concurrent_refreshes_with_one_token_grant_exactly_one_pair(zalo_sandbox):
    from concurrent.futures import ThreadPoolExecutor

    oa = zalo_sandbox.create_oa("OA")
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: refresh(oa["app_id"], oa["app_secret"], oa["refresh_token"]), range(6)))
    assert sum("access_token" in a for a in answers) == 1
