"""A wrong address or a page a role may not open answers in the site's language, inside its layout, not with
Django's bare English "Not Found" / "403 Forbidden"."""

from django.contrib.auth import get_user_model


def test_a_missing_page_answers_in_vietnamese(db, client):
    client.cookies["django_language"] = "vi"
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Không tìm thấy trang" in page and 'lang="vi"' in page and "Not Found" not in page


def test_a_page_outside_the_officials_role_answers_in_vietnamese(world, client):
    """A desk officer opening the community groups (a broadcast editor's page)."""
    client.cookies["django_language"] = "vi"
    client.force_login(get_user_model().objects.get(username="tiepnhan.donghoa"))
    response = client.get("/console/broadcasts/groups/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Không có quyền truy cập" in page and "403 Forbidden" not in page
