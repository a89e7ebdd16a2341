"""The lxml tree -> node build: one compiled ``Plan`` per element class, and the ``Builder``.

A plan is derived once from its class's table (nodes.py): the field defaults, a memo of
``(xml attribute, raw value) -> (field, typed value, problems)`` (documents repeat values:
``POST``, ``true``, the same URLs), the required attributes, the text and the children rules.
On the happy path a node costs one dict copy, one memo lookup per attribute and one
``__dict__`` assignment (the element classes are dict-based for this; ``Response``, the one
class with a validator, goes through ``__init__``). What only a diagnostic needs (attribute
positions, "did you mean" hints, positions of SSML children) is computed only when a
diagnostic is produced.

Positions: the k-th element in document order is the k-th start tag found by the ``Locator``
(reader.py); the builder walks in document order with a cursor over that numbering, and a
subtree it does not build (SSML, misplaced elements) advances the cursor by its size.
"""

from __future__ import annotations

from difflib import get_close_matches

import attrs
from lxml import etree

from simulator.bxml import nodes as n
from simulator.bxml.diagnostics import CODES, WARNING, Diagnostic
from simulator.bxml.ssml import markup_problems
from simulator.bxml.values import convert_attr, convert_text, format_attr

# Conference: the docs' attribute table spells callbackTimeout as calbackTimeout (spec §7.3).
ALIASES = {("Conference", "calbackTimeout"): "callbackTimeout"}
_MEMO_LIMIT = 4096
_new = object.__new__
_set = object.__setattr__


PLAIN, TEXT, SPEECH, PARENT = range(4)   # what an element holds besides attributes


class Plan:
    """How to build one element class, derived from ``nodes.element_spec``."""

    __slots__ = ("cls", "spec", "defaults", "memo", "aliases", "required", "mode", "text_field",
                 "text_spec", "children_field", "child_spec", "child_plans")

    def __init__(self, cls: type[n.Node]) -> None:
        self.cls = cls
        self.spec = n.element_spec(cls)
        self.defaults: dict[str, object] = {}
        for field in attrs.fields(cls):
            if field.name in ("line", "col"):   # resolved lazily (Node.__getattr__)
                continue
            if isinstance(field.default, attrs.Factory):   # a copied dict cannot run factories
                raise TypeError(f"{cls.__name__}.{field.name}: factory defaults are not supported")
            self.defaults[field.name] = field.default
        self.memo: dict[tuple[str, str], tuple[str, object, tuple]] = {}
        self.aliases = {xml for (tag, xml) in ALIASES if tag == cls.__name__}
        self.required = tuple(xml for xml, (_, a) in self.spec.attrs.items() if a.required)
        self.text_field, self.text_spec = self.spec.text or (None, None)
        self.children_field, self.child_spec = self.spec.children or (None, None)
        self.child_plans: dict[str, Plan] = {}
        if self.child_spec is not None:
            self.mode = PARENT
        elif self.text_spec is None:
            self.mode = PLAIN
        else:
            self.mode = SPEECH if self.text_spec.kind == n.SSML else TEXT

    def convert(self, item: tuple[str, str]) -> tuple[str, object, tuple] | None:
        """``(field, value, problems)`` of an attribute of this element; ``None`` when it is
        unknown or an alias (those are handled, with their diagnostics, by the builder)."""
        entry = self.spec.attrs.get(item[0])
        if entry is None or item[0] in self.aliases:
            return None
        value, problems = convert_attr(entry[1], item[1])
        hit = (entry[0], value, tuple(problems))
        if len(self.memo) >= _MEMO_LIMIT:
            self.memo.clear()
        self.memo[item] = hit
        return hit


PLANS: dict[type[n.Node], Plan] = {cls: Plan(cls) for cls in set(n.CATALOGUE.values())}
for _plan in PLANS.values():
    if _plan.child_spec is not None:
        _plan.child_plans = {tag: PLANS[n.CATALOGUE[tag]] for tag in _plan.child_spec.allowed}


class Builder:
    """Turns an lxml tree into nodes, collecting element/attribute/text diagnostics.

    ``locator`` (reader.py) gives ``element(index)`` and ``attribute(index, name)`` positions
    positions; the nodes keep it to resolve their own ``line``/``col`` on first use."""

    def __init__(self, locator, file: str | None, *, strict: bool = True) -> None:
        self.locator = locator
        self.file = file
        self.strict = strict   # False: unknown attributes, out-of-range values are warnings
        self.cursor = 0   # document-order index of the next element
        self.diagnostics: list[Diagnostic] = []

    def add(self, code: str, message: str, index: int, attribute: str | None = None,
            severity: str | None = None) -> None:
        """A diagnostic at the index-th element (or at one of its attributes)."""
        line, col = (self.locator.element(index) if attribute is None
                     else self.locator.attribute(index, attribute))
        self.diagnostics.append(Diagnostic(code, severity or CODES[code][0], message, line, col,
                                           self.file))

    def _attribute_problem(self, el: etree._Element, plan: Plan, name: str, code: str,
                           message: str, index: int, value: object) -> object:
        """Report a value problem; the value to keep. Lenient mode reads an optional attribute
        that is out of range or too long (BX204) as absent, with a warning: its default."""
        if not self.strict and code == "BX204":
            entry = plan.spec.attrs.get(ALIASES.get((el.tag, name), name))
            if entry is not None and not entry[1].required:
                spec = entry[1]
                using = ("reading it as absent" if spec.default is None else
                         f"using the default {spec.xml}=\"{format_attr(spec, spec.default)}\"")
                self.add(code, f"<{el.tag}> {message}; lenient mode: {using}", index, name,
                         WARNING)
                return spec.default
        self.add(code, f"<{el.tag}> {message}", index, name)
        return value

    def build_root(self, root: etree._Element, roots: tuple[str, ...]) -> n.Response | None:
        tag = root.tag if isinstance(root.tag, str) else ""
        if tag not in roots:
            hint = get_close_matches(tag, roots, n=1)
            more = f"; did you mean <{hint[0]}>?" if hint else ""
            if tag in n.ROOT_NAMES:   # the right root for another origin (nodes.ORIGINS)
                more = (f"; <{tag}> is the root of PUT .../bxml bodies only, a webhook reply "
                        f"is a <Response> (spec README ambiguity 8)")
            self.add("BX006", f"root element must be {' or '.join(f'<{r}>' for r in roots)}, "
                              f"got <{tag}>{more}", 0)
            return None
        tree = self.build(root, PLANS[n.Response])
        attrs.validate(tree)   # the one validator of the catalogue: Response.root
        return tree

    def build(self, el: etree._Element, plan: Plan) -> n.Node:
        """The node of ``el`` (the element at ``self.cursor``), its subtree included."""
        index = self.cursor
        self.cursor = index + 1
        values = plan.defaults.copy()
        items = el.items()
        if items:
            memo = plan.memo
            for item in items:
                hit = memo.get(item)
                if hit is None:
                    hit = plan.convert(item) or self._odd_attribute(el, item, plan, index)
                    if hit is None:
                        continue
                field, value, problems = hit
                if problems:
                    for code, message in problems:
                        value = self._attribute_problem(el, plan, item[0], code, message, index,
                                                        value)
                values[field] = value
        if plan.required:
            for xml in plan.required:
                if el.get(xml) is None:
                    self.add("BX202", f"<{el.tag}> needs the attribute {xml!r}", index)
        mode = plan.mode
        if mode == PARENT:
            text = el.text
            stray = bool(text and text.strip())
            if stray:
                self._stray_text(el, index)
            values[plan.children_field] = self._children(el, plan, index, not stray)
            if plan.cls is n.Response:
                values["root"] = el.tag
        elif mode == PLAIN:
            if len(el):
                if (el.text or "").strip() or any((c.tail or "").strip() for c in el):
                    self._stray_text(el, index)
                for child in el:
                    self._misplaced(el.tag, child, ())
            else:
                text = el.text
                if text and text.strip():
                    self._stray_text(el, index)
        elif mode == TEXT:
            size = len(el)
            value, problems = convert_text(el.tag, plan.text_spec,
                                           "".join(_own_text(el)) if size else el.text or "")
            for code, message in problems:
                self.add(code, message, index)
            values[plan.text_field] = value
            if size:
                for child in el:
                    self._misplaced(el.tag, child, ())
        else:
            values[plan.text_field] = self._speech(el, index)
        values["_where"] = self.locator
        values["_index"] = index
        node = _new(plan.cls)
        _set(node, "__dict__", values)
        return node

    def _stray_text(self, el: etree._Element, index: int) -> None:
        self.add("BX105", f"<{el.tag}> takes no text content, got "
                          f"{' '.join(''.join(_own_text(el)).split())[:40]!r}", index)

    def _odd_attribute(self, el: etree._Element, item: tuple[str, str], plan: Plan,
                       index: int) -> tuple[str, object, tuple] | None:
        """An alias (warned, then read as its target) or an unknown attribute (None)."""
        name, (attr_name, raw) = el.tag, item
        alias = ALIASES.get((name, attr_name))
        if alias is None:
            self._unknown_attribute(name, attr_name, plan.spec, index)
            return None
        if alias in el.attrib:
            self.add("BX205", f"<{name}> has both {attr_name!r} and {alias!r}", index, attr_name)
            return None
        self.add("BX405", f"{attr_name!r} is read as {alias!r} (spelling of the docs table; "
                          f"the SDK writes {alias!r})", index, attr_name)
        field, spec = plan.spec.attrs[alias]
        value, problems = convert_attr(spec, raw)
        return field, value, tuple(problems)

    def _unknown_attribute(self, name: str, attr_name: str, spec: n.ElementSpec,
                           index: int) -> None:
        label = attr_name.split("}")[-1]
        known = list(spec.attrs)
        hint = ([k for k in known if k.lower() == label.lower()]
                or get_close_matches(label, known, n=1, cutoff=0.6))
        if hint:
            more = f"; did you mean {hint[0]!r}?"
        elif known:
            more = f"; expected one of {', '.join(known)}"
        else:
            more = f"; <{name}> has no attributes"
        if self.strict:
            self.add("BX201", f"<{name}> has no attribute {label!r}{more}", index, attr_name)
        else:
            self.add("BX201", f"<{name}> has no attribute {label!r}{more}; lenient mode: "
                              "ignored", index, attr_name, WARNING)

    def _speech(self, el: etree._Element, index: int) -> str:
        """SpeakSentence: its inner markup (SSML kept, trimmed), the SSML checked."""
        text = el.text or ""
        if not len(el):
            if not text.strip():
                self.add("BX106", "<SpeakSentence> needs text content (the sentence to speak)",
                         index)
            return _escape(text).strip()
        if "\r" not in text and not el.nsmap:
            # Without namespaces in scope, one serialization of the element: its start tag ends
            # at the first '>' (libxml2 escapes '>' in attribute values), its end tag is the
            # last '</'. (A "\r" in the text would be written as "&#13;".)
            whole = etree.tostring(el, encoding="unicode", with_tail=False)
            markup = whole[whole.index(">") + 1:whole.rindex("</")]
        else:   # child by child: in-scope namespaces are declared on every child
            markup = _escape(text) + "".join(
                etree.tostring(child, encoding="unicode", with_tail=True) for child in el)
        count, problems = markup_problems(el, markup)
        self.cursor += count
        for k, code, message in problems:
            self.add(code, f"<SpeakSentence> {message}", index + 1 + k)
        return markup.strip()

    def _children(self, el: etree._Element, plan: Plan, index: int,
                  check_tails: bool) -> tuple[n.Node, ...]:
        """The built children; reports misplaced ones, text between them (BX105, in the
        place the check of the element's own text would have put it) and the count."""
        built = []
        append, build, child_plans = built.append, self.build, plan.child_plans
        mark = len(self.diagnostics)
        stray = False
        for child in el:
            child_plan = child_plans.get(child.tag)
            if child_plan is None:
                self._misplaced(el.tag, child, plan.child_spec.allowed)
            else:
                append(build(child, child_plan))
            if check_tails:
                tail = child.tail
                if tail and tail.strip():
                    stray, check_tails = True, False
        if stray:
            self._stray_text(el, index)
            self.diagnostics.insert(mark, self.diagnostics.pop())
        spec = plan.child_spec
        if len(built) < spec.lo or (spec.hi is not None and len(built) > spec.hi):
            allowed = " or ".join(f"<{a}>" for a in spec.allowed)
            if spec.hi is None:
                wanted = f"at least {spec.lo}"
            elif spec.lo == spec.hi:
                wanted = f"exactly {spec.lo}"
            else:
                wanted = f"{spec.lo} to {spec.hi}"
            self.add("BX104", f"<{el.tag}> needs {wanted} {allowed} element(s), got "
                              f"{len(built)}", index)
        return tuple(built)

    def _misplaced(self, parent: str, child: etree._Element, allowed: tuple[str, ...]) -> None:
        """Report a child that cannot be built here, and skip its subtree."""
        index = self.cursor
        self.cursor = index + 1 + sum(1 for _ in child.iterdescendants())
        tag = child.tag
        if not isinstance(tag, str):
            return
        if tag not in n.CATALOGUE:
            pool = list(allowed) or list(n.CATALOGUE)
            hint = (get_close_matches(tag, pool, n=1, cutoff=0.6)
                    or get_close_matches(tag, list(n.CATALOGUE), n=1, cutoff=0.6))
            more = f"; did you mean <{hint[0]}>?" if hint else ""
            self.add("BX101", f"unknown element <{_local(tag)}> in <{parent}>{more}", index)
        else:
            where = (f"; allowed: {', '.join(f'<{a}>' for a in allowed)}" if allowed
                     else f"; <{parent}> has no child elements")
            self.add("BX102", f"<{tag}> is not allowed inside <{parent}>{where}", index)


def _own_text(el: etree._Element) -> list[str]:
    return [el.text or ""] + [c.tail or "" for c in el]


def _local(tag: str) -> str:
    return tag.split("}")[-1] if tag.startswith("{") else tag


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
