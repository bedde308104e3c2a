"""Evaluating conditions that test `__name__`.

A main guard is right only when its condition is true for `__name__ == "__main__"` (the script
run by the user) and false for `"__mp_main__"` (the name a spawn child gives the re-run script).
The condition is evaluated for both names with three-valued logic: other names are unknown.

Besides `if` statements (at any depth), the same evaluation decides which parts of an
expression and which cases of a `match` run only in the parent: the true branch of
`x if <guard> else y`, the later operands of `<guard> and x`, the later operands of
`<inverse> or x` (an inverse test is false for "__main__" and true for "__mp_main__"), and a
`case` whose pattern, after the earlier cases failed, matches "__main__" but not
"__mp_main__".
"""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass

from spawnguard.analysis.apis import is_word_char, one_line_break

MAIN = "__main__"
CHILD = "__mp_main__"


class GuardKind(enum.Enum):
    NONE = "none"  # the condition does not test __name__
    GUARD = "guard"  # body runs in the parent only
    INVERSE = "inverse"  # body runs in the child only; `else` is the guard
    BROKEN = "broken"


@dataclass(frozen=True)
class GuardVerdict:
    kind: GuardKind
    reason: str = ""
    # For a broken guard: whether its body may run in a spawned child (then it is import-time
    # code); a never-true guard's body runs nowhere.
    body_runs_in_child: bool = False
    # For an inverse test: whether it is certainly true in a spawned child, so that its `else`
    # runs in the parent only (`__name__ != "__main__" and debug` may be false there).
    true_in_child: bool = False

    @property
    def else_guarded(self) -> bool:
        """Whether the `else` of this test runs only when the script is `__main__`."""
        return self.kind is GuardKind.INVERSE and self.true_in_child


class _Unknown:
    def __repr__(self) -> str:
        return "unknown"


UNKNOWN = _Unknown()
_NOT_EVALUABLE = object()


def mentions_name(test: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(test))


def _looks_like_main(test: ast.expr) -> bool:
    """Strings compared with __name__ that suggest an attempt at a main guard."""
    return any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and "main" in n.value.lower()
        for n in ast.walk(test)
    )


def _uses_identity(test: ast.expr) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Is | ast.IsNot) for op in node.ops
        ):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Name) and o.id == "__name__" for o in operands):
                return True
    return False


def evaluate(node: ast.expr, name: str) -> object:
    """The condition's value with `__name__` bound to `name`; UNKNOWN where it depends on more."""
    # Post-order from a stack, not by recursion: each node's operands are evaluated (all of
    # them: evaluation has no effects, so a short-circuit changes only what is combined), then
    # combined from the top of `values`.
    values: list[object] = []
    pending: list[tuple[ast.expr, bool]] = [(node, False)]
    while pending:
        current, operands_done = pending.pop()
        operands = _operands(current)
        if operands and not operands_done:
            pending.append((current, True))
            pending.extend((operand, False) for operand in reversed(operands))
            continue
        first = len(values) - len(operands)
        value = _combine(current, values[first:], name)
        del values[first:]
        values.append(value)
    return values[0]


def _operands(node: ast.expr) -> list[ast.expr]:
    """The parts of `node` that `evaluate` needs the values of."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return node.elts
    if isinstance(node, ast.BoolOp):
        return node.values
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return [node.operand]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return [node.func.value, *node.args]
    return []


def _combine(node: ast.expr, operands: list[object], name: str) -> object:
    """The value of `node`, given the values of its `_operands`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return name if node.id == "__name__" else UNKNOWN
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return UNKNOWN if any(i is UNKNOWN for i in operands) else tuple(operands)
    if isinstance(node, ast.BoolOp):
        return _bool_op(node, operands)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return UNKNOWN if operands[0] is UNKNOWN else not operands[0]
    if isinstance(node, ast.Compare):
        return _compare(node, operands)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _string_method(node, operands[0], operands[1:])
    return UNKNOWN


def _bool_op(node: ast.BoolOp, operands: list[object]) -> object:
    is_and = isinstance(node.op, ast.And)
    saw_unknown = False
    for value in operands:
        if value is UNKNOWN:
            saw_unknown = True
        elif bool(value) != is_and:
            return value  # short-circuit: a false operand of `and`, a true one of `or`
    return UNKNOWN if saw_unknown else is_and


def _compare(node: ast.Compare, operands: list[object]) -> object:
    left = operands[0]
    for op, right in zip(node.ops, operands[1:], strict=True):
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        try:
            if isinstance(op, ast.Eq | ast.Is):
                result = left == right
            elif isinstance(op, ast.NotEq | ast.IsNot):
                result = left != right
            elif isinstance(op, ast.In):
                result = left in right  # type: ignore[operator]
            elif isinstance(op, ast.NotIn):
                result = left not in right  # type: ignore[operator]
            else:
                return UNKNOWN
        except TypeError:
            return UNKNOWN
        if not result:
            return False
        left = right
    return True


def _string_method(node: ast.Call, target: object, args: list[object]) -> object:
    func = node.func
    assert isinstance(func, ast.Attribute)
    if not isinstance(target, str) or node.keywords or any(a is UNKNOWN for a in args):
        return UNKNOWN
    if func.attr in {"startswith", "endswith", "strip", "lower", "upper", "lstrip", "rstrip"}:
        try:
            return getattr(target, func.attr)(*args)
        except TypeError:
            return UNKNOWN
    return UNKNOWN


def classify(test: ast.expr) -> GuardVerdict:
    if not mentions_name(test):
        return GuardVerdict(GuardKind.NONE)
    in_parent = evaluate(test, MAIN)
    in_child = evaluate(test, CHILD)
    if _uses_identity(test) and _looks_like_main(test):
        return GuardVerdict(
            GuardKind.BROKEN,
            "compares __name__ with `is`: identity of strings depends on the interpreter "
            "(it flips in Python 3.13) and is a SyntaxWarning",
        )
    parent_false = in_parent is not UNKNOWN and not in_parent
    parent_true = in_parent is not UNKNOWN and bool(in_parent)
    child_false = in_child is not UNKNOWN and not in_child
    child_true = in_child is not UNKNOWN and bool(in_child)
    if child_false and not parent_false:
        return GuardVerdict(GuardKind.GUARD)
    if parent_false and not child_false:
        return GuardVerdict(GuardKind.INVERSE, true_in_child=child_true)
    if not _looks_like_main(test):
        return GuardVerdict(GuardKind.NONE)
    if parent_false and child_false:
        return GuardVerdict(
            GuardKind.BROKEN,
            'is never true when the script runs (`__name__` is "__main__"): its body never runs',
        )
    if parent_true and child_true:
        return GuardVerdict(
            GuardKind.BROKEN,
            'is also true in spawned children (`__name__` is "__mp_main__" there): its body runs '
            "again in every worker",
            body_runs_in_child=True,
        )
    return GuardVerdict(
        GuardKind.BROKEN,
        'may also be true in spawned children, where `__name__` is "__mp_main__"',
        body_runs_in_child=True,
    )


def guarded_parts(node: ast.expr) -> list[tuple[ast.expr, bool]] | None:
    """The operands of a conditional expression or a boolean chain that tests `__name__`,
    each with whether it runs only when the script is `__main__`; None for other expressions
    (and for those that do not test `__name__` before a later operand).

    Only correct guards count here: a broken one in an expression is not reported by SPG301,
    so what it holds stays import-time code."""
    if isinstance(node, ast.IfExp):
        if not mentions_name(node.test):
            return None
        body, orelse = branch_guards(node.test)
        return [(node.test, False), (node.body, body), (node.orelse, orelse)]
    if not isinstance(node, ast.BoolOp):
        return None
    values = node.values
    first = next((i for i, v in enumerate(values[:-1]) if mentions_name(v)), None)
    if first is None:
        return None
    parts = [(value, False) for value in values[: first + 1]]
    guarded = False
    for position in range(first + 1, len(values)):
        guarded = guarded or operand_guarded(node, position)
        parts.append((values[position], guarded))
    return parts


def branch_guards(test: ast.expr) -> tuple[bool, bool]:
    """Whether the true and the false branch of `x if test else y` run only in the parent."""
    verdict = classify(test)
    return verdict.kind is GuardKind.GUARD, verdict.else_guarded


def operand_guarded(node: ast.BoolOp, position: int) -> bool:
    """Whether the operand at `position` (> 0) of a boolean chain runs only in the parent: it
    runs when the earlier operands are all true (`and`) or all false (`or`), so when they make
    a guard (`and`) or an inverse test (`or`). Once one operand is guarded, so are the later
    ones."""
    values = node.values
    prefix = values[0] if position == 1 else ast.BoolOp(node.op, values[:position])
    verdict = classify(prefix)
    if isinstance(node.op, ast.And):
        return verdict.kind is GuardKind.GUARD
    return verdict.else_guarded


def guarded_cases(match: ast.Match) -> list[bool]:
    """For each case of a `match`, whether its body runs only when the script is `__main__`:
    its pattern (and `if`), with every earlier case failing, matches "__main__" and not
    "__mp_main__". `case "__main__":` is such a case; so is `case _:` after
    `case "__mp_main__":`, but not after `case "__main__":`."""
    if not mentions_name(match.subject):
        return [False] * len(match.cases)
    flags: list[bool] = []
    earlier: list[ast.expr] = []  # "this earlier case matched", for each earlier case
    for case in match.cases:
        condition = _pattern_condition(match.subject, case.pattern)
        if condition is not None and case.guard is not None:
            condition = ast.BoolOp(ast.And(), [condition, case.guard])
        if condition is None:
            flags.append(False)
            earlier.append(ast.Name("<unknown pattern>", ast.Load()))
            continue
        runs = (condition if not earlier else ast.BoolOp(
            ast.And(), [condition, *(ast.UnaryOp(ast.Not(), e) for e in earlier)]))
        flags.append(classify(runs).kind is GuardKind.GUARD)
        earlier.append(condition)
    return flags


def _pattern_condition(subject: ast.expr, pattern: ast.pattern) -> ast.expr | None:
    """A condition on `subject` equivalent to the pattern matching it; None if unknown."""
    # Built bottom-up from a stack (patterns nest): an alternative's condition is made from
    # those of its options, the top `len(options)` of `conditions`.
    conditions: list[ast.expr | None] = []
    pending: list[tuple[ast.pattern, bool]] = [(pattern, False)]
    while pending:
        current, options_done = pending.pop()
        if isinstance(current, ast.MatchAs) and current.pattern is not None:
            pending.append((current.pattern, False))  # `case <pattern> as name:`
        elif isinstance(current, ast.MatchOr) and not options_done:
            pending.append((current, True))
            pending.extend((option, False) for option in reversed(current.patterns))
        elif isinstance(current, ast.MatchOr):
            first = len(conditions) - len(current.patterns)
            options = conditions[first:]
            del conditions[first:]
            conditions.append(None if any(o is None for o in options)
                              else ast.BoolOp(ast.Or(), options))  # type: ignore[arg-type]
        elif isinstance(current, ast.MatchValue):
            conditions.append(ast.Compare(subject, [ast.Eq()], [current.value]))
        elif isinstance(current, ast.MatchSingleton):
            conditions.append(ast.Compare(subject, [ast.Eq()], [ast.Constant(current.value)]))
        elif isinstance(current, ast.MatchAs):
            conditions.append(ast.Constant(True))  # `case _:` or a capture: matches anything
        else:
            conditions.append(None)
    return conditions[0]


_HEADER_LINES = 20  # a longer `if` condition is assumed suspicious


def may_have_broken_guard(text: str) -> bool:
    """A cheap, lossless pre-check for SPG301 that avoids parsing most files.

    Every `if`/`elif` whose condition tests `__name__` starts a line at most a few lines above
    that `__name__`. Each such header (the line, plus the following lines while the condition
    is still open) is parsed on its own and judged; a header that does not parse alone is
    assumed suspicious.
    """
    if "__name__" not in text or "main" not in text:
        return False
    text = one_line_break(text)
    judged: set[int] = set()
    for name in re.finditer("__name__", text):
        start = name.start()
        for _ in range(_HEADER_LINES):
            start = text.rfind("\n", 0, start)
            if start < 0:
                break
        position = start + 1
        for line in text[position : name.start()].split("\n"):
            line_start, position = position, position + len(line) + 1
            if line_start in judged or not _starts_if(line):
                continue
            judged.add(line_start)
            line_end = text.find("\n", line_start)
            line_end = len(text) if line_end < 0 else line_end
            if _judge_header(text[line_start:line_end].strip(), text, line_end):
                return True
    return False


def _starts_if(line: str) -> bool:
    """Whether the line starts an `if` or `elif` header."""
    stripped = line.lstrip(" \t\f")  # Python's indentation may hold form feeds
    keyword = 2 if stripped.startswith("if") else 4 if stripped.startswith("elif") else 0
    return keyword > 0 and not (len(stripped) > keyword and is_word_char(stripped[keyword]))


# Headers judged by their text alone: the usual correct guards.
_CORRECT_HEADERS = frozenset(
    f"if {left} == {right}:" for quote in "\"'"
    for left, right in (("__name__", f"{quote}__main__{quote}"),
                        (f"{quote}__main__{quote}", "__name__")))


def _judge_header(first: str, text: str, end: int) -> bool:
    """True when the `if` header starting with `first` may be a broken guard."""
    header = "if" + first[4:] if first.startswith("elif") else first
    if "__name__" not in header and not _is_open(header):
        return False  # complete without `__name__`: it does not test it
    if header in _CORRECT_HEADERS:
        return False
    following = _lines_after(text, end, _HEADER_LINES - 1)
    for _ in range(_HEADER_LINES):
        tree = _parse_header(header)
        if tree is not None:
            return "__name__" in header and classify(tree.test).kind is GuardKind.BROKEN
        if not _is_open(header):
            # Complete but unparsable alone (a one-line body, odd syntax): judge by text.
            return "__name__" in header
        next_line = next(following, None)
        if next_line is None:
            return "__name__" in header
        header += "\n" + next_line.strip()
    return "__name__" in header


def _lines_after(text: str, end: int, count: int) -> Iterator[str]:
    """Up to `count` lines after the line ending at `end` (without copying the rest)."""
    for _ in range(count):
        if end >= len(text):
            return
        next_end = text.find("\n", end + 1)
        next_end = len(text) if next_end < 0 else next_end
        yield text[end + 1 : next_end]
        end = next_end


def _is_open(header: str) -> bool:
    """Whether a header line continues on the next line (open bracket, backslash)."""
    depth = sum(header.count(c) for c in "([{") - sum(header.count(c) for c in ")]}")
    return depth > 0 or header.rstrip().endswith("\\")
def _parse_header(header: str) -> ast.If | None:
    import warnings

    for candidate in (header + "\n    pass", header):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = ast.parse(candidate)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if module.body and isinstance(module.body[0], ast.If):
            return module.body[0]
    return None
