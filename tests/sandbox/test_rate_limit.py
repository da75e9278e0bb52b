from .helpers import cs_text, followed_user, openapi, zbs


def test_per_app_limit_in_a_rolling_minute(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA", rate_limit_per_minute=5)
    other = zalo_sandbox.create_oa("Other OA", rate_limit_per_minute=5)
    user = followed_user(zalo_sandbox, oa)
    answers = [
        openapi(
            "/v3.0/oa/message/cs",
            oa["access_token"],
            {"recipient": {"user_id": user["user_id"]}, "message": {"text": str(i)}},
        )
        for i in range(6)
    ]
    assert [a.json()["error"] for a in answers] == [0, 0, 0, 0, 0, -32]
    assert [a.headers["X-RateLimit-Remain"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    assert answers[0].headers["X-RateLimit-Limit"] == "5"
    assert answers[5].json()["message"] == "Your application reached limit call api"
    assert zalo_sandbox.count_messages(oa_id=oa["oa_id"]) == 5
    # another app has its own count; template sends by phone are outside the OA API limit
    assert openapi("/v2.0/oa/getoa", other["access_token"], get={}).json()["error"] == 0
    assert zbs(oa["access_token"], {"phone": "84912345678", "template_id": "1", "template_data": {}})["error"] == 0


def test_default_limit_is_4000_per_app(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    answer = openapi("/v2.0/oa/getoa", oa["access_token"], get={})
    assert (answer.headers["X-RateLimit-Limit"], answer.headers["X-RateLimit-Remain"]) == ("4000", "3999")


def test_forced_rate_limiting_for_some_seconds(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    zalo_sandbox.set_faults(oa_id=oa["oa_id"], rate_limit_seconds=60)
    assert cs_text(oa["access_token"], user["user_id"], "x")["error"] == -32
    zalo_sandbox.set_faults(oa_id=oa["oa_id"], rate_limit_seconds=0)
    assert cs_text(oa["access_token"], user["user_id"], "x")["error"] == 0
