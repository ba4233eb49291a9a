"""Question types: do the pure graders score each type as documented, without a database?"""
import random

import pytest

from quizapp.services.question_types import AnswerError, SpecError, get_type

SINGLE = {"choices": [{"text": "95%"}, {"text": "98%", "correct": True}, {"text": "100%"}]}
MULTI = {"choices": [{"text": "A", "correct": True}, {"text": "B", "correct": True}, {"text": "C"}, {"text": "D"}]}


def test_single_choice_grades_one_correct():
    """Does a single-choice question give full marks only for the correct choice?"""
    t = get_type("single")
    spec = t.parse_spec(SINGLE)
    assert t.grade(spec, t.clean_answer(spec, "b")) == 1.0
    assert t.grade(spec, t.clean_answer(spec, "a")) == 0.0
    assert t.grade(spec, None) == 0.0


def test_single_choice_with_two_correct_is_rejected():
    """Is a single-choice spec with two correct choices refused with a Vietnamese message?"""
    bad = {"choices": [{"text": "x", "correct": True}, {"text": "y", "correct": True}]}
    with pytest.raises(SpecError, match="đúng một phương án đúng"):
        get_type("single").parse_spec(bad)


def test_multiple_partial_credit_floors_at_zero():
    """Does partial credit add 1/k per correct pick, subtract 1/k per wrong pick, never below 0?"""
    t = get_type("multiple")
    spec = t.parse_spec(MULTI)
    assert t.grade(spec, {"choices": ["a", "b"]}) == 1.0
    assert t.grade(spec, {"choices": ["a"]}) == 0.5
    assert t.grade(spec, {"choices": ["a", "c"]}) == 0.0
    assert t.grade(spec, {"choices": ["c", "d"]}) == 0.0
    assert t.grade(spec, {"choices": ["a"]}, partial_credit=False) == 0.0


def test_unknown_choice_is_an_answer_error():
    """Is an answer naming a choice that does not exist refused?"""
    t = get_type("multiple")
    spec = t.parse_spec(MULTI)
    with pytest.raises(AnswerError):
        t.clean_answer(spec, ["a", "zz"])


def test_short_text_normalizes_unicode_spaces_and_optionally_accents():
    """Are short answers matched after NFC and whitespace folding, with accents per question?"""
    t = get_type("short_text")
    strict = t.parse_spec({"answers": ["Hồ Chí Minh"]})
    loose = t.parse_spec({"answers": ["Hồ Chí Minh"], "match_diacritics": False})
    typed = "  ho   chi minh "
    assert t.grade(strict, t.clean_answer(strict, "hồ  chí minh")) == 1.0
    assert t.grade(strict, t.clean_answer(strict, typed)) == 0.0
    assert t.grade(loose, t.clean_answer(loose, typed)) == 1.0


def test_true_false_and_essay():
    """Does true/false grade by value, and does an essay wait for a person?"""
    tf = get_type("true_false")
    spec = tf.parse_spec({"answer": False})
    assert tf.grade(spec, tf.clean_answer(spec, "false")) == 1.0
    essay = get_type("essay")
    espec = essay.parse_spec({"rubric": [{"criterion": "Nêu đúng", "points": 2}]})
    assert essay.grade(espec, essay.clean_answer(espec, "Bài viết")) is None
    assert essay.grade(espec, None) == 0.0


def test_public_view_never_contains_the_key():
    """Does the public view of every type omit correctness and accepted answers?"""
    rng = random.Random(1)
    for name, raw in [("single", SINGLE), ("multiple", MULTI), ("true_false", {"answer": True}),
                      ("short_text", {"answers": ["bí mật"]}), ("essay", {"rubric": [{"criterion": "k", "points": 1}]})]:
        t = get_type(name)
        spec = t.parse_spec(raw)
        view = repr(t.public_view(spec, t.new_choice_order(spec, rng)))
        assert "correct" not in view and "bí mật" not in view and "answer" not in view.replace("max_chars", "")


def test_unknown_type_lists_the_allowed_ones():
    """Does an unknown type name say which types exist?"""
    with pytest.raises(SpecError, match="single"):
        get_type("matching")


# ----------------------------------------------------------------- exact shares, fair multi-select

MULTI_3_OF_5 = {"choices": [{"text": "A", "correct": True}, {"text": "B", "correct": True},
                            {"text": "C", "correct": True}, {"text": "D"}, {"text": "E"}]}


def test_graders_return_exact_fractions():
    """Does every auto grader return an exact Fraction (1/3, not 0.333…), so sums are exact?"""
    from fractions import Fraction

    t = get_type("multiple")
    spec = t.parse_spec(MULTI_3_OF_5)
    share = t.grade(spec, {"choices": ["a"]})
    assert isinstance(share, Fraction) and share == Fraction(1, 3)
    assert isinstance(get_type("single").grade(get_type("single").parse_spec(SINGLE), {"choice": "b"}), Fraction)


@pytest.mark.parametrize("picked,expected", [
    (["a", "b", "c"], (1, 1)),          # all right
    (["a", "b", "c", "d", "e"], (0, 1)),  # every option ticked: 1 - 1 = 0
    (["a", "b", "c", "d"], (1, 2)),     # 1 - 1/2
    (["a", "b", "d"], (1, 6)),          # 2/3 - 1/2
    (["a", "d"], (0, 1)),               # 1/3 - 1/2, floored at 0
    (["a"], (1, 3)),
    (["d", "e"], (0, 1)),
])
def test_multiple_each_wrong_pick_costs_one_over_the_wrong_options(picked, expected):
    """With 3 right of 5, does a right pick earn 1/3 and a wrong pick cost 1/2 (Moodle's rule), never below 0?"""
    from fractions import Fraction

    t = get_type("multiple")
    spec = t.parse_spec(MULTI_3_OF_5)
    assert t.grade(spec, t.clean_answer(spec, picked)) == Fraction(*expected)


def test_multiple_with_every_option_right_has_no_penalty_to_divide():
    """When every option is right, is ticking them all full marks (no division by zero wrong options)?"""
    t = get_type("multiple")
    spec = t.parse_spec({"choices": [{"text": "A", "correct": True}, {"text": "B", "correct": True}]})
    assert t.grade(spec, {"choices": ["a", "b"]}) == 1 and t.grade(spec, {"choices": ["a"]}) == 0.5


# ----------------------------------------------------------------- short text: quotes, punctuation, invisibles

SHORT = {"answers": ["tự chuyển hóa"], "match_diacritics": True}


@pytest.mark.parametrize("typed", [
    "“tự chuyển hóa”", '"tự chuyển hóa"', "‘tự chuyển hóa’", "'tự chuyển hóa'", "«tự chuyển hóa»",
    "« tự chuyển hóa »", "tự chuyển hóa.", "tự chuyển hóa!", "tự chuyển hóa?", "tự chuyển hóa;",
    "tự chuyển hóa:", "tự chuyển hóa,", "“tự chuyển hóa”.", "tự chuyển hóa...", "Tự chuyển hóa …",
    "tự\u00a0chuyển hóa", "\u200btự chuyển\u200b hóa\ufeff", "tự\u2060 chuyển hóa\u200d", "tự chuyển hóa\u00ad",
])
def test_short_text_ignores_quotes_trailing_punctuation_and_invisible_characters(typed):
    """Do quotes around the answer, punctuation at its end, NBSP and zero-width characters leave a right answer right?"""
    t = get_type("short_text")
    spec = t.parse_spec(SHORT)
    assert t.grade(spec, t.clean_answer(spec, typed)) == 1


@pytest.mark.parametrize("typed", ["tu chuyen hoa", "“tu chuyen hoa”.", "tự diễn biến", "tự chuyển", ".", "“”", "?!"])
def test_short_text_still_rejects_wrong_or_unaccented_answers(typed):
    """Do wrong words, bare punctuation and (when accents must match) missing accents still score 0?"""
    t = get_type("short_text")
    spec = t.parse_spec(SHORT)
    value = t.clean_answer(spec, typed)
    assert t.grade(spec, value) == 0


def test_short_text_accepted_answer_written_with_quotes_matches_plain_typing():
    """Is an accepted answer written in quotes in the bank matched by the same words typed plainly?"""
    t = get_type("short_text")
    spec = t.parse_spec({"answers": ["“98%”."], "match_diacritics": False})
    assert t.grade(spec, {"text": "98%"}) == 1 and t.grade(spec, {"text": "95%"}) == 0
