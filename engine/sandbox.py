"""The sandbox for BPMN scripts and expressions.

Why this exists: SpiffWorkflow's default ``PythonScriptEngine(TaskDataEnvironment())`` is plain
``exec``/``eval`` with full builtins, so anyone who can upload a BPMN file (a script task, a
gateway condition, a timer expression...) can run code on the server. The documented
``TaskDataEnvironment(RestrictedPython.safe_globals)`` is not enough either: plain ``exec``
still allows ``().__class__.__base__.__subclasses__()`` and from there ``__import__('os')``.

Here every script and expression is compiled with RestrictedPython (no names or attributes
starting with ``_``, no ``__import__``, attribute access through ``safer_getattr``) plus a small
AST policy that refuses ``import`` statements at check time (RestrictedPython compiles them
and only fails at run time) and the cheapest ways to hang a worker (``while``, ``lambda``,
huge ``**``). This is an in-process sandbox: it has no CPU or memory limit, so a determined
author can still make a script slow. Authors are trusted not to try; time limits belong to the worker process.
"""

import ast
import functools
import operator
import types

from RestrictedPython import (
    compile_restricted_eval,
    compile_restricted_exec,
    limited_builtins,
    safe_builtins,
    utility_builtins,
)
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment, PythonScriptEngine

from engine.errors import ScriptRejected

MAX_SHOWN_SOURCE = 200
MAX_CONSTANT_EXPONENT = 64

# Pure builtins that RestrictedPython's safe set lacks but everyday scripts need.
_EXTRA_BUILTINS = {f.__name__: f for f in (sum, min, max, any, all, dict, enumerate, reversed, map, filter)}
# pow(10, pow(10, 10)) would bypass the ``**`` policy below.
_REMOVED_BUILTINS = {"pow"}

_INPLACE_OPERATORS = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
    "@=": operator.imatmul,
}


def _inplacevar(op, target, value):
    # RestrictedPython rewrites ``n += 1`` to ``n = _inplacevar_('+=', n, 1)``.
    return _INPLACE_OPERATORS[op](target, value)


def _apply(func, *args, **kwargs):
    # RestrictedPython rewrites ``f(*a, **kw)`` to ``_apply_(f, *a, **kw)``.
    return func(*args, **kwargs)


def _sandbox_builtins():
    allowed = {**safe_builtins, **limited_builtins, **utility_builtins, **_EXTRA_BUILTINS}
    return {name: value for name, value in allowed.items() if name not in _REMOVED_BUILTINS}


_GUARDS = {
    "__builtins__": _sandbox_builtins(),
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
    "_print_": None,  # print() is disabled: output would go to the server log
}


# ---------------------------------------------------------------- compile + policy

class _ExtraPolicy(ast.NodeVisitor):
    """Refuses imports early, and constructs that make a one-line infinite loop or a giant
    number easy (a cheap guard, not a resource limit)."""

    def __init__(self):
        self.problems = []

    def _refuse(self, node, reason):
        self.problems.append(f"Line {getattr(node, 'lineno', '?')}: {reason}")

    def visit_While(self, node):
        self._refuse(node, "while loops are not allowed (they can run forever); use a for loop")
        self.generic_visit(node)

    def visit_Lambda(self, node):
        self._refuse(node, "lambda is not allowed")
        self.generic_visit(node)

    def visit_Import(self, node):
        # RestrictedPython compiles imports and only fails at run time (no __import__).
        self._refuse(node, "import is not allowed")

    visit_ImportFrom = visit_Import

    def visit_Global(self, node):
        self._refuse(node, "global statements are not allowed")

    def visit_Nonlocal(self, node):
        self._refuse(node, "nonlocal statements are not allowed")

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Pow):
            self._check_exponent(node, node.right)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if isinstance(node.op, ast.Pow):
            self._check_exponent(node, node.value)
        self.generic_visit(node)

    def _check_exponent(self, node, exponent):
        if not _is_small_int_constant(exponent):
            self._refuse(
                node,
                f"'**' needs a constant integer exponent between -{MAX_CONSTANT_EXPONENT} "
                f"and {MAX_CONSTANT_EXPONENT} (huge powers can exhaust the server)",
            )


def _is_small_int_constant(node):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and type(node.value) is int
        and abs(node.value) <= MAX_CONSTANT_EXPONENT
    )


def _shown(source):
    return source if len(source) <= MAX_SHOWN_SOURCE else source[:MAX_SHOWN_SOURCE] + "..."


@functools.lru_cache(maxsize=1024)
def _compile(source: str, mode: str):
    """Compiled code for ``source``; cached because gateway conditions run very often."""
    compile_restricted = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_restricted(source)
    problems = [error.rstrip(".") for error in result.errors]
    if not problems:
        policy = _ExtraPolicy()
        policy.visit(ast.parse(source, mode=mode))
        problems = policy.problems
    if problems:
        kind = "Expression" if mode == "eval" else "Script"
        raise ScriptRejected(
            f"{kind} rejected by the sandbox: {'; '.join(problems)}. {kind}: {_shown(source)!r}",
            source=_shown(source),
            problems=problems,
        )
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
    """Runs scripts and expressions compiled by RestrictedPython.

    One namespace per run: task data first, then helpers and guards on top, so a task-data
    key such as ``now`` can never replace the helper ``now()`` (SpiffWorkflow's own
    environment raises in that case). A single dict is used (not separate globals/locals)
    because comprehensions and functions in a script only see globals.
    """

    def __init__(self, helpers: dict[str, callable]):
        bad = [name for name in helpers if not name.isidentifier() or name.startswith("_")]
        if bad:
            raise ValueError(f"Helper names must be identifiers not starting with '_': {bad}")
        super().__init__({**helpers, **_GUARDS})

    def _namespace(self, context, external_context):
        return {**(external_context or {}), **context, **self.globals}

    def evaluate(self, expression, context, external_context=None):
        code = _compile(_expression_source(expression), "eval")
        return eval(code, self._namespace(context, external_context))

    def execute(self, script, context, external_context=None):
        code = _compile(script, "exec")
        namespace = self._namespace(context, external_context)
        exec(code, namespace)
        self._write_back(context, namespace, set(external_context or {}) - set(context))
        return True

    def _write_back(self, context, namespace, external_only):
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
            _require_storable(name, value)
            context[name] = value

    def call_service(self, context, **kwargs):
        raise ScriptRejected("Service tasks are not supported by this engine yet.")


_JSON_SCALARS = (str, int, float, bool, type(None))


def _require_storable(path: str, value) -> None:
    """Task data is stored as JSON: a range, bytes or a key named ``typename`` left by a
    script would fail the save or make the instance impossible to load later."""
    if isinstance(value, _JSON_SCALARS):
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _require_storable(f"{path}[{index}]", item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or key == "typename" or key.startswith("_"):
                raise ScriptRejected(f"The script stored a reserved or non-text key {key!r} in {path}.")
            _require_storable(f"{path}.{key}", item)
        return
    raise ScriptRejected(f"The script stored a {type(value).__name__} in {path}; "
                         "only text, numbers, booleans, null, lists and objects can be kept.")


def build_script_engine(helpers: dict[str, callable]) -> PythonScriptEngine:
    """A SpiffWorkflow script engine that runs everything in the sandbox."""
    return PythonScriptEngine(environment=RestrictedEnvironment(helpers))
