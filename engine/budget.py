"""The budget one run of user code (a script, a condition, a timer or ``due`` expression) gets.

Why this exists: the sandbox (engine.sandbox) keeps user code away from the server, but an
in-process sandbox cannot interrupt a single C-level operation: ``"x" * 10**10`` or
``sorted(range(10**9))`` would hold a worker (and, on SQLite, whoever waits for it) for as
long as it likes. So every operation that can allocate or loop in proportion to a number the
code chooses is checked *before* it happens, and charged:

- steps: each loop iteration, comprehension item and call of a function the code defines,
  each element of a ``range`` it creates and each value of the data it keeps;
- memory: the size of each string, sequence, big integer or formatted field it builds
  (repetition ``*``, concatenation ``+``, powers, shifts, ``%`` and f-string widths,
  ``ljust``/``rjust``/``center``/``zfill``/``expandtabs``, ``join``, ``replace``,
  ``translate``, ``int.to_bytes``, ``list.extend``), counted cumulatively over the run;
- wall-clock time, checked at every step and every charge, so it holds in any thread
  (no ``signal.alarm``, which only works in the main thread).

Whatever runs in C between two checks is bounded by what was charged for it. Over budget,
``BudgetExceeded`` is raised and stays raised: every later step raises again, so code that
catches it cannot go on. README.md ("User code on a budget") lists the limits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import BudgetExceeded
from engine.messages import Message


@dataclass(frozen=True)
class Limits:
    steps: int = 1_000_000
    memory: int = 32_000_000  # characters, sequence slots (8 each) and integer bytes, summed
    seconds: float = 1.0
    int_bits: int = 10_000  # about 3,000 digits: always convertible to text (Python allows 4,300)
    round_digits: int = 1_000


DEFAULT_LIMITS = Limits()

_SEQUENCES = (str, bytes, bytearray, list, tuple)
_SLOT = 8  # what one list or tuple item costs in memory units
# A conversion of %-formatting: its flags, width and precision.
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")
# The conversions of an f-string field (!s, !r, !a), by the code the compiled f-string passes.
_CONVERSIONS: dict[int, Callable[[object], str]] = {ord("s"): str, ord("r"): repr, ord("a"): ascii}


def _units(sequence) -> int:
    return len(sequence) * (_SLOT if isinstance(sequence, (list, tuple)) else 1)


def _is_int(value) -> bool:
    return isinstance(value, int)  # bool included: True * "x" is a repetition too


class Budget:
    """What one run may still spend. Not thread-safe: one budget per run."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS):
        self.limits = limits
        self._steps = limits.steps
        self._memory = limits.memory
        self._deadline = time.monotonic() + limits.seconds
        self.exceeded: BudgetExceeded | None = None

    # -- charging ------------------------------------------------------------------

    def step(self, count: int = 1) -> None:
        self._steps -= count
        if self._steps < 0:
            self._exceed(
                Message(
                    "more than %(steps)s steps (loop iterations, function calls)",
                    steps=f"{self.limits.steps:,}",
                )
            )
        self._check_clock()

    def allocate(self, units: int) -> None:
        self._memory -= max(units, 0)
        if self._memory < 0:
            self._exceed(
                Message(
                    "more than %(units)s units of memory (characters, list items, integer bytes)",
                    units=f"{self.limits.memory:,}",
                )
            )
        self._check_clock()

    def _check_clock(self) -> None:
        if self.exceeded is not None:
            raise self.exceeded
        if time.monotonic() > self._deadline:
            self._exceed(Message("longer than %(seconds)s s", seconds=f"{self.limits.seconds:g}"))

    def _exceed(self, what: Message) -> None:
        if self.exceeded is None:
            self.exceeded = BudgetExceeded(Message("the code used %(what)s", what=what))
        raise self.exceeded

    def check(self) -> None:
        """Raise again if the budget ran out, even if the code caught the error."""
        if self.exceeded is not None:
            raise self.exceeded

    def _int_bits(self, bits: int) -> None:
        if bits > self.limits.int_bits:
            self._exceed(Message("an integer of more than %(bits)s bits", bits=f"{self.limits.int_bits:,}"))
        self.allocate(bits // 8)

    # -- the guards the sandbox puts in the namespace ------------------------------

    def iterate(self, iterable):
        """``_getiter_``: every ``for`` loop and comprehension pays a step per item."""
        for item in iterable:
            self.step()
            yield item

    def binary(self, op: str, left, right):
        """``_binop_``: ``+ * ** << %`` with their result's size checked first."""
        self.check_binary(op, left, right)
        return _BINARY_OPERATIONS[op](left, right)

    def check_binary(self, op: str, left, right) -> None:
        _BINARY_CHECKS[op](self, left, right)

    def range(self, *args):
        numbers = range(*args)
        self.step(len(numbers))
        return numbers

    def format_field(self, value, conversion: int, spec: str):
        """An f-string field ``{value!r:spec}``."""
        self._check_format_spec(spec)
        if conversion != -1:
            value = _CONVERSIONS[conversion](value)
        return format(value, spec)

    def round(self, number, ndigits=None):
        if ndigits is not None and abs(ndigits) > self.limits.round_digits:
            self._exceed(Message("round() to more than %(digits)s digits", digits=self.limits.round_digits))
        return round(number) if ndigits is None else round(number, ndigits)

    def sum(self, iterable, start=0):
        # sum() of lists or tuples copies the growing total at every item: quadratic.
        if not isinstance(start, (int, float, complex)):
            raise TypeError("sum() adds numbers only; build lists with a comprehension")
        return sum(iterable, start)

    def method(self, owner, name: str, bound):
        """The guarded version of ``owner.name`` when it can amplify, else ``bound``."""
        guard = _METHOD_GUARDS.get(name)
        if guard is None:
            return bound
        if isinstance(owner, type):
            if not issubclass(owner, guard.types):
                return bound
            # str.ljust(text, n): the same guard, on the first argument.
            return lambda target, *args, **kwargs: self.method(target, name, getattr(target, name))(
                *args, **kwargs
            )
        if not isinstance(owner, guard.types):
            return bound

        def guarded(*args, **kwargs):
            if name == "join" and args and not isinstance(args[0], (list, tuple)):
                # Measured before joining: a generator may yield one huge string many times.
                args = (list(args[0]), *args[1:])
            self.allocate(guard.cost(owner, *args, **kwargs))
            return bound(*args, **kwargs)

        return guarded

    def _check_format_spec(self, spec: str) -> None:
        # Widths and precisions are the only numbers a format spec holds besides a
        # one-character fill; the largest is the most characters the field can take.
        self.allocate(max((int(digits) for digits in _DIGITS.findall(spec)), default=0))

    def _percent(self, template, values) -> None:
        if not isinstance(template, (str, bytes)):
            return
        specs = _PERCENT_SPEC.findall(template if isinstance(template, str) else template.decode("latin-1"))
        if any("*" in (width, precision) for width, precision in specs):
            raise TypeError("'*' widths are not allowed in % formatting; write the width in the format")
        self.allocate(sum(max(int(width or 0), int(precision or 0)) for width, precision in specs))


# -- + * ** << % ------------------------------------------------------------------


def _check_add(budget: Budget, left, right) -> None:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        budget.allocate(_units(left) + _units(right))
    elif _is_int(left) and _is_int(right):
        budget._int_bits(max(left.bit_length(), right.bit_length()) + 1)


def _check_multiply(budget: Budget, left, right) -> None:
    if isinstance(left, _SEQUENCES) and _is_int(right):
        budget.allocate(_units(left) * max(right, 0))
    elif isinstance(right, _SEQUENCES) and _is_int(left):
        budget.allocate(_units(right) * max(left, 0))
    elif _is_int(left) and _is_int(right):
        budget._int_bits(left.bit_length() + right.bit_length())


def _check_power(budget: Budget, base, exponent) -> None:
    if _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1:
        budget._int_bits(base.bit_length() * exponent)


def _check_shift(budget: Budget, value, shift) -> None:
    if _is_int(value) and _is_int(shift) and value and shift > 0:
        budget._int_bits(value.bit_length() + shift)


def _check_modulo(budget: Budget, left, right) -> None:
    budget._percent(left, right)


_BINARY_CHECKS = {
    "+": _check_add,
    "*": _check_multiply,
    "**": _check_power,
    "<<": _check_shift,
    "%": _check_modulo,
}
_BINARY_OPERATIONS = {
    "+": lambda a, b: a + b,
    "*": lambda a, b: a * b,
    "**": lambda a, b: a**b,
    "<<": lambda a, b: a << b,
    "%": lambda a, b: a % b,
}
BINARY_OPERATORS = tuple(_BINARY_CHECKS)


# -- methods that build something bigger than their inputs -------------------------------------


@dataclass(frozen=True)
class _MethodGuard:
    types: tuple[type, ...]
    cost: Callable[..., int]  # (owner, *args, **kwargs) -> memory units of the result


def _padded(owner, width, *_args, **_kwargs) -> int:
    return max(len(owner), width if _is_int(width) else 0)


def _expanded(owner, tabsize=8, **_kwargs) -> int:
    return len(owner) + owner.count("\t" if isinstance(owner, str) else b"\t") * max(tabsize, 0)


def _joined(owner, iterable, *_args, **_kwargs) -> int:
    items = iterable if isinstance(iterable, (list, tuple)) else ()
    return sum(len(item) for item in items if isinstance(item, (str, bytes, bytearray))) + len(owner) * len(
        items
    )


def _replaced(owner, old, new, count=-1, *_args, **_kwargs) -> int:
    if not isinstance(old, (str, bytes, bytearray)) or not isinstance(new, (str, bytes, bytearray)):
        return 0
    times = owner.count(old) if old else len(owner) + 1
    if _is_int(count) and count >= 0:
        times = min(times, count)
    return len(owner) + times * max(len(new) - len(old), 0)


def _translated(owner, table, *_args, **_kwargs) -> int:
    values = table.values() if isinstance(table, dict) else []
    longest = max((len(value) for value in values if isinstance(value, (str, bytes))), default=1)
    return len(owner) * max(longest, 1)


def _to_bytes(_owner, length=1, *_args, **_kwargs) -> int:
    return length if _is_int(length) else 0


def _extended(owner, iterable, *_args, **_kwargs) -> int:
    return _units(iterable) if isinstance(iterable, _SEQUENCES) else 0


_TEXT = (str, bytes, bytearray)
_METHOD_GUARDS = {
    **{name: _MethodGuard(_TEXT, _padded) for name in ("ljust", "rjust", "center", "zfill")},
    "expandtabs": _MethodGuard(_TEXT, _expanded),
    "join": _MethodGuard(_TEXT, _joined),
    "replace": _MethodGuard(_TEXT, _replaced),
    "translate": _MethodGuard(_TEXT, _translated),
    "to_bytes": _MethodGuard((int,), _to_bytes),
    "extend": _MethodGuard((list, bytearray), _extended),
}
