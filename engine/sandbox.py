"""The sandbox for BPMN scripts and expressions.

Why this exists: SpiffWorkflow's default ``PythonScriptEngine(TaskDataEnvironment())`` is plain
``exec``/``eval`` with full builtins, so anyone who can upload a BPMN file (a script task, a
gateway condition, a timer expression...) can run code on the server. The documented
``TaskDataEnvironment(RestrictedPython.safe_globals)`` is not enough either: plain ``exec``
still allows ``().__class__.__base__.__subclasses__()`` and from there ``__import__('os')``.

Here every script and expression is compiled with RestrictedPython (no names or attributes
starting with ``_``, no ``__import__``, attribute access through ``safer_getattr``) plus a small
AST policy that refuses at check time what RestrictedPython would only refuse at run time
(``import``) and what has no place in a BPMN script (``while``, ``lambda``, classes). The
compiled code also calls the run's budget (engine.budget) wherever it could loop or allocate
in proportion to a number it chooses: each run is stopped, with a clear error, when it goes
over its steps, memory or time.
"""

import ast
import functools
import math
import operator
import re
import types
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from RestrictedPython import (
    RestrictingNodeTransformer,
    compile_restricted_eval,
    compile_restricted_exec,
    limited_builtins,
    safe_builtins,
    utility_builtins,
)
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment, PythonScriptEngine

from engine.budget import BINARY_OPERATORS, DEFAULT_LIMITS, Budget, Limits
from engine.errors import BudgetExceeded, ScriptRejected
from engine.messages import Message

MAX_SHOWN_SOURCE = 200

# Pure builtins that RestrictedPython's safe set lacks but everyday scripts need.
_EXTRA_BUILTINS = {
    f.__name__: f for f in (min, max, any, all, dict, enumerate, reversed, map, filter, sorted, zip)
}
# pow(10, pow(10, 10)) would bypass the budget's check of ``**``; random makes a run
# impossible to repeat; string, reorder, same_type and test are RestrictedPython's
# utilities no script needs.
_REMOVED_BUILTINS = {"pow", "random", "whrandom", "string", "reorder", "same_type", "test", "math"}
# math without what computes numbers of unbounded size (factorial, comb, perm, prod, lcm).
_SAFE_MATH = types.SimpleNamespace(
    **{
        name: getattr(math, name)
        for name in (
            "ceil",
            "floor",
            "trunc",
            "fabs",
            "sqrt",
            "exp",
            "log",
            "log10",
            "log2",
            "isclose",
            "isfinite",
            "isinf",
            "isnan",
            "fsum",
            "gcd",
            "pi",
            "e",
            "inf",
            "nan",
        )
    }
)

_INPLACE_OPERATORS = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "@=": operator.imatmul,
}


def _apply(func, *args, **kwargs):
    # RestrictedPython rewrites ``f(*a, **kw)`` to ``_apply_(f, *a, **kw)``.
    return func(*args, **kwargs)


def _sandbox_builtins():
    allowed = {**safe_builtins, **limited_builtins, **utility_builtins, **_EXTRA_BUILTINS}
    return {
        **{name: value for name, value in allowed.items() if name not in _REMOVED_BUILTINS},
        "math": _SAFE_MATH,
    }


_BUILTINS = _sandbox_builtins()
_GUARDS = {
    "_getitem_": default_guarded_getitem,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_apply_": _apply,
    "_print_": None,  # print() is disabled: output would go to the server log
}


def _budget_guards(budget: Budget) -> dict:
    """The names the compiled code calls to charge this run's budget."""

    def getattr_(obj, name, default=None):
        return budget.method(obj, name, safer_getattr(obj, name, default))

    def inplace(op, target, value):
        # RestrictedPython rewrites ``n += 1`` to ``n = _inplacevar_('+=', n, 1)``.
        if op[:-1] in BINARY_OPERATORS:
            budget.check_binary(op[:-1], target, value)
        return _INPLACE_OPERATORS[op](target, value)

    return {
        "__builtins__": {**_BUILTINS, "range": budget.range, "sum": budget.sum, "round": budget.round},
        "_getattr_": getattr_,
        "_getiter_": budget.iterate,
        "_inplacevar_": inplace,
        "_binop_": budget.binary,
        "_step_": budget.step,
        "_format_": budget.format_field,
    }


# ---------------------------------------------------------------- compile + policy

_OPERATOR_SYMBOLS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _located(new: ast.AST, old: ast.AST) -> ast.AST:
    return ast.fix_missing_locations(ast.copy_location(new, old))


class _BudgetedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy, with calls to the run's budget where the code could loop
    or allocate at will (engine.budget). Names starting with ``_`` are refused in the
    source, so the code cannot replace these."""

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        symbol = _OPERATOR_SYMBOLS.get(type(node.op))
        if symbol is None:
            return node
        return _located(_call("_binop_", ast.Constant(symbol), node.left, node.right), node)

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _located(ast.Expr(_call("_step_")), node))
        return node

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        spec = node.format_spec or ast.Constant("")
        field = _call("_format_", node.value, ast.Constant(node.conversion), spec)
        return _located(ast.FormattedValue(value=field, conversion=-1, format_spec=None), node)


class _ExtraPolicy(ast.NodeVisitor):
    """Refuses imports early, and constructs that have no place in a BPMN script."""

    def __init__(self):
        self.problems = []

    def _refuse(self, node, reason: Message):
        self.problems.append(_on_line(getattr(node, "lineno", None), reason))

    def visit_While(self, node):
        self._refuse(node, Message("while loops are not allowed (they can run forever); use a for loop"))
        self.generic_visit(node)

    def visit_Lambda(self, node):
        self._refuse(node, Message("lambda is not allowed"))
        self.generic_visit(node)

    def visit_Import(self, node):
        # RestrictedPython compiles imports and only fails at run time (no __import__).
        self._refuse(node, Message("import is not allowed"))

    visit_ImportFrom = visit_Import

    def visit_Global(self, node):
        self._refuse(node, Message("global statements are not allowed"))

    def visit_Nonlocal(self, node):
        self._refuse(node, Message("nonlocal statements are not allowed"))

    def visit_ClassDef(self, node):
        self._refuse(node, Message("class definitions are not allowed"))


def _on_line(line: object, problem: Message) -> Message:
    return Message("line %(line)s: %(problem)s", line=line if line is not None else "?", problem=problem)


# RestrictedPython's refusals ("Line 3: ...") in our words (docs/languages.md): its sentence's
# pattern, and the message naming what it found; anything else is said without its words.
_REFUSAL_LINE = re.compile(r"Line (?P<line>\w+): (?P<text>.*)", re.DOTALL)
_REFUSALS = (
    (
        re.compile(
            r'"(?P<name>[^"]+)" is an invalid \w+ name because it (starts with "_"|ends with "__roles__")'
        ),
        Message("the name %(name)s is reserved to the system"),
    ),
    (
        re.compile(r'"(?P<name>[^"]+)" is a (reserved|restricted) name'),
        Message("the name %(name)s is reserved to the system"),
    ),
    (
        re.compile(r"(?P<construct>\w+) (statements|calls) are not allowed"),
        Message("%(construct)s is not allowed"),
    ),
    (
        re.compile(r"SyntaxError: (?P<detail>.*?) at statement"),
        Message("this is not valid Python (%(detail)s)"),
    ),
)
_REFUSED = Message("this construct is not allowed in a script or expression")


def _refusal(text: str) -> Message:
    """One of RestrictedPython's refusals, in our words."""
    located = _REFUSAL_LINE.fullmatch(text)
    line, text = (located["line"], located["text"]) if located else (None, text)
    for pattern, said in _REFUSALS:
        found = pattern.search(text)
        if found:
            return _on_line(line, Message(said.template, **found.groupdict()))
    return _on_line(line, _REFUSED)


def _joined(problems: list[Message]) -> Message:
    """Several problems as one text, each still translated."""
    joined = problems[-1]
    for problem in reversed(problems[:-1]):
        joined = Message("%(first)s; %(then)s", first=problem, then=joined)
    return joined


def _shown(source):
    return source if len(source) <= MAX_SHOWN_SOURCE else source[:MAX_SHOWN_SOURCE] + "..."


@functools.lru_cache(maxsize=1024)
def _compile(source: str, mode: str):
    """Compiled code for ``source``; cached because gateway conditions run very often."""
    compile_restricted = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_restricted(source, policy=_BudgetedTransformer)
    problems = [_refusal(error) for error in result.errors]
    if not problems:
        policy = _ExtraPolicy()
        policy.visit(ast.parse(source, mode=mode))
        problems = policy.problems
    if problems:
        said = (
            Message(
                "Expression rejected by the sandbox: %(problems)s. Expression: %(source)s",
                problems=_joined(problems),
                source=repr(_shown(source)),
            )
            if mode == "eval"
            else Message(
                "Script rejected by the sandbox: %(problems)s. Script: %(source)s",
                problems=_joined(problems),
                source=repr(_shown(source)),
            )
        )
        raise ScriptRejected(said, source=_shown(source), problems=problems)
    return result.code


def _expression_source(text):
    # Python's eval() ignores surrounding whitespace; compile() would not. BPMN editors
    # often leave newlines around conditions.
    return text.strip()


def check_expression(text: str) -> None:
    """Raise ScriptRejected if ``text`` is not an allowed expression. Nothing is run."""
    _compile(_expression_source(text), "eval")


def check_script(text: str) -> None:
    """Raise ScriptRejected if ``text`` is not an allowed script. Nothing is run."""
    _compile(text, "exec")


# ---------------------------------------------------------------- SpiffWorkflow environment


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Runs scripts and expressions compiled by RestrictedPython, each on a fresh budget.

    One namespace per run: task data first, then helpers and guards on top, so a task-data
    key such as ``now`` can never replace the helper ``now()`` (SpiffWorkflow's own
    environment raises in that case). A single dict is used (not separate globals/locals)
    because comprehensions and functions in a script only see globals.
    """

    def __init__(self, helpers: dict[str, Callable[..., Any]], limits: Limits = DEFAULT_LIMITS):
        bad = [name for name in helpers if not name.isidentifier() or name.startswith("_")]
        if bad:
            raise ValueError(f"Helper names must be identifiers not starting with '_': {bad}")
        super().__init__({**helpers, **_GUARDS})
        self.helpers = helpers  # what decision tables evaluate with (engine.business_rules)
        self.limits = limits

    def _namespace(self, context, external_context, budget: Budget):
        return {**(external_context or {}), **context, **self.globals, **_budget_guards(budget)}

    def evaluate(self, expression, context, external_context=None):
        code = _compile(_expression_source(expression), "eval")
        budget = Budget(self.limits)
        with _budgeted(budget):
            return eval(code, self._namespace(context, external_context, budget))

    def execute(self, script, context, external_context=None):
        code = _compile(script, "exec")
        budget = Budget(self.limits)
        namespace = self._namespace(context, external_context, budget)
        with _budgeted(budget):
            exec(code, namespace)
            self._write_back(context, namespace, set(external_context or {}) - set(context), budget)
        return True

    def _write_back(self, context, namespace, external_only, budget: Budget):
        # Like TaskDataEnvironment: functions, modules, helpers, guards and data objects that
        # were only visible to the script do not become task data. Shadowed task data keys
        # (same name as a helper) keep their old value.
        for name in [n for n in context if n not in namespace and n not in self.globals]:
            del context[name]  # the script ran ``del name``
        for name, value in namespace.items():
            if name in self.globals or name in external_only or name.startswith("_"):
                continue
            if callable(value) or isinstance(value, types.ModuleType):
                continue
            _require_storable(name, value, budget)
            context[name] = value

    def call_service(self, context, **kwargs):
        raise ScriptRejected(Message("Service tasks are not supported by this engine yet."))


@contextmanager
def _budgeted(budget: Budget):
    """Over budget is over budget even if the code caught the error; so is a recursion
    that reached Python's limit (every call it made was charged already)."""
    try:
        yield
    except RecursionError:
        raise BudgetExceeded(Message("the code called its functions too deeply (recursion)")) from None
    budget.check()


_JSON_SCALARS = (str, int, float, bool, type(None))


def _require_storable(path: str, value, budget: Budget) -> None:
    """Task data is stored as JSON: a range, bytes or a key named ``typename`` left by a
    script would fail the save or make the instance impossible to load later. Each value
    costs a step: a list holding itself many times over would be huge once written."""
    budget.step()
    if isinstance(value, _JSON_SCALARS):
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _require_storable(f"{path}[{index}]", item, budget)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or key == "typename" or key.startswith("_"):
                raise ScriptRejected(
                    Message(
                        "The script stored a reserved or non-text key %(key)s in %(path)s.",
                        key=repr(key),
                        path=path,
                    )
                )
            _require_storable(f"{path}.{key}", item, budget)
        return
    raise ScriptRejected(
        Message(
            "The script stored a %(type)s in %(path)s; only text, numbers, booleans, null, lists and objects "
            "can be kept.",
            type=type(value).__name__,
            path=path,
        )
    )


def build_script_engine(
    helpers: dict[str, Callable[..., Any]], limits: Limits = DEFAULT_LIMITS
) -> PythonScriptEngine:
    """A SpiffWorkflow script engine that runs everything in the sandbox."""
    return PythonScriptEngine(environment=RestrictedEnvironment(helpers, limits))
