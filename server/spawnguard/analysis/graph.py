"""Strongly connected components of a directed graph, without recursion.

The project's import graph can hold chains thousands of modules long and cycles of hundreds:
a recursive walk would run out of Python's stack on them, so Tarjan's algorithm is run here
with an explicit stack of iterators.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TypeVar

Node = TypeVar("Node", bound=Hashable)


def components(starts: Iterable[Node], successors: Callable[[Node], Iterable[Node]],
               known: Callable[[Node], bool] = lambda node: False) -> Iterator[list[Node]]:
    """The strongly connected components reachable from `starts`, dependencies first: each
    component is yielded after every component it has an edge to. Nodes for which `known` is
    true are treated as already handled: they are neither yielded nor walked through."""
    index: dict[Node, int] = {}
    lowlink: dict[Node, int] = {}
    on_stack: set[Node] = set()
    stack: list[Node] = []
    for start in starts:
        if start in index or known(start):
            continue
        index[start] = lowlink[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work: list[tuple[Node, Iterator[Node]]] = [(start, iter(successors(start)))]
        while work:
            node, edges = work[-1]
            for successor in edges:
                if successor not in index:
                    if known(successor):
                        continue
                    index[successor] = lowlink[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(successors(successor))))
                    break
                if successor in on_stack:
                    lowlink[node] = min(lowlink[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    lowlink[parent] = min(lowlink[parent], lowlink[node])
                if lowlink[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    yield component
