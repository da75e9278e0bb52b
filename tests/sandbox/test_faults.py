import httpx
import pytest

from .helpers import cs_text, followed_user, openapi


def test_5xx_answers(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    zalo_sandbox.set_faults(app_id=oa["app_id"], error_rate=1)
    answer = openapi(
        "/v3.0/oa/message/cs", oa["access_token"], {"recipient": {"user_id": user["user_id"]}, "message": {"text": "x"}}
    )
    assert answer.status_code == 503
    zalo_sandbox.set_faults(app_id=oa["app_id"], error_rate=0)
    assert cs_text(oa["access_token"], user["user_id"], "x")["error"] == 0
    assert len(zalo_sandbox.messages(oa_id=oa["oa_id"])) == 1


def test_global_switch_applies_to_every_oa(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    zalo_sandbox.set_faults(error_rate=1)
    assert openapi("/v2.0/oa/getoa", oa["access_token"], get={}).status_code == 503
    zalo_sandbox.set_faults(error_rate=0)
    assert openapi("/v2.0/oa/getoa", oa["access_token"], get={}).status_code == 200


def test_timeouts_store_nothing_but_lost_answers_do(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    zalo_sandbox.set_faults(oa_id=oa["oa_id"], timeout_rate=1, timeout_seconds=1.0)
    with pytest.raises(httpx.TimeoutException):
        cs_text(oa["access_token"], user["user_id"], "lost before", timeout=0.3)
    zalo_sandbox.set_faults(oa_id=oa["oa_id"], timeout_rate=0, lost_response_rate=1)
    with pytest.raises(httpx.TimeoutException):
        cs_text(oa["access_token"], user["user_id"], "kept", timeout=0.3)
    assert [m["text"] for m in zalo_sandbox.messages(oa_id=oa["oa_id"])] == ["kept"]


def test_expire_token_through_the_fault_switch(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    zalo_sandbox.set_faults(oa_id=oa["oa_id"], expire_token="expire")
    assert openapi("/v2.0/oa/getoa", oa["access_token"], get={}).json()["error"] == -220


def test_latency_still_answers(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    zalo_sandbox.set_faults(oa_id=oa["oa_id"], latency_ms=50)
    assert openapi("/v2.0/oa/getoa", oa["access_token"], get={}).json()["error"] == 0


def test_control_api_rejects_bad_input_clearly(zalo_sandbox):
    answer = httpx.post(f"{zalo_sandbox.base_url}/sandbox/control/faults", json={"error_rate": 2})
    assert answer.status_code == 400 and "between 0 and 1" in answer.json()["error"]
    answer = httpx.post(f"{zalo_sandbox.base_url}/sandbox/control/follow", json={"user": "1", "oa_id": "2"})
    assert answer.status_code == 400 and "no user" in answer.json()["error"]
    answer = httpx.post(f"{zalo_sandbox.base_url}/sandbox/control/users", content=b"[1]")
    assert answer.status_code == 400
