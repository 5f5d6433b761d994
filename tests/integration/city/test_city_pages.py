"""The city's consolidation pages: Sở Nội vụ and the city chair see each year's round,
the submissions as they were registered and the consolidated demand; nobody else does."""

from __future__ import annotations

from factories.city import city_round_approved
from factories.web import signed_in, web_app


def test_the_city_sees_the_consolidated_demand_of_both_communes(commune):
    round_id = city_round_approved(commune)
    app = web_app(commune)
    for username in ("snv.canbo", "ct.thanhpho"):
        client = signed_in(app, username)
        listing = client.get("/city-rounds").get_data(as_text=True)
        assert f"/city-rounds/{round_id}" in listing
        page = client.get(f"/city-rounds/{round_id}")
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "UBND xã Cẩm Giang" in body and "UBND phường Lê Thanh Nghị" in body
        assert "Đã phê duyệt" in body or "Approved" in body
    for outsider in ("vhxh.canbo", "chutich", "stc.canbo", "cg_vp.truong"):
        client = signed_in(app, outsider)
        assert client.get(f"/city-rounds/{round_id}").status_code == 404
        assert f"/city-rounds/{round_id}" not in client.get("/city-rounds").get_data(as_text=True)
