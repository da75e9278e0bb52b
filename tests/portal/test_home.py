"""The portal's front page leads to every public service, in Vietnamese by default."""


def test_home_links_every_public_service(client, db):
    page = client.get("/").content.decode()
    for href in ("/tra-cuu/", "/thu-tuc/", "/phan-anh/", "/tin-tuc/", "/doanh-nghiep/", "/co-so-attp/", "/chat/"):
        assert page.count(f'href="{href}"') == 1, href
    links = page.split('class="portal-links"', 1)[1]
    assert "Tin tức và chính sách" in links, links
    assert "Doanh nghiệp" in links and "an toàn thực phẩm" in links
