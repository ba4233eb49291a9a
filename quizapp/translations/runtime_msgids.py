"""Msgids that the app translates at run time with `_(variable)`, which `pybabel extract` cannot see.

The strings live in dicts and class attributes (quizapp/errors.py MESSAGES,
quizapp/blueprints/manage/banks.py OUTCOME_MESSAGES, quizapp/models/attempt.py CLASSIFICATIONS,
question-type labels, the True/False choices) and reach `_()` as variables. Nothing imports this
file: babel.cfg's `quizapp/**.py` pattern makes `make translations-update` read it, so these
msgids and their English stay in the catalog. tests/core/test_i18n.py counts the dict values
in its coverage check, so a new entry there without a line here shows up as untranslated.
"""


def _(message: str) -> str:
    return message


RUNTIME_MSGIDS = (
    # quizapp/errors.py MESSAGES (HTTP error pages and JSON errors)
    _("Yêu cầu không hợp lệ."),
    _("Vui lòng đăng nhập để tiếp tục."),
    _("Bạn không có quyền thực hiện thao tác này."),
    _("Không tìm thấy trang hoặc dữ liệu được yêu cầu."),
    _("Phương thức không được hỗ trợ."),
    _("Dữ liệu đã thay đổi, vui lòng tải lại trang."),
    _("Đã hết thời gian cho thao tác này."),
    _("Tệp tải lên quá lớn."),
    _("Dữ liệu không hợp lệ."),
    _("Bạn thao tác quá nhiều lần, vui lòng thử lại sau ít phút."),
    _("Đã có lỗi xảy ra. Dữ liệu của bạn không bị mất; vui lòng thử lại."),
    # quizapp/blueprints/manage/banks.py OUTCOME_MESSAGES (flash after saving a question)
    _("Đã thêm câu hỏi."),
    _("Đã lưu thay đổi."),
    _("Câu hỏi đã có người làm bài nên được lưu thành phiên bản mới; bài làm cũ giữ nguyên."),
    _("Không có thay đổi nào."),
    # quizapp/models/attempt.py CLASSIFICATIONS and Attempt.classification_label
    _("Giỏi"),
    _("Khá"),
    _("Trung bình"),
    _("Chưa đạt"),
    _("Chờ chấm"),
    # quizapp/services/question_types: QuestionType.label and the True/False choices
    _("Một lựa chọn"),
    _("Nhiều lựa chọn"),
    _("Đúng/Sai"),
    _("Trả lời ngắn"),
    _("Tự luận"),
    _("Đúng"),
    _("Sai"),
    # quizapp/models/attempt.py MODES (the form of an attempt: board, exports)
    _("Trực tuyến"),
    _("Giấy"),
    # Model label dicts shown through `_()` at display (ORG_KINDS, PARTY_STATUSES, PERSON_STATES, ROLES,
    # ABSENCE_REASONS, review/attempt policies, round forms, participation STATES)
    _("Đảng bộ tỉnh"),
    _("Đảng bộ"),
    _("Đảng ủy cơ sở"),
    _("Tổ đảng"),
    _("Cơ quan nhà nước"),
    _("Chính thức"),
    _("Đang sinh hoạt"),
    _("Đã chuyển sinh hoạt"),
    _("Phó bí thư"),
    _("Cán bộ văn phòng cấp ủy"),
    _("Quản trị hệ thống"),
    _("Ốm"),
    _("Đi công tác"),
    _("Việc gia đình"),
    _("Lý do khác"),
    _("Chỉ điểm số"),
    _("Điểm và bài làm của mình"),
    _("Điểm, bài làm và đáp án đúng"),
    _("Sau khi đợt kiểm tra kết thúc"),
    _("Ngay sau khi nộp bài"),
    _("Lần cao điểm nhất"),
    _("Lần cuối cùng"),
    _("Lần đầu tiên"),
    _("Trực tiếp"),
    _("Kết hợp"),
    _("Chưa làm bài"),
    _("Đang làm bài"),
    _("Đã nộp bài"),
)
