from datetime import date

from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format, number_format


def test_vietnamese_number_grouping():
    with translation.override("vi"):
        assert number_format(1250000, force_grouping=True) == "1.250.000"


def test_vietnamese_date_input_and_output():
    class F(forms.Form):
        on = forms.DateField()

    with translation.override("vi"):
        form = F({"on": "25/03/2025"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["on"] == date(2025, 3, 25)
        assert date_format(date(2025, 3, 25), "SHORT_DATE_FORMAT") == "25/03/2025"


def test_vnd_filter():
    with translation.override("vi"):
        assert Template("{{ v|vnd }}").render(Context({"v": 1250000})) == "1.250.000 ₫"
        assert Template("{{ v|vnd }}").render(Context({"v": 0})) == "0 ₫"
        assert Template("{{ v|vnd }}").render(Context({"v": None})) == ""
    with translation.override("en"):
        assert Template("{{ v|vnd }}").render(Context({"v": 1250000})) == "1,250,000 ₫"
