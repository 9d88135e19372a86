"""A cadre enters a review on a 360-pixel phone: form, check your answers, recorded; then the chairman recognises."""

from datetime import date

import pytest

from households.models import Review
from tests.conftest import login
from tests.households.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_cadre_records_a_review_on_a_phone(live_server, users, province, phone_page, tmp_path):
    household = HouseholdFactory(village=province["a1"], code="HA001", head_name="Nguyễn Văn An", size=3)
    MemberFactory(
        household=household, full_name="Nguyễn Văn An", birth_date=date(1975, 4, 2), has_health_insurance=False
    )
    page = phone_page
    login(page, live_server, "canbo")
    page.goto(f"{live_server.url}/households/")
    page.fill("input[name=q]", "nguyen van an")
    page.click("form[role=search] button[type=submit]")
    page.click("text=HA001")
    page.click("text=Ghi kết quả rà soát")
    assert page.locator("h1").inner_text() == "Ghi kết quả rà soát"
    # Health insurance is pre-ticked from the member record (aged 6+, no insurance).
    assert page.locator("#id_ind_health_insurance").is_checked()
    page.fill("#id_review_date", "01/10/2024")
    page.fill("#id_income_per_capita", "1.200.000")
    page.check("#id_ind_employment")
    page.check("#id_ind_sanitation")
    page.screenshot(path=str(tmp_path / "review-form.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("text=Tiếp tục")
    assert page.locator("h1").inner_text() == "Kiểm tra lại thông tin"
    assert "Hộ nghèo" in page.locator("main").inner_text()
    assert Review.objects.count() == 0
    page.click("text=Ghi nhận kết quả")
    page.wait_for_load_state("networkidle")
    assert "Đã ghi kết quả rà soát" in page.locator(".messages").inner_text()
    review = Review.objects.get()
    assert (review.classification, review.income_per_capita, review.deprivation_count) == ("poor", 1_200_000, 3)


def test_form_errors_are_listed_at_the_top(live_server, users, province, phone_page):
    household = HouseholdFactory(village=province["a1"], code="HA002")
    page = phone_page
    login(page, live_server, "canbo")
    page.goto(f"{live_server.url}/households/{household.pk}/reviews/new/")
    page.fill("#id_income_per_capita", "một triệu")
    page.click("text=Tiếp tục")
    assert page.title().startswith("Có lỗi")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "Thu nhập bình quân đầu người/tháng" in summary.inner_text()
    assert Review.objects.count() == 0
