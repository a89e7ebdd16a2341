"""The YAML reading layer (scenario/reader.py): what a scenario file means is what it meant under
ruamel.yaml (the reader before it, kept in the test extra as the reference), every line is the
same, and the reading limits are clean ``file:line`` errors.

Every semantic test runs with libyaml and with the pure-Python fallback.
"""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from simulator.errors import ScenarioError
from simulator.scenario import reader
from simulator.scenario.load import load_scenarios, load_text
from simulator.scenario.reader import (MAX_ALIAS_NODES, MAX_BYTES, MAX_DEPTH, read_file,
                                       read_yaml)

pytestmark = pytest.mark.filterwarnings("ignore::ruamel.yaml.error.MantissaNoDotYAML1_1Warning")
ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").rglob("*.yaml"))


@pytest.fixture(params=["libyaml", "pure-python"])
def parser(request, monkeypatch):
    """Each test once with libyaml (when built) and once with PyYAML's pure-Python parser."""
    if request.param == "libyaml":
        if not reader.uses_libyaml():
            pytest.skip("PyYAML was built without libyaml")
    else:
        monkeypatch.setattr(reader, "_FastParser", None)
    return request.param


# ---- the reference: ruamel.yaml's round-trip loader, as load.py used it


def ruamel_read(text: str):
    return YAML(typ="rt").load(io.StringIO(text))


def ruamel_error(text: str) -> str:
    """The message load.py printed for a YAML error under ruamel (its formula, verbatim)."""
    try:
        ruamel_read(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        what = " ".join(str(part).strip() for part in (exc.context, exc.problem) if part)
        return f"f.yaml:{line}: invalid YAML: {what}"
    raise AssertionError("ruamel accepted it")


def shape(node, lines=True):
    """A comparable picture of read data: types, values and (ours or ruamel's) lines."""
    if isinstance(node, dict):
        items = []
        for key, value in node.items():
            line = None
            if lines and hasattr(node, "key_lines"):
                line = node.key_lines[key]
            elif lines and hasattr(node, "lc"):
                try:
                    line = node.lc.key(key)[0] + 1
                except (KeyError, TypeError):  # ruamel keeps no line for a merged key
                    line = "merged"
            items.append((shape(key, False), line, shape(value, lines)))
        return ("map", items)
    if isinstance(node, list):
        items = []
        for i, value in enumerate(node):
            line = None
            if lines and hasattr(node, "item_lines"):
                line = node.item_lines[i]
            elif lines and hasattr(node, "lc"):
                line = node.lc.item(i)[0] + 1
            items.append((line, shape(value, lines)))
        return ("seq", items)
    for kind in (bool, int, float, str):
        if isinstance(node, kind):
            value = kind(node)
            return (kind.__name__, repr(value) if kind is float else value)
    assert node is None, f"unexpected {type(node).__name__}"
    return ("null", None)


def merged_lines_as_ruamel(ours, theirs):
    """ruamel had no line for merged keys: take those from ruamel's picture."""
    if ours[0] == "map" and theirs[0] == "map":
        return ("map", [(k, "merged" if tl == "merged" else ol, merged_lines_as_ruamel(ov, tv))
                        for (k, ol, ov), (_, tl, tv) in zip(ours[1], theirs[1])])
    if ours[0] == "seq" and theirs[0] == "seq":
        return ("seq", [(ol, merged_lines_as_ruamel(ov, tv))
                        for (ol, ov), (_, tv) in zip(ours[1], theirs[1])])
    return ours


def assert_same_as_ruamel(text: str) -> None:
    theirs = shape(ruamel_read(text))
    ours = shape(read_yaml(text, "f.yaml"))
    assert merged_lines_as_ruamel(ours, theirs) == theirs


# ---- the same data and lines as ruamel.yaml


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_scenarios_read_as_under_ruamel(parser, path):
    assert_same_as_ruamel(path.read_text(encoding="utf-8"))


STYLES = """\
# every kind of node, in block and flow style, with comments and anchors
name: styles   # a comment after a value
plain multi: this plain scalar
  goes on to a second line
'single': 'it''s quoted'
"double": "tab\\there \\u00e9 \\U0001F600"
literal: |
  line one
    indented
  line three
folded: >-
  folded
  text
keep: |+
  kept

flow map: {a: 1, b: [x, y], c: {d: null}}
flow seq: [1, 2.5, "three", 'four', ~, true]
empty map: {}
empty seq: []
nothing:
list:
  - plain
  -
  - - nested
    - list
  - key: value
    other: 2
  -   spaced: out
anchors:
  base: &base {direction: outbound, to: "+15555550100"}
  copy: *base
  merged:
    <<: *base
    to: "+15555550199"
  merged list:
    <<: [*base, {extra: 1}]
  scalar anchor: &word hello
  scalar alias: *word
? explicit key
: explicit value
"quoted: key": 1
123: integer key
null: null key
true: boolean key
"""


def test_every_kind_of_node_reads_as_under_ruamel(parser):
    assert_same_as_ruamel(STYLES)


def test_crlf_line_ends_and_a_byte_order_mark_read_as_under_ruamel(parser):
    assert_same_as_ruamel("\ufeffname: x\r\ncaller:\r\n  - say: hi\r\n\r\n  - press: '1'\r\n")


# Plain scalars whose YAML type differs between YAML 1.1 (PyYAML) and 1.2 (ruamel): each must
# read as ruamel read it, in a 1.2 document (the default) and in a %YAML 1.1 one.
SCALARS = [
    "yes", "no", "Yes", "NO", "on", "off", "On", "OFF", "y", "n", "Y", "N",
    "true", "True", "TRUE", "false", "False", "FALSE", "tRue",
    "null", "Null", "NULL", "~", "nULL",
    "0", "7", "-7", "+7", "0123", "007", "08", "09", "0o17", "0o8", "0x1F", "0x1f", "-0x1f",
    "0b101", "0b2", "1_000", "1__0", "0_1", "-0", "+0",
    "1.5", "1.", ".5", "-.5", "+1.5", "1e3", "1E3", "1e-3", "1.5e+3", "1_0.5", "0.1e-3",
    ".inf", "-.inf", "+.inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", "-.nan",
    "12:30", "1:30:00", "190:20:30", "1:30.5", "-1:30",
    "1.2.3", "0x", "0o", "0b", "1e", "e3", "+", ".", "1-2", "555-1234",
    "+15555550100", "1234#", "hello", "a b", "<", "<<<", "~~",
]


@pytest.mark.parametrize("version", ["", "%YAML 1.1\n---\n"], ids=["1.2", "1.1"])
@pytest.mark.parametrize("text", SCALARS)
def test_plain_scalars_read_as_under_ruamel(parser, version, text):
    assert_same_as_ruamel(f"{version}value: {text}\nin list: [{text}]\n{text}: as key\n")


# Where ruamel gave an object nothing could use (TimeStamp, TaggedScalar) or crashed, the
# reader reads the plain meaning (docs/scenarios.md "How YAML is read").
DIFFERENT = [
    ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),  # ruamel: a TimeStamp
    ("2026-01-01", "2026-01-01"),                      # ruamel: a date
    ("2026-01-01 10:00:00", "2026-01-01 10:00:00"),
    ("=", "="),                                        # ruamel: TaggedScalar (the value tag)
    ("<<", "<<"),                                      # as a value; ruamel: TaggedScalar
    ("!!str 1", "1"),                                  # ruamel: TaggedScalar
    ("!!str true", "true"),
    ("-_", "-_"),                                      # ruamel: IndexError
    ("0b_", "0b_"),                                    # ruamel: IndexError
    ("._", "._"),                                      # ruamel: ValueError
]


@pytest.mark.parametrize("text,value", DIFFERENT, ids=[d[0] for d in DIFFERENT])
def test_what_ruamel_could_not_use_reads_as_written(parser, text, value):
    assert read_yaml(f"value: {text}\n", "f.yaml") == {"value": value}


@pytest.mark.parametrize("text,value", [
    ("!!int '12'", 12), ("!!int 0x10", 16), ("!!float 42", 42.0), ("!!float '1.5'", 1.5),
    ("!!bool yes", True), ("!!bool 'off'", False), ("!!null anything", None),
    ("! 12", 12), ("!!seq [1]", [1]), ("!!map {a: 1}", {"a": 1}),
])
def test_standard_tags_are_honoured(parser, text, value):
    assert read_yaml(f"value: {text}\n", "f.yaml") == {"value": value}


@pytest.mark.parametrize("text,words", [
    ("!foo 1", "unsupported tag; expected no tag, or one of !!str !!int !!float !!bool !!null "
               "!!map !!seq, got !foo"),
    ("!!binary aGk=", "unsupported tag"),
    ("!!timestamp 2026-01-01", "unsupported tag"),
    ("!!set {a}", "unsupported tag; expected no tag, or one of"),
    ("!!int twelve", "not a valid !!int value; expected text that reads as !!int, "
                     "got 'twelve'"),
    ("!!bool maybe", "not a valid !!bool value"),
    ("!!float x", "not a valid !!float value"),
])
def test_other_tags_are_refused_with_the_line(parser, text, words):
    with pytest.raises(ScenarioError) as info:
        read_yaml(f"name: x\nvalue: {text}\n", "f.yaml")
    assert str(info.value).startswith("f.yaml:2: $.value: ") and words in str(info.value)


def test_no_stays_a_string_in_a_scenario_and_false_under_yaml_1_1(parser, tmp_path):
    [s] = load_text("name: x\ncaller:\n  - say: no\n  - press: '1'\n")
    assert s.caller[0].text == "no"
    with pytest.raises(ScenarioError, match=r"f.yaml:5: \$.caller\[0\].say: wrong type; "
                                            r"expected a string, got a boolean \(False\)"):
        load_text("%YAML 1.1\n---\nname: x\ncaller:\n  - say: no\n", file="f.yaml")


def test_an_unquoted_timestamp_is_a_usable_epoch(parser):
    [s] = load_text("name: x\nepoch: 2026-03-01T09:30:00.000Z\n")
    assert s.epoch == "2026-03-01T09:30:00.000Z"


# Generated documents: the same data, lines and duplicate-key verdicts as under ruamel.
TOKENS = st.sampled_from(SCALARS[:-4] + ["word", "two words", "-5", "+1555"]) | st.from_regex(
    r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
LEAF = TOKENS.map(lambda t: ("plain", t)) | TOKENS.map(lambda t: ("single", t)) \
    | TOKENS.map(lambda t: ("double", t))


def tree(children):
    return st.lists(st.tuples(TOKENS, children), min_size=1, max_size=4).map(
        lambda items: ("map", items)) | st.lists(children, min_size=1, max_size=4).map(
        lambda items: ("seq", items))


NODES = st.recursive(LEAF, tree, max_leaves=12)


def render_leaf(leaf) -> str:
    style, text = leaf
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def render(node, indent: int, flow: bool) -> str:
    kind, items = node
    if kind in ("plain", "single", "double"):
        return render_leaf(node)
    if flow:
        if kind == "map":
            return "{" + ", ".join(f"{k}: {render(v, 0, True)}" for k, v in items) + "}"
        return "[" + ", ".join(render(v, 0, True) for v in items) + "]"
    pad, lines = " " * indent, []
    for entry in items:
        key, value = entry if kind == "map" else (None, entry)
        head = f"{pad}{key}:" if kind == "map" else f"{pad}-"
        if value[0] in ("map", "seq") and len(lines) % 2 == 0:
            lines.append(head + "\n" + render(value, indent + 2, False))
        else:
            lines.append(f"{head} {render(value, 0, True)}")
    return "\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(NODES.filter(lambda n: n[0] in ("map", "seq")), st.booleans())
def test_generated_documents_read_as_under_ruamel(node, flow):
    text = render(node, 0, flow) + "\n"
    try:
        theirs = shape(ruamel_read(text))
    except MarkedYAMLError as exc:  # e.g. a duplicate key: the same line, the same words
        with pytest.raises(ScenarioError) as info:
            read_yaml(text, "f.yaml")
        expected = ruamel_error(text)
        assert str(info.value).split(": ")[0] == expected.split(": ")[0], (text, exc)
        if "duplicate key" in expected:
            assert str(info.value) == expected
        return
    except Exception:  # ruamel crashed (a complex key, ...): only no traceback from us
        try:
            read_yaml(text, "f.yaml")
        except ScenarioError:
            pass
        return
    assert merged_lines_as_ruamel(shape(read_yaml(text, "f.yaml")), theirs) == theirs, text


# ---- errors: the same messages and lines as before


SYNTAX_ERRORS = [
    "name: [unclosed\n", "name: x\n\tseed: 1\n", "a: b: c\n", "a:\n  - x\n  y: 1\n",
    "a: 'x\n", 'a: "x\n', "a: {b\n", "- a\nb: 1\n", "key: value\n  bad: indent\n",
    "a: @x\n", "a: `x\n", "%YAML 2.0\n---\na: 1\n", "a: [1, 2\nb: 3\n", "a: &x 1\nb: *y\n",
    "name: a\nname: b\n", "a: 1\nb: 2\na: [1]\n", "a: {b: 1}\na: {c: 2}\n", "1: a\n1.0: b\n",
    "a: 1\n---\nb: 2\n", "a: |\n  x\n y: 1\n",
]


@pytest.mark.parametrize("text", SYNTAX_ERRORS)
def test_yaml_errors_say_what_ruamel_said_at_the_same_line(parser, text):
    with pytest.raises(ScenarioError) as info:
        read_yaml(text, "f.yaml")
    assert str(info.value).split("; expected")[0] == ruamel_error(text)


def test_a_tab_for_indentation_says_yaml_forbids_tabs(parser):
    with pytest.raises(ScenarioError) as info:
        read_yaml("name: x\n\tseed: 1\n", "f.yaml")
    assert str(info.value).endswith("; expected spaces for indentation (YAML forbids tabs)")


def test_a_directive_libyaml_refuses_is_read_as_ruamel_read_it(parser):
    assert read_yaml("%FOO bar\n---\nname: x\n", "f.yaml") == {"name": "x"}


def test_pure_python_fallback_when_libyaml_is_missing(tmp_path):
    """Without PyYAML's C extension the reader imports, reads and refuses the same way."""
    script = (
        "import sys; sys.modules['yaml._yaml'] = None\n"
        "from simulator.scenario import reader\n"
        "from simulator.scenario.load import load_scenarios\n"
        "assert not reader.uses_libyaml()\n"
        f"[s] = load_scenarios({str(BUNDLED[0])!r})\n"
        "print(s.name)\n"
        "try:\n    reader.read_yaml('a: [1\\n', 'f.yaml')\n"
        "except Exception as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    name = load_scenarios(BUNDLED[0])[0].name
    assert done.stdout.splitlines() == [
        name, "f.yaml:2: invalid YAML: while parsing a flow sequence expected ',' or ']', but "
              "got '<stream end>'"]


# ---- the reading limits (docs/limits.md)


def refused(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        read_yaml(text, "f.yaml")
    return str(info.value)


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"name: x\n" + b"# padding\n" * (MAX_BYTES // 10))
    with pytest.raises(ScenarioError) as info:
        load_scenarios(path)
    assert str(info.value) == (f"{path}:1: file too large; expected at most 10 MiB "
                               f"(10,485,760 bytes), got more than 10,485,760 bytes")


@pytest.mark.parametrize("size", [0, 1, 2**16 + 3, MAX_BYTES, MAX_BYTES + 5])
def test_a_file_whose_size_the_system_does_not_say_is_read_to_its_end_or_the_limit(
        tmp_path, size):
    """A pipe (its size reads 0) is read in chunks, as far as the limit and no further."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    text = b"name: x\n" + b"#" * max(size - 8, 0) if size else b""

    def write() -> None:
        with open(fifo, "wb", buffering=0) as handle:
            view = memoryview(text)
            try:
                while view:
                    view = view[handle.write(view):]
            except BrokenPipeError:  # the reader stopped at the limit
                pass

    writer = threading.Thread(target=write)
    writer.start()
    try:
        with open(fifo, "rb", buffering=0) as handle:
            data = reader._read_at_most(handle, MAX_BYTES + 1)
    finally:
        writer.join()
    assert data == text[:MAX_BYTES + 1]


def test_text_over_the_size_limit_is_refused():
    assert refused("#" * (MAX_BYTES + 1)).startswith("f.yaml:1: text too large; expected at "
                                                     "most 10 MiB")


class CountingParser:
    """Wraps the reader's parser class, counting the events the composer asks for."""

    events = 0

    def __init__(self, real):
        self.real = real

    def __call__(self, text):
        parser = self.real(text)
        outer = self

        class Counted:
            def get_event(self):
                outer.events += 1
                return parser.get_event()

        return Counted()


BOMB = "".join([
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    *[f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n"
      for a, b in zip("abcdefgh", "bcdefghi")],
])


def test_an_alias_bomb_under_1_kb_is_refused_without_expanding_it(parser, monkeypatch):
    """9 levels of 9 aliases would be 9**9 (387 million) nodes; the composer stops at the
    alias that passes the limit, having read fewer events than the text holds tokens."""
    assert len(BOMB) < 1024
    counting = CountingParser(reader._FastParser or reader._PurePythonParser)
    monkeypatch.setattr(reader, "_FastParser", counting)
    message = refused(BOMB)
    assert message.startswith("f.yaml:6: $.f[") and ": aliases repeat too much; expected at " \
        f"most {MAX_ALIAS_NODES:,} nodes repeated through aliases in one file" in message
    assert counting.events < 100


def test_aliases_within_the_limit_are_shared_not_copied(parser):
    data = read_yaml("steps: &s [{say: hi}, {press: '1'}]\na: *s\nb: *s\n", "f.yaml")
    assert data["a"] is data["b"] is data["steps"]


def test_a_recursive_alias_is_refused(parser):
    assert refused("name: x\ncaller: &a\n  - say: hi\n  - *a\n") == (
        "f.yaml:4: $.caller[1]: recursive alias; expected an alias to a node defined before "
        "it, not one that contains the alias, got *a")


def test_nesting_deeper_than_the_limit_is_refused_at_its_line(parser):
    deep = "name: x\nexpect:\n  digits:\n" + "".join(
        "  " * (i + 2) + "-\n" for i in range(MAX_DEPTH)) + "  " * (MAX_DEPTH + 2) + "- 1\n"
    message = refused(deep)
    assert message.startswith(f"f.yaml:{MAX_DEPTH + 2}: $.expect.digits[0][0]")
    assert message.endswith(f"nested too deeply; expected at most {MAX_DEPTH} levels of "
                            f"mappings and lists, got more than {MAX_DEPTH}")
    depth_ok = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert read_yaml(depth_ok, "f.yaml")["a"] is not None


def test_a_hundred_thousand_brackets_are_refused_not_a_crash(parser):
    assert "nested too deeply" in refused("a: " + "[" * 100_000 + "\n")


def test_an_alias_cannot_nest_past_the_limit_either(parser):
    half = MAX_DEPTH // 2 + 1
    text = "a: &a " + "[" * half + "]" * half + "\nb: " + "[" * half + "*a" + "]" * half + "\n"
    assert "nested too deeply; expected at most 100 levels of mappings and lists (*a " \
        "included)" in refused(text)


@pytest.mark.parametrize("text,got", [
    ("name: x\n? [a, b]\n: c\n", "a list"),
    ("name: x\n{a: 1}: c\n", "a mapping"),
    ("k: &k [1]\nname: x\n*k : c\n", "a list"),
])
def test_a_mapping_key_must_be_a_scalar(parser, text, got):
    assert refused(text).endswith("mapping key that is not a scalar; expected text, a number, "
                                  f"true/false or null as a key, got {got}")


@pytest.mark.parametrize("char,name", [("\x00", "NUL"), ("\x07", "BEL"), ("\x1b", "ESC"),
                                       ("\x7f", "DEL"), ("\x9f", "a control character"),
                                       ("\ud800", "a lone surrogate, which no UTF-8 file can "
                                                  "hold")])
def test_control_characters_are_refused_with_line_and_column(parser, char, name):
    assert refused(f"name: x\ncaller:\n  - say: ab{char}c\n") == (
        f"f.yaml:3: character not allowed in YAML; expected printable text (write a control "
        f'character as an escape in a double-quoted string, e.g. "\\t"), got U+{ord(char):04X} '
        f"({name}) at column 12")


def test_escaped_control_characters_are_text(parser):
    assert read_yaml('say: "a\\tb\\x07\\0"\n', "f.yaml") == {"say": "a\tb\x07\x00"}


def test_a_nul_byte_in_a_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"name: x\ncaller:\n  - say: a\x00b\n")
    with pytest.raises(ScenarioError, match=rf"^{path}:3: character not allowed in YAML; .* "
                                            r"got U\+0000 \(NUL\) at column 11$"):
        load_scenarios(path)


def test_a_lone_surrogate_escape_is_a_load_error_with_file_and_line(parser, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text('name: "caller \\ud800"\ncaller:\n  - say: "\\udc00 hi"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenarios(path)
    assert str(info.value) == (
        f"{path}:1: $.name: text that cannot be written as UTF-8; expected text without lone "
        "surrogates (\\ud800-\\udfff escapes only in pairs), got U+D800 (a lone surrogate, "
        "which no UTF-8 file can hold)")
    assert read_yaml('say: "\\ud83d\\ude00"\n', "f.yaml") == {"say": "\U0001F600"}


@pytest.mark.parametrize("text", ["18446744073709551615", "-9223372036854775808",
                                  "0xFFFFFFFFFFFFFFFF", "0b" + "1" * 64, "0" * 500 + "1",
                                  "0o1777777777777777777777"])
def test_integers_of_64_bits_are_read(parser, text):
    assert isinstance(read_yaml(f"n: {text}\n", "f.yaml")["n"], int)


@pytest.mark.parametrize("text,got", [
    ("18446744073709551616", "18446744073709551616"),
    ("-9223372036854775809", "-9223372036854775809"),
    ("0x10000000000000000", "17 digits"),
    ("1" + "0" * 5000, "5,001 digits"),
    ("1_000_000_000_000_000_000_000", "22 digits"),
])
def test_larger_integers_are_refused_at_their_line(parser, text, got):
    assert refused(f"name: x\nseed: {text}\n") == (
        f"f.yaml:2: $.seed: integer out of range; expected an integer from -2**63 to 2**64-1 "
        f"(64 bits), got {got}")


def test_a_huge_float_is_infinite_and_refused_by_the_schema(parser):
    with pytest.raises(ScenarioError, match=r"f.yaml:3: \$.call.max_duration: wrong type; "
                                            r"expected a finite number"):
        load_text("name: x\ncall:\n  max_duration: 1" + "0" * 400 + ".0\n", file="f.yaml")
    assert math.isinf(read_yaml("x: 1e999\n", "f.yaml")["x"])


@pytest.mark.parametrize("body,key", [
    ("caller:\n  - play: " + "a" * 5000 + ".wav\n", "$.caller[0].play"),
    ('caller:\n  - play: "a\\0b.wav"\n', "$.caller[0].play"),
    ("app:\n  static: " + "d/" * 3000 + "\n", "$.app.static"),
    ("app:\n  routes:\n    /a: {file: " + "c" * 300 + ".xml}\n", '$.app.routes["/a"].file'),
])
def test_an_over_long_or_unusable_path_is_a_located_problem(tmp_path, body, key):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\n" + body)
    with pytest.raises(ScenarioError) as info:
        load_scenarios(path)
    assert str(info.value).startswith(f"{path}:") and f": {key}: unusable path; expected a " \
        "file" in str(info.value).replace("a folder", "a file")


def test_read_file_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read scenario file, got File name too long"):
        read_file(tmp_path / ("x" * 5000 + ".yaml"))
    with pytest.raises(ScenarioError, match="cannot read the callee file"):
        read_file(tmp_path / "missing.yaml", "the callee file")


def test_the_same_scalars_read_by_the_version_of_each_document_every_time(parser):
    """Short plain scalars are resolved once a process: a 1.1 and a 1.2 document still read
    ``yes``, ``010`` and ``1:30`` each by its own version, in any order, again and again, and a
    refused one is refused every time at its own line."""
    text = "a: yes\nb: 010\nc: 1:30\nd: 0o17\n"
    old = read_yaml("%YAML 1.1\n---\n" + text, "f.yaml")
    new = read_yaml(text, "f.yaml")
    assert (old["a"], old["b"], old["c"]) == (True, 8, 90)
    assert (new["a"], new["b"], new["c"], new["d"]) == ("yes", 10, "1:30", 15)
    assert read_yaml("%YAML 1.1\n---\n" + text, "f.yaml") == old
    assert read_yaml(text, "f.yaml") == new
    for text, line in (("name: x\nseed: 18446744073709551616\n", 2),
                       ("name: x\nx: 1\nseed: 18446744073709551616\n", 3)) * 2:
        assert refused(text) == (
            f"f.yaml:{line}: $.seed: integer out of range; expected an integer from -2**63 to "
            f"2**64-1 (64 bits), got 18446744073709551616")
