"""Vietnamese conventions: do names sort, numbers and dates format the Vietnamese way?"""
from datetime import date

from quizapp import vn


def test_roster_order_is_given_name_then_middle_then_family():
    """Do names sort by given name first, with tones in Vietnamese order (Anh < Ánh < Ân < Ấn)?"""
    names = ["Phạm Ấn", "Lê Ân", "Nguyễn Thị Ngọc Ánh", "Trần Văn Anh", "Đỗ Minh Anh", "Bùi Anh", "Vũ Đức"]
    assert sorted(names, key=vn.name_sort_key) == [
        "Bùi Anh", "Đỗ Minh Anh", "Trần Văn Anh", "Nguyễn Thị Ngọc Ánh", "Lê Ân", "Phạm Ấn", "Vũ Đức",
    ]


def test_d_with_stroke_sorts_after_d():
    """Does 'Đ' sort after every 'D' name, not with it or at the end of the alphabet?"""
    names = ["Lê Đông", "Lê Dung", "Lê Em", "Lê Duy"]
    assert sorted(names, key=vn.name_sort_key) == ["Lê Dung", "Lê Duy", "Lê Đông", "Lê Em"]


def test_decomposed_input_sorts_like_precomposed():
    """Does a name typed in decomposed Unicode (NFD) sort and compare like its NFC form?"""
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert vn.name_sort_key(nfd) == vn.name_sort_key("Nguyễn Thị Ánh")
    assert vn.nfc(nfd) == "Nguyễn Thị Ánh"


def test_number_and_percent_format():
    """Are thousands grouped with '.' and decimals written with ','?"""
    assert vn.format_number(35599) == "35.599"
    assert vn.format_percent(35599 / 35900 * 100) == "99,16%"
    assert vn.format_number(6.5, 1) == "6,5"


def test_date_in_words_has_leading_zeros_for_early_days_and_months():
    """Is the document date 'ngày 05 tháng 02 năm 2026', with no zero for months after February?"""
    assert vn.date_in_words(date(2026, 2, 5), "Đồng Xoài") == "Đồng Xoài, ngày 05 tháng 02 năm 2026"
    assert vn.date_in_words(date(2026, 11, 26)) == "ngày 26 tháng 11 năm 2026"


def test_strip_diacritics_handles_d_with_stroke():
    """Does accent-insensitive matching turn 'Đảng' into 'Dang'?"""
    assert vn.strip_diacritics("Đảng Cộng sản") == "Dang Cong san"
