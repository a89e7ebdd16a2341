"""Element paths: where an element is in its document, as the timeline's C1 ``path`` says it.

``/Response/Gather[1]/SpeakSentence[2]``: ``/`` and the root as written (``Response`` or
``Bxml``), then each element down to it as ``Name[i]``, ``i`` its position among the siblings of
the same name, from 1 (XPath style). :func:`element_paths` is the one walk that names them: the
engine's timeline entries (engine/context.py) and coverage's document outlines
(coverage/outline.py) both read it, so a verb has the same path in a result and in a report.
"""

from __future__ import annotations

from collections.abc import Iterator

from simulator.bxml import nodes


def element_paths(root: nodes.Response) -> Iterator[tuple[nodes.Node, str]]:
    """(node, element path) of every element of a document, the root first, then in document
    order (each element before the elements inside it)."""
    todo: list[tuple[nodes.Node, str]] = [(root, "/" + nodes.xml_name(root))]
    while todo:
        node, path = todo.pop()
        yield node, path
        children = nodes.element_spec(type(node)).children
        if children is None:
            continue
        seen: dict[str, int] = {}
        inside = []
        for child in getattr(node, children[0]):
            name = nodes.xml_name(child)
            seen[name] = seen.get(name, 0) + 1
            inside.append((child, f"{path}/{name}[{seen[name]}]"))
        todo.extend(reversed(inside))
