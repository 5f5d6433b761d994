"""DMN 1.3 decision tables, evaluated in the script sandbox.

SpiffWorkflow's own DMN engine knows only the UNIQUE (unchecked) and COLLECT hit policies
and evaluates cells outside our sandbox, so decision tables are read and run here.

The expression language is Python (engine.sandbox), not FEEL: input expressions and output
entries are Python expressions on the process data. Input entries are unary tests; the usual
shorthands are translated to a Python predicate on the input value, which a Python cell
names ``?``. A cell in FEEL that has no exact Python translation (``date(...)``, ``string
length(...)``, ``instance of``, ``${...}``) is refused when the table is read. The rules are
in docs/decision-tables.md.
"""

import ast
import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.errors import EngineError, ScriptRejected
from engine.messages import Message
from engine.sandbox import RestrictedEnvironment, check_expression
from engine.xml_safety import parse_untrusted_xml

# The name a translated input entry uses for the input value (``?`` in the cell).
INPUT_NAME = "dmn_input"
HIT_POLICIES = {"UNIQUE", "FIRST", "PRIORITY", "ANY", "RULE ORDER", "COLLECT"}
AGGREGATIONS = {"SUM", "COUNT", "MIN", "MAX"}
_SINGLE_HIT = {"UNIQUE", "FIRST", "PRIORITY", "ANY"}

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_STRING = re.compile(r'"[^"\\]*"|\'[^\'\\]*\'')
_COMPARISON = re.compile(r"(<=|>=|!=|<|>|=)\s*(.+)", re.DOTALL)
_RANGE = re.compile(r"([\[\]])\s*(.+?)\s*\.\.\s*(.+?)\s*([\[\]])", re.DOTALL)
_NOT = re.compile(r"not\s*\((.*)\)", re.DOTALL)
# FEEL with no exact Python translation: its built-in functions with spaces or a
# different meaning in Python, ``instance of``, and JUEL (``${...}``, ``#{...}``).
_FEEL = re.compile(
    r"\b(date and time|date|time|duration|years and months duration|string length|substring"
    r"(?: before| after)?|upper case|lower case|starts with|ends with|contains|matches|"
    r"day of week|month of year|get value|get entries)\s*\(|\binstance\s+of\b|[$#]\{"
)


class DecisionError(EngineError):
    """A decision table cannot be read, or its evaluation has no valid result."""

    code = "decision_error"


@dataclass(frozen=True)
class Input:
    label: str
    expression: str


@dataclass(frozen=True)
class Output:
    name: str
    label: str
    values: tuple[Any, ...] | None  # the declared outputValues, in priority order


@dataclass(frozen=True)
class Rule:
    number: int  # 1-based, as the editor shows it
    entries: tuple[str, ...]  # the input entries as written
    tests: tuple[str | None, ...]  # their Python predicates; None matches anything
    outputs: tuple[str, ...]  # the output entries (Python expressions; "" gives None)


@dataclass(frozen=True)
class DecisionTable:
    id: str  # the decision's id: what a business-rule task or a contract names
    label: str
    hit_policy: str
    aggregation: str | None
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    rules: tuple[Rule, ...]


# ---------------------------------------------------------------- messages


def _at(table: DecisionTable | str, rule: int | None = None, column: str | None = None) -> Message:
    decision = table if isinstance(table, str) else table.label
    if rule is not None:
        return Message(
            "Decision «%(decision)s», rule %(rule)s, column «%(column)s»",
            decision=decision,
            rule=rule,
            column=column,
        )
    if column is not None:
        return Message("Decision «%(decision)s», column «%(column)s»", decision=decision, column=column)
    return Message("Decision «%(decision)s»", decision=decision)


def _problem(where: Message, problem: str) -> Message:
    return Message("%(where)s: %(problem)s", where=where, problem=problem)


# ---------------------------------------------------------------- parsing


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child) == name]


def _text(element, name: str = "text") -> str:
    found = [e for e in element.iter() if _local(e) == name]
    return (found[0].text or "").strip() if found else ""


def parse_table(data: bytes, name: str) -> DecisionTable:
    """The first decision table of a DMN file; DecisionError (or DefinitionRejected for
    unsafe XML) saying what is wrong."""
    tree = parse_untrusted_xml(data, name=name)
    decisions = [e for e in tree.iter() if _local(e) == "decision" and _children(e, "decisionTable")]
    if not decisions:
        raise DecisionError(Message("%(file)s: no decision table was found.", file=name))
    decision = decisions[0]
    label = decision.get("name") or decision.get("id") or name
    element = _children(decision, "decisionTable")[0]
    inputs = tuple(
        Input(e.get("label") or _text(e) or str(i), _text(e))
        for i, e in enumerate(_children(element, "input"), 1)
    )
    expressions = [_children(e, "inputExpression") or [e] for e in _children(element, "input")]
    _check_language(label, zip([found[0] for found in expressions], inputs, strict=True), None)
    outputs = tuple(_output(label, e, i) for i, e in enumerate(_children(element, "output"), 1))
    rules = tuple(_rule(label, inputs, outputs, e, i) for i, e in enumerate(_children(element, "rule"), 1))
    return DecisionTable(
        id=decision.get("id") or "",
        label=label,
        hit_policy=element.get("hitPolicy") or "UNIQUE",
        aggregation=element.get("aggregation"),
        inputs=inputs,
        outputs=outputs,
        rules=rules,
    )


def _output(decision: str, element, index: int) -> Output:
    label = element.get("label") or element.get("name") or str(index)
    values = _children(element, "outputValues")
    allowed = None
    if values and _text(values[0]):
        text = _text(values[0])
        try:
            allowed = tuple(ast.literal_eval(f"[{text}]"))
        except (ValueError, SyntaxError):
            raise DecisionError(
                _problem(
                    _at(decision, column=label),
                    Message("the allowed values %(text)s cannot be read.", text=text),
                )
            ) from None
    return Output(element.get("name") or label, label, allowed)


def _language(element) -> str | None:
    """The expressionLanguage a cell is declared in (its own, else its nearest ancestor's),
    when it is neither FEEL (whose shorthands we read) nor Python: JUEL, JavaScript, Groovy."""
    while element is not None:
        language = element.get("expressionLanguage")
        if language:
            known = any(word in language.lower() for word in ("feel", "python"))
            return None if known else language
        element = element.getparent()
    return None


def _check_language(decision: str, cells, number: int | None) -> None:
    for cell, column in cells:
        language = _language(cell)
        if language:
            raise DecisionError(
                _problem(
                    _at(decision, number, column.label),
                    Message(
                        "the cell is written in %(language)s; cells are Python expressions "
                        "(docs/decision-tables.md).",
                        language=language,
                    ),
                )
            )


def _rule(decision: str, inputs, outputs, element, number: int) -> Rule:
    cells = [*_children(element, "inputEntry"), *_children(element, "outputEntry")]
    _check_language(decision, zip(cells, [*inputs, *outputs], strict=False), number)
    entries = tuple(_text(e) for e in _children(element, "inputEntry"))
    results = tuple(_text(e) for e in _children(element, "outputEntry"))
    if len(entries) != len(inputs) or len(results) != len(outputs):
        raise DecisionError(
            Message(
                "Decision «%(decision)s», rule %(rule)s: the rule does not have one entry per input and "
                "output column.",
                decision=decision,
                rule=number,
            )
        )
    for cell, column in [*zip(entries, inputs, strict=True), *zip(results, outputs, strict=True)]:
        if _FEEL.search(_outside_strings(cell)):
            raise DecisionError(
                _problem(
                    _at(decision, number, column.label),
                    Message(
                        "%(cell)s is FEEL that has no exact Python translation; write it as a Python "
                        "expression.",
                        cell=cell,
                    ),
                )
            )
    return Rule(number, entries, tuple(unary_test(cell) for cell in entries), results)


# ---------------------------------------------------------------- unary tests


def _outside_strings(text: str) -> str:
    """``text`` with the contents of its string literals blanked, for searches."""
    return _STRING.sub(lambda m: m.group(0)[0] * len(m.group(0)), text)


def _split(cell: str) -> list[str]:
    """The items of a list test (``"a", "b"``, ``1, [5..7]``): commas outside strings,
    parentheses, Python lists and ranges (whose brackets need not pair)."""
    items, current, depth, in_range, quote = [], "", 0, False, None
    for char in cell:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[]" and not current.strip() and depth == 0:
            in_range = True
        elif char in "[]" and in_range:
            in_range = False
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0 and not in_range:
            items.append(current.strip())
            current = ""
            continue
        current += char
    return [*items, current.strip()]


def _python(text: str) -> str:
    """A Python cell: ``?`` (outside strings) names the input value."""
    blanked = _outside_strings(text)
    return "".join(INPUT_NAME if b == "?" else c for c, b in zip(text, blanked, strict=True))


def _endpoint(text: str) -> str:
    return {"true": "True", "false": "False"}.get(text, _python(text))


def _item(item: str) -> str:
    negated = _NOT.fullmatch(item)
    if negated:
        inner = unary_test(negated[1])
        return "False" if inner is None else f"not ({inner})"
    found = _RANGE.fullmatch(item)
    if found:
        opening, low, high, closing = found.groups()
        low_op = "<=" if opening == "[" else "<"
        high_op = "<=" if closing == "]" else "<"
        return f"({_endpoint(low)}) {low_op} {INPUT_NAME} {high_op} ({_endpoint(high)})"
    found = _COMPARISON.fullmatch(item)
    if found:
        operator = "==" if found[1] == "=" else found[1]
        return f"{INPUT_NAME} {operator} ({_endpoint(found[2].strip())})"
    if item in ("true", "false") or _NUMBER.fullmatch(item) or _STRING.fullmatch(item) or _is_literal(item):
        return f"{INPUT_NAME} == {_endpoint(item)}"
    return _python(item)


def _is_literal(item: str) -> bool:
    """A Python literal other than True/False (``1e3``, ``(1, 2)``) is a value to equal;
    True and False are conditions (always, never)."""
    try:
        value = ast.literal_eval(item)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return not isinstance(value, bool)


def unary_test(cell: str) -> str | None:
    """The Python predicate for an input entry, or None when it matches anything."""
    cell = cell.strip()
    if cell in ("", "-"):
        return None
    items = _split(cell)
    if len(items) == 1:
        return _item(items[0])
    return " or ".join(f"({_item(item)})" for item in items)


def _never_matches(cell: str) -> bool:
    """Whether an input entry can never match: the literal False, or only empty ranges."""
    cell = cell.strip()
    if cell == "False":
        return True
    if _NOT.fullmatch(cell) or cell in ("", "-"):
        return False
    return all(_empty_range(item) for item in _split(cell))


def _empty_range(item: str) -> bool:
    found = _RANGE.fullmatch(item)
    if not found:
        return False
    opening, low, high, closing = found.groups()
    try:
        low_value, high_value = ast.literal_eval(low), ast.literal_eval(high)
        if low_value == high_value:
            return opening != "[" or closing != "]"
        return bool(low_value > high_value)
    except (ValueError, SyntaxError, TypeError):
        return False  # endpoints that are expressions are only known at run time


# ---------------------------------------------------------------- evaluation


def _run(env: RestrictedEnvironment, source: str, scope: dict, where: Message):
    try:
        return env.evaluate(source, scope)
    except EngineError:
        raise  # sandbox refusals and budget errors say what happened themselves
    except Exception as error:
        raise DecisionError(
            _problem(
                where, Message("cannot be evaluated (%(error)s).", error=f"{type(error).__name__}: {error}")
            )
        ) from None


def evaluate(table: DecisionTable, data: dict, helpers: dict[str, Callable[..., Any]]):
    """The table's result for ``data``: a dict of outputs (UNIQUE, FIRST, PRIORITY, ANY;
    None when no rule matches), a list of dicts (RULE ORDER, COLLECT), or a number
    (COLLECT with an aggregation)."""
    refused = _policy_problems(table)
    if refused:
        raise DecisionError(refused[0])
    env = RestrictedEnvironment(helpers)
    values = [_run(env, i.expression, data, _at(table, column=i.label)) for i in table.inputs]
    matched = [rule for rule in table.rules if _matches(env, table, rule, values, data)]
    results = [_outputs(env, table, rule, data) for rule in matched]
    if table.hit_policy in _SINGLE_HIT:
        return _single_hit(table, matched, results) if matched else None
    if not table.aggregation:
        return results
    return _aggregate(table, matched, results)


def is_single_hit(table: DecisionTable) -> bool:
    """Whether the result is one rule's outputs (a dict or None), not a list or a number."""
    return table.hit_policy in _SINGLE_HIT


def _single_hit(table: DecisionTable, matched: list[Rule], results: list[dict]) -> dict:
    if table.hit_policy == "UNIQUE" and len(matched) > 1:
        raise DecisionError(
            _problem(
                _at(table),
                Message(
                    "rules %(first)s and %(second)s both match; the hit policy UNIQUE allows only one.",
                    first=matched[0].number,
                    second=matched[1].number,
                ),
            )
        )
    if table.hit_policy == "ANY":
        for rule, result in zip(matched[1:], results[1:], strict=True):
            if result != results[0]:
                raise DecisionError(
                    _problem(
                        _at(table),
                        Message(
                            "rules %(first)s and %(second)s both match with different outputs; "
                            "the hit policy ANY needs the same output.",
                            first=matched[0].number,
                            second=rule.number,
                        ),
                    )
                )
    if table.hit_policy == "PRIORITY":
        ranks = [_rank(table, rule, result) for rule, result in zip(matched, results, strict=True)]
        return results[ranks.index(min(ranks))]
    return results[0]


def _policy_problems(table: DecisionTable) -> list[Message]:
    problems = []
    if table.hit_policy not in HIT_POLICIES:
        problems.append(
            _problem(_at(table), Message("unknown hit policy %(policy)s.", policy=table.hit_policy))
        )
    if table.aggregation and (table.aggregation not in AGGREGATIONS or table.hit_policy != "COLLECT"):
        problems.append(
            _problem(
                _at(table),
                Message(
                    "aggregation %(aggregation)s is not SUM, COUNT, MIN or MAX with the hit policy COLLECT.",
                    aggregation=table.aggregation,
                ),
            )
        )
    elif table.aggregation and len(table.outputs) != 1:
        problems.append(_problem(_at(table), Message("an aggregation needs exactly one output column.")))
    return problems


def _matches(env, table: DecisionTable, rule: Rule, values: list, data: dict) -> bool:
    for test, value, column in zip(rule.tests, values, table.inputs, strict=True):
        if test is not None and not _run(
            env, test, {**data, INPUT_NAME: value}, _at(table, rule.number, column.label)
        ):
            return False
    return True


def _outputs(env, table: DecisionTable, rule: Rule, data: dict) -> dict:
    return {
        output.name: _run(env, entry, data, _at(table, rule.number, output.label)) if entry else None
        for entry, output in zip(rule.outputs, table.outputs, strict=True)
    }


def _rank(table: DecisionTable, rule: Rule, result: dict) -> tuple[int, ...]:
    """PRIORITY: the position of each output's value in its declared outputValues."""
    rank = []
    for output in table.outputs:
        if output.values is None:
            rank.append(0)
        elif result[output.name] in output.values:
            rank.append(output.values.index(result[output.name]))
        else:
            raise DecisionError(_not_allowed(table, rule, output, result[output.name]))
    return tuple(rank)


def _not_allowed(table: DecisionTable, rule: Rule, output: Output, value) -> Message:
    return _problem(
        _at(table, rule.number, output.label),
        Message("%(value)s is not one of the allowed values.", value=repr(value)),
    )


def _aggregate(table: DecisionTable, matched: list[Rule], results: list[dict]):
    name = table.outputs[0].name
    if table.aggregation == "COUNT":
        return len(results)
    numbers = []
    for rule, result in zip(matched, results, strict=True):
        value = result[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DecisionError(
                _problem(
                    _at(table, rule.number, table.outputs[0].label),
                    Message(
                        "%(aggregation)s needs numbers, not %(value)s.",
                        aggregation=table.aggregation,
                        value=repr(value),
                    ),
                )
            )
        numbers.append(value)
    if table.aggregation == "SUM":
        return sum(numbers)
    if not numbers:
        return None
    return min(numbers) if table.aggregation == "MIN" else max(numbers)


# ---------------------------------------------------------------- publish-time check


def check_table(
    table: DecisionTable, known_data: set[str], helpers: dict[str, Callable[..., Any]]
) -> list[Message]:
    """What is wrong with the table, for the person publishing it (empty if nothing)."""
    problems = _policy_problems(table)
    known = known_data | set(helpers) | set(dir(builtins)) | {"math", INPUT_NAME}
    for column in table.inputs:
        problems += _check_expression(column.expression, known, _at(table, column=column.label))
    for rule in table.rules:
        for entry, test, column in zip(rule.entries, rule.tests, table.inputs, strict=True):
            where = _at(table, rule.number, column.label)
            if test is not None:
                problems += _check_expression(test, known, where)
            if _never_matches(entry):
                problems.append(_problem(where, Message("the rule can never match (%(cell)s).", cell=entry)))
        for entry, output in zip(rule.outputs, table.outputs, strict=True):
            if entry:
                problems += _check_expression(entry, known, _at(table, rule.number, output.label))
                problems += _check_allowed(table, rule, output, entry)
    return problems


def _check_allowed(table: DecisionTable, rule: Rule, output: Output, entry: str) -> list[Message]:
    if output.values is None:
        return []
    try:
        value = ast.literal_eval(entry)
    except (ValueError, SyntaxError):
        return []  # an expression's value is only known at run time
    return [] if value in output.values else [_not_allowed(table, rule, output, value)]


def _check_expression(source: str, known: set[str], where: Message) -> list[Message]:
    try:
        check_expression(source)
    except ScriptRejected as error:
        return [_problem(where, error.message)]  # a Message, translated with ours
    tree = ast.parse(source.strip(), mode="eval")
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    unknown = sorted(
        {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        - known
        - bound
    )
    if unknown:
        return [
            _problem(where, Message("%(names)s is not data known to the process.", names=", ".join(unknown)))
        ]
    return []
