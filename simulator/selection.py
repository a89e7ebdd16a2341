"""``bxmlsim run -k EXPR``: pytest's keyword expressions, matched against a scenario's names.

An expression is made of words joined by ``and``, ``or``, ``not`` and parentheses, as with
``pytest -k``: ``voicemail and not pound``, ``(menu or ivr) and retry``. A word matches when it
is a substring, ignoring case, of the scenario's name or of its file's path (so a folder or a
file name selects every scenario in it). ``Keyword.parse`` raises ``ValueError`` naming the
position of a syntax error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import attrs

_TOKEN = re.compile(r"\s*(?:(\()|(\))|((?:\w|[:+\-.\[\]\\/#*@=,'\"])+))")
_OPERATORS = ("and", "or", "not")

Predicate = Callable[[Callable[[str], bool]], bool]


@attrs.frozen
class Keyword:
    """A parsed ``-k`` expression."""

    text: str
    _test: Predicate = attrs.field(repr=False)

    @classmethod
    def parse(cls, text: str) -> Keyword:
        tokens = _tokens(text)
        if not tokens:
            return cls(text, lambda has: True)
        parser = _Parser(text, tokens)
        test = parser.expression()
        if parser.position < len(tokens):
            raise ValueError(parser.error("expected `and`, `or` or the end"))
        return cls(text, test)

    def matches(self, names: Iterable[str]) -> bool:
        """Does the expression hold for a scenario known by ``names`` (name, file path)?"""
        lowered = [name.lower() for name in names]
        return self._test(lambda word: any(word.lower() in name for name in lowered))


def _tokens(text: str) -> list[tuple[str, int]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"-k {text!r}: unexpected character {text[position:].strip()[0]!r}"
                             f" at column {len(text) - len(text[position:].lstrip()) + 1}")
        tokens.append((match.group(match.lastindex or 0), match.start(match.lastindex or 0)))
        position = match.end()
    return tokens


class _Parser:
    """expression := term ("or" term)*; term := factor ("and" factor)*;
    factor := "not" factor | "(" expression ")" | word."""

    def __init__(self, text: str, tokens: list[tuple[str, int]]) -> None:
        self.text, self.tokens, self.position = text, tokens, 0

    def error(self, expected: str) -> str:
        column = self.tokens[self.position][1] + 1 if self.position < len(self.tokens) \
            else len(self.text) + 1
        return f"-k {self.text!r}: at column {column}: {expected}"

    def peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.position][0]
        self.position += 1
        return token

    def expression(self) -> Predicate:
        terms = [self.term()]
        while self.peek() == "or":
            self.take()
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else (lambda has: any(t(has) for t in terms))

    def term(self) -> Predicate:
        factors = [self.factor()]
        while self.peek() == "and":
            self.take()
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else (lambda has: all(f(has) for f in factors))

    def factor(self) -> Predicate:
        token = self.peek()
        if token is None:
            raise ValueError(self.error("expected a word, `not` or `(`"))
        if token == "not":
            self.take()
            inner = self.factor()
            return lambda has: not inner(has)
        if token == "(":
            self.take()
            inner = self.expression()
            if self.peek() != ")":
                raise ValueError(self.error("expected `)`"))
            self.take()
            return inner
        if token in (")", "and", "or"):
            raise ValueError(self.error(f"expected a word, `not` or `(`, got {token!r}"))
        word = self.take()
        return lambda has: has(word)
