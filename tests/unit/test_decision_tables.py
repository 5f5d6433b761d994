"""Decision tables (engine.decision_tables): reading DMN, the unary-test shorthands, every
hit policy and the publish-time check, on examples from the nomination process."""

from xml.sax.saxutils import escape

import pytest

from engine.decision_tables import DecisionError, check_table, evaluate, parse_table
from engine.errors import BudgetExceeded, DefinitionRejected
from engine.helpers import BASE_HELPERS

NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def dmn(inputs, outputs, rules, policy="UNIQUE", aggregation=None, label="Điều kiện bổ nhiệm"):
    """A DMN 1.3 file with one decision table. inputs: (label, expression); outputs:
    (name, label, allowed values or None); rules: input entries then output entries."""
    attributes = f'hitPolicy="{policy}"' + (f' aggregation="{aggregation}"' if aggregation else "")
    columns = "".join(
        f'<input id="i{n}" label="{escape(label)}"><inputExpression typeRef="string">'
        f"<text>{escape(expression)}</text></inputExpression></input>"
        for n, (label, expression) in enumerate(inputs)
    )
    columns += "".join(
        f'<output id="o{n}" name="{name}" label="{escape(label)}">'
        + (f"<outputValues><text>{escape(values)}</text></outputValues>" if values else "")
        + "</output>"
        for n, (name, label, values) in enumerate(outputs)
    )
    body = "".join(
        f'<rule id="r{n}">'
        + "".join(f"<inputEntry><text>{escape(cell)}</text></inputEntry>" for cell in row[: len(inputs)])
        + "".join(f"<outputEntry><text>{escape(cell)}</text></outputEntry>" for cell in row[len(inputs) :])
        + "</rule>"
        for n, row in enumerate(rules)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<definitions xmlns="{NS}" id="d" name="Quy tắc" namespace="t">'
        f'<decision id="dieu_kien" name="{escape(label)}"><decisionTable id="t" {attributes}>'
        f"{columns}{body}</decisionTable></decision></definitions>"
    ).encode()


def table(*args, **kwargs):
    return parse_table(dmn(*args, **kwargs), "quy-tac.dmn")


def run(decision, **data):
    return evaluate(decision, data, BASE_HELPERS)


AGE = [("Tuổi tại ngày bổ nhiệm", "tuoi")]
ELIGIBLE = [("du_dieu_kien", "Đủ điều kiện", None)]


@pytest.mark.parametrize(
    ("cell", "matching", "not_matching"),
    [
        ("< 40", [0, 39], [40, 41]),
        ("<= 40", [39, 40], [41]),
        (">= 40", [40, 41], [39]),
        ("> 40", [41], [39, 40]),
        ("40", [40], [39, 41]),
        ("= 40", [40], [39]),
        ("4e1", [40], [39]),
        ("!= 40", [39, 41], [40]),
        ("[30..40]", [30, 35, 40], [29, 41]),
        ("]30..40[", [31, 39], [30, 40]),
        ("[30..40[", [30, 39], [40]),
        ("]30..40]", [40], [30]),
        ("25, 30, [35..37]", [25, 30, 35, 37], [26, 34, 38]),
        ("not(< 40)", [40, 41], [39]),
        ("not(25, [35..37])", [30, 38], [25, 36]),
        ("-", [0, 39, 40], []),
        ("", [41], []),
        ("? % 2 == 0 and ? < 40", [38], [39, 40]),
    ],
)
def test_unary_test_shorthands_at_their_boundaries(cell, matching, not_matching):
    decision = table(AGE, ELIGIBLE, [[cell, "True"]])
    for age in matching:
        assert run(decision, tuoi=age) == {"du_dieu_kien": True}, (cell, age)
    for age in not_matching:
        assert run(decision, tuoi=age) is None, (cell, age)


def test_text_and_boolean_literals_and_lists():
    decision = table(
        [("Hạng mục", "hang_muc"), ("Là đảng viên", "dang_vien")],
        [("muc_ho_tro", "Mức hỗ trợ", None)],
        [['"Thạc sĩ","Tiến sĩ"', "true", "30000000"], ['not("Thạc sĩ","Tiến sĩ")', "false", "10000000"]],
    )
    assert run(decision, hang_muc="Tiến sĩ", dang_vien=True) == {"muc_ho_tro": 30000000}
    assert run(decision, hang_muc="Đại học", dang_vien=False) == {"muc_ho_tro": 10000000}
    assert run(decision, hang_muc="Đại học", dang_vien=True) is None


def test_unique_collision_names_both_rules():
    decision = table(
        AGE, ELIGIBLE, [["> 50", "False"], ["< 40", "True"], ["-", "False"], ["[30..45]", "True"]]
    )
    with pytest.raises(DecisionError) as raised:
        run(decision, tuoi=39)
    assert "rules 2 and 3 both match" in str(raised.value)
    assert "«Điều kiện bổ nhiệm»" in str(raised.value)


def test_first_priority_and_any():
    rules = [["< 40", '"Ưu tiên"'], ["< 60", '"Bình thường"'], ["-", '"Không xét"']]
    outputs = [("muc", "Mức xét", '"Ưu tiên","Bình thường","Không xét"')]
    assert run(table(AGE, outputs, rules, policy="FIRST"), tuoi=39) == {"muc": "Ưu tiên"}
    assert run(table(AGE, outputs, rules[::-1], policy="FIRST"), tuoi=39) == {"muc": "Không xét"}
    assert run(table(AGE, outputs, rules[::-1], policy="PRIORITY"), tuoi=39) == {"muc": "Ưu tiên"}
    assert run(table(AGE, outputs, rules[::-1], policy="PRIORITY"), tuoi=40) == {"muc": "Bình thường"}
    agreeing = table(AGE, ELIGIBLE, [["< 40", "True"], ["[18..39]", "True"]], policy="ANY")
    assert run(agreeing, tuoi=39) == {"du_dieu_kien": True}
    with pytest.raises(DecisionError, match="rules 1 and 2 both match with different outputs"):
        run(table(AGE, ELIGIBLE, [["< 40", "True"], ["[18..39]", "False"]], policy="ANY"), tuoi=30)


# The dossier checklist: how many months each paper stays valid.
CHECKLIST_INPUTS = [("Loại giấy tờ", "loai")]
CHECKLIST_RULES = [
    ['"CV", "Sơ yếu lý lịch"', "1"],
    ['"Lý lịch tư pháp"', "3"],
    ['"Giấy khám sức khỏe"', "6"],
    ["-", "12"],
]


def test_rule_order_collect_and_aggregations():
    outputs = [("thang", "Hiệu lực (tháng)", None)]
    assert run(table(CHECKLIST_INPUTS, outputs, CHECKLIST_RULES, policy="RULE ORDER"), loai="CV") == [
        {"thang": 1},
        {"thang": 12},
    ]
    assert run(
        table(CHECKLIST_INPUTS, outputs, CHECKLIST_RULES, policy="COLLECT"), loai="Giấy khám sức khỏe"
    ) == [
        {"thang": 6},
        {"thang": 12},
    ]
    results = {
        aggregation: run(
            table(CHECKLIST_INPUTS, outputs, CHECKLIST_RULES, policy="COLLECT", aggregation=aggregation),
            loai="Giấy khám sức khỏe",
        )
        for aggregation in ("SUM", "COUNT", "MIN", "MAX")
    }
    assert results == {"SUM": 18, "COUNT": 2, "MIN": 6, "MAX": 12}
    nothing = table(CHECKLIST_INPUTS, outputs, CHECKLIST_RULES[:3], policy="COLLECT", aggregation="SUM")
    assert run(nothing, loai="Bằng lái") == 0


def test_support_amount_uses_data_and_helpers_in_outputs():
    decision = table(
        [("Nhóm đối tượng", "nhom")],
        [("so_tien", "Số tiền hỗ trợ", None)],
        [['"A"', "muc_co_so * 3"], ['"B"', "muc_co_so * 2"], ['"C"', "muc_co_so"]],
    )
    assert run(decision, nhom="B", muc_co_so=2340000) == {"so_tien": 4680000}


def test_evaluation_errors_name_rule_and_column():
    decision = table(AGE, ELIGIBLE, [["< 40", "True"]])
    with pytest.raises(DecisionError, match="«Tuổi tại ngày bổ nhiệm»: cannot be evaluated"):
        run(decision)  # no age in the data
    with pytest.raises(DecisionError, match="rule 1, column «Tuổi tại ngày bổ nhiệm»: cannot be evaluated"):
        run(decision, tuoi="ba mươi")
    summed = table(CHECKLIST_INPUTS, [("thang", "Hiệu lực", None)], [["-", '"một"']], "COLLECT", "SUM")
    with pytest.raises(DecisionError, match="SUM needs numbers"):
        run(summed, loai="CV")


def test_sandbox_budget_stops_a_costly_cell():
    decision = table(AGE, ELIGIBLE, [["len([i for i in range(10**9)]) > ?", "True"]])
    with pytest.raises(BudgetExceeded):
        run(decision, tuoi=39)


@pytest.mark.parametrize(
    "cell",
    [
        'date("2026-01-01")',
        "string length(ho_ten) > 3",
        "? instance of string",
        "${tuoi < 40}",
        "< date(ngay)",
    ],
)
def test_feel_that_has_no_translation_is_refused_naming_rule_and_column(cell):
    with pytest.raises(DecisionError) as raised:
        table(AGE, ELIGIBLE, [["-", "True"], [cell, "True"]])
    assert "rule 2, column «Tuổi tại ngày bổ nhiệm»" in str(raised.value)
    assert "FEEL" in str(raised.value)


def test_feel_words_inside_text_are_not_refused():
    decision = table(AGE, [("ghi_chu", "Ghi chú", None)], [["-", '"date(...) và ${x} chỉ là chữ"']])
    assert run(decision, tuoi=1) == {"ghi_chu": "date(...) và ${x} chỉ là chữ"}


def test_unsafe_or_malformed_files_are_refused():
    with pytest.raises(DefinitionRejected):
        parse_table(b'<!DOCTYPE d [<!ENTITY x "y">]><definitions/>', "x.dmn")
    with pytest.raises(DecisionError, match="no decision table"):
        parse_table(f'<definitions xmlns="{NS}"/>'.encode(), "x.dmn")
    short_rule = dmn(AGE, ELIGIBLE, [["< 40"]])  # no output entry
    with pytest.raises(DecisionError, match="rule 1: the rule does not have one entry per"):
        parse_table(short_rule, "x.dmn")
    with pytest.raises(DecisionError, match="allowed values"):
        table(AGE, [("muc", "Mức", '"A", B C')], [["-", '"A"']])


def test_check_table_reports_each_problem():
    decision = table(
        AGE + [("Ngày bổ nhiệm", "ngay_bo_nhiem")],
        [("muc", "Mức xét", '"Ưu tiên","Bình thường"')],
        [
            ["[40..30]", "-", '"Ưu tiên"'],
            ["False", "-", '"Ưu tiên"'],
            ["? < han_muc", "-", '"Khác"'],
            ["? .__class__", "-", '"Ưu tiên"'],
            ["]40..40]", "-", "muc_rieng"],
            ["[30..40], not(< 0)", "-", '"Bình thường"'],
        ],
        policy="SOMETIMES",
        aggregation="AVG",
    )
    problems = [str(p) for p in check_table(decision, {"tuoi", "muc_rieng"}, BASE_HELPERS)]
    expected = [
        "unknown hit policy SOMETIMES",
        "aggregation AVG is not SUM, COUNT, MIN or MAX",
        "column «Ngày bổ nhiệm»: ngay_bo_nhiem is not data known to the process",
        "rule 1, column «Tuổi tại ngày bổ nhiệm»: the rule can never match ([40..30])",
        "rule 2, column «Tuổi tại ngày bổ nhiệm»: the rule can never match (False)",
        "rule 3, column «Tuổi tại ngày bổ nhiệm»: han_muc is not data known",
        "rule 3, column «Mức xét»: 'Khác' is not one of the allowed values",
        "rule 4, column «Tuổi tại ngày bổ nhiệm»: Expression rejected by the sandbox",
        "rule 5, column «Tuổi tại ngày bổ nhiệm»: the rule can never match (]40..40])",
    ]
    assert len(problems) == len(expected), "\\n".join(problems)
    for problem, start in zip(problems, expected, strict=True):
        assert start in problem, (problem, start)


def test_check_table_accepts_a_correct_table():
    decision = table(AGE, [("thang", "Hiệu lực", "1, 3, 6, 12")], [["< 40", "6"], ["[40..40]", "12"]])
    assert check_table(decision, {"tuoi"}, BASE_HELPERS) == []


@pytest.mark.parametrize(
    ("cell", "matching", "not_matching"),
    [
        ("[18..40[", [18, 39.99], [17.99, 40]),
        ("]18..40]", [18.01, 40], [18, 40.01]),
        ("< 40", [39.99], [40.0]),
        (">= 40", [40.0], [39.99]),
        ("not([18..40[)", [17, 40], [18, 39.99]),
    ],
)
def test_range_ends_with_decimals(cell, matching, not_matching):
    decision = table(AGE, ELIGIBLE, [[cell, "True"]])
    for age in matching:
        assert run(decision, tuoi=age) == {"du_dieu_kien": True}, (cell, age)
    for age in not_matching:
        assert run(decision, tuoi=age) is None, (cell, age)


def test_missing_input_matches_only_dash_cells():
    """None (no data yet) passes `-` and is an error, naming the column, in a comparison."""
    assert run(table(AGE, ELIGIBLE, [["-", "True"]]), tuoi=None) == {"du_dieu_kien": True}
    with pytest.raises(DecisionError, match="«Tuổi tại ngày bổ nhiệm»"):
        run(table(AGE, ELIGIBLE, [["< 40", "True"]]), tuoi=None)


@pytest.mark.parametrize("policy", ["UNIQUE", "FIRST", "PRIORITY", "ANY"])
def test_single_hit_policies_without_a_match_give_none(policy):
    outputs = [("muc", "Mức xét", '"Ưu tiên","Bình thường"')]
    decision = table(AGE, outputs, [["< 40", '"Ưu tiên"'], ["[40..60]", '"Bình thường"']], policy=policy)
    assert run(decision, tuoi=61) is None
    assert run(decision, tuoi=40) == {"muc": "Bình thường"}


@pytest.mark.parametrize(
    ("policy", "aggregation", "empty"),
    [("RULE ORDER", None, []), ("COLLECT", None, []), ("COLLECT", "SUM", 0), ("COLLECT", "COUNT", 0)]
    + [("COLLECT", "MIN", None), ("COLLECT", "MAX", None)],
)
def test_multi_hit_policies_without_a_match(policy, aggregation, empty):
    outputs = [("thang", "Hiệu lực (tháng)", None)]
    decision = table(CHECKLIST_INPUTS, outputs, CHECKLIST_RULES[:3], policy=policy, aggregation=aggregation)
    assert run(decision, loai="Bằng lái") == empty


def test_unique_collision_on_a_shared_range_end():
    decision = table(AGE, ELIGIBLE, [["[18..40]", "True"], ["[40..60]", "False"]])
    assert run(decision, tuoi=39) == {"du_dieu_kien": True}
    with pytest.raises(DecisionError, match="rules 1 and 2 both match"):
        run(decision, tuoi=40)


def test_priority_follows_output_values_not_rule_order():
    outputs = [("muc", "Mức xét", '"Không xét","Ưu tiên"')]
    rules = [["< 60", '"Ưu tiên"'], ["< 40", '"Không xét"']]
    assert run(table(AGE, outputs, rules, policy="PRIORITY"), tuoi=39) == {"muc": "Không xét"}
    assert run(table(AGE, outputs, rules, policy="PRIORITY"), tuoi=40) == {"muc": "Ưu tiên"}
