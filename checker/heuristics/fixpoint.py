"""The data-flow fixed point: every binding's labels, propagated until nothing changes.

Labels only grow (a key's labels are a union, a key's literal value is set once), and there
are finitely many keys and labels, so propagation ends. A worklist makes it cheap: bindings
are evaluated once in source order, and afterwards only when a key they read has changed;
``a0 = decode(X); a1 = a0; ...; exec(a499)`` settles in one pass, in any order of statements.
Each binding is re-evaluated at most once per change of a key it reads, so the work is bounded
by the size of the code times the number of labels. ``WORK_PER_NODE`` caps it for hostile
code built to be slow; hitting the cap is reported, never silently accepted.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable

from checker.heuristics import api_names as api
from checker.heuristics.flow_scopes import Binding, Scope
from checker.heuristics.flow_types import Taint
from checker.heuristics.literal_text import literal_strings
from checker.heuristics.syntax import is_string_op
from checker.heuristics.taint_eval import TaintEvaluator

# Node visits allowed per node of the module: honest code needs about two.
WORK_PER_NODE = 64
WORK_FLOOR = 250_000
# Expressions that can be built from string literals only (see literal_text.literal_strings).
MAYBE_LITERAL = frozenset(
    {
        ast.Constant,
        ast.JoinedStr,
        ast.Tuple,
        ast.List,
        ast.BinOp,
        ast.Subscript,
        ast.Name,
        ast.Attribute,
        ast.Call,
        ast.Starred,
    }
)


def solve(bindings: Iterable[Binding], evaluator: TaintEvaluator, node_count: int) -> str | None:
    """Propagate labels to a fixed point; the reason when the work cap stopped it, else None."""
    queue: deque[Binding] = deque()
    for binding in bindings:
        binding.queued = True
        queue.append(binding)
    readers: dict[tuple[int, str], list[Binding]] = {}
    budget = WORK_FLOOR + WORK_PER_NODE * node_count
    start = evaluator.visited
    while queue:
        binding = queue.popleft()
        binding.queued = False
        first = binding.size == 0
        reads: list[tuple[Scope | None, str]] | None = [] if first else None
        evaluator.reads = reads
        before = evaluator.visited
        labels, literal = _evaluate(binding, evaluator)
        evaluator.reads = None
        if first:
            binding.size = max(1, evaluator.visited - before)
            _register(binding, reads or [], readers)
        for owner, key in binding.keys:
            changed = False
            old = owner.env.get(key, 0)
            if old | labels != old:
                owner.env[key] = old | labels
                changed = True
            if literal is not None and key not in owner.literal:
                owner.literal[key] = literal
                changed = True
            if changed:
                for reader in readers.get((id(owner), key), ()):
                    if not reader.queued:
                        reader.queued = True
                        queue.append(reader)
        if evaluator.visited - start > budget:
            return (
                f"data-flow analysis stopped after {evaluator.visited - start} steps with "
                f"assignments left to propagate: the module is built to be too slow to analyse"
            )
    return None


def _register(
    binding: Binding,
    reads: list[tuple[Scope | None, str]],
    readers: dict[tuple[int, str], list[Binding]],
) -> None:
    seen: set[tuple[int, str]] = set()
    for owner, key in reads:
        scope: Scope | None = binding.scope if owner is None else owner
        while scope is not None:
            slot = (id(scope), key)
            if slot not in seen:
                seen.add(slot)
                readers.setdefault(slot, []).append(binding)
            if owner is not None:
                break
            scope = scope.parent


def _evaluate(binding: Binding, evaluator: TaintEvaluator) -> tuple[int, tuple[str, ...] | None]:
    call = binding.call
    scope = binding.scope
    if call is None:
        value = binding.value
        labels = evaluator.taint(value, scope)
        literal = None
        if type(value) in MAYBE_LITERAL and (type(value) is not ast.Call or is_string_op(value)):
            literal = literal_strings(value, scope)
        return labels, literal
    # A download: the path a network call or network data is written to.
    if evaluator.resolved.get(id(call), "") in api.DOWNLOAD_TO_FILE:
        labels = Taint.DOWNLOADED | evaluator.fixed_address(call, scope)
        evaluator.taint(binding.value, scope)  # learn what the address depends on
        return labels, None
    data = evaluator.taint(binding.value, scope)
    if not data & Taint.NETWORK:
        return 0, None
    return Taint.DOWNLOADED | (data & Taint.FIXED_URL), None
