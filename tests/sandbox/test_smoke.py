import httpx


def test_create_oa_and_send(zalo_sandbox, settings):
    oa = zalo_sandbox.create_oa("Phường Đông Hòa")
    assert len(oa["oa_id"]) in (18, 19) and oa["oa_id"].isdigit()
    user = zalo_sandbox.create_user("Nguyễn Văn A", phone="0912345678")
    f = zalo_sandbox.follow(user["uid"], oa["oa_id"])
    r = httpx.post(
        f"{settings.ZALO_OPENAPI_BASE}/v3.0/oa/message/cs",
        headers={"access_token": oa["access_token"]},
        json={"recipient": {"user_id": f["user_id"]}, "message": {"text": "Xin chào"}},
    )
    body = r.json()
    assert body["error"] == 0, body
    assert r.headers["X-RateLimit-Limit"] == "4000"
    assert [m["text"] for m in zalo_sandbox.messages(oa_id=oa["oa_id"])] == ["Xin chào"]
