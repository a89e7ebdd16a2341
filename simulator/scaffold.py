"""``bxmlsim init``: the files of a starting test suite, for a project that has none yet.

:func:`files` gives each path (relative to the project folder) and its text: a sample voice app
(a plain WSGI app, no dependency, in the shape of Bandwidth's samples: an answer webhook that
greets and records, a recordComplete webhook that hangs up), a pytest test of it through the
``bxmlsim`` fixture, a scenario file running the same app, and a CI workflow running both with
JUnit reports. ``tests/test_scaffold.py`` runs what it writes, the workflow's commands included,
so the scaffold always passes as written.

bxml-simulator is not on PyPI, so the workflow's ``pip install`` line names where the running
bxmlsim came from (:func:`installed_source`, from the PEP 610 ``direct_url.json`` of its
distribution): a VCS install pinned to its commit (``bxml-simulator @ git+URL@COMMIT``, with its
subdirectory), an archive URL (with the sha256 pip recorded, ``#sha256=``, when its file names
the running version: pip checks it), the name at the installed version (``NAME==VERSION``)
when it came from an index. A local folder or file (``pip install .``, editable or not) cannot
be reached from CI: the name at its version, with a notice saying so; so is metadata that
names no URL, or a VCS install that names no VCS. ``bxmlsim init --install SPEC`` names the
source instead (:func:`parse_install`).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

APP = '''\
"""A sample voice app: replace it with yours (Flask, FastAPI, Django: any WSGI/ASGI app).

Bandwidth calls /answer when a call comes in; the BXML returned greets the caller and records
a message; /recordComplete is called when the recording ends and hangs up.
"""

import json

GREETING = (
    "<Response>"
    "<SpeakSentence>Please leave a message, then press pound.</SpeakSentence>"
    '<Record recordCompleteUrl="/recordComplete" maxDuration="60" terminatingDigits="#"/>'
    "</Response>"
)
GOODBYE = "<Response><SpeakSentence>Thank you, goodbye.</SpeakSentence><Hangup/></Response>"


def create_app():
    """A fresh app (the bxmlsim fixture calls a factory for every scenario)."""
    messages = []

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "/")
        size = int(environ.get("CONTENT_LENGTH") or 0)
        event = json.loads(environ["wsgi.input"].read(size) or b"{}") if size else {}
        if path == "/answer":
            body = GREETING
        elif path == "/recordComplete":
            messages.append(event.get("duration"))
            body = GOODBYE
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [body.encode()]

    return app
'''

TEST = '''\
"""The sample app under test: each test runs one call in virtual time (docs/tutorial.md)."""

from voice_app import create_app


def test_the_caller_leaves_a_message(bxmlsim):
    result = bxmlsim.run(
        app=create_app,
        caller=[{"wait_for": "Record"}, {"say": "Hi, it's Sam, call me back"}, {"press": "#"}],
        expect={"callbacks": ["initiate", "recordComplete"],
                "recordings": [{"endReason": "terminating-digit"}]},
    )
    result.assert_ok()
    [recording] = result.recordings
    assert 1.0 < recording.duration < 5.0
    assert len(recording.audio()) == round(recording.duration * recording.sample_rate)


def test_a_caller_who_hangs_up_still_leaves_a_recording(bxmlsim):
    result = bxmlsim.run(app=create_app,
                         caller=[{"wait_for": "Record"}, {"say": "never mind"}, {"hangup": True}])
    result.assert_ok()
    assert result.recordings[0].end_reason == "hangup"
    assert result.call.disconnect_cause == "hangup"
'''

SCENARIO = '''\
# A scenario file: pytest collects it (one test per scenario), and `bxmlsim run tests/` runs it.
# The format: docs/scenarios.md; editors: `bxmlsim schema` is its JSON Schema.
name: caller leaves a voicemail and presses pound
app:
  wsgi: "voice_app:create_app"     # voice_app.py beside this file; a factory: a fresh app
caller:
  - wait_for: Record
  - say: "Hi, it's Sam, call me back"
  - press: "#"
expect:
  callbacks: [initiate, recordComplete]
  recordings:
    - endReason: terminating-digit
  disconnect_cause: hangup
'''

CI_TEMPLATE = '''\
# CI for the voice app: the pytest suite and the scenario files, with JUnit reports.
# GitHub Actions; other CIs run the same two commands (and keep reports/, bxmlsim-out/).
name: voice-app
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.12"}
      # bxml-simulator {origin}
      # (any pip requirement works here: a Git URL pinned to a commit, a wheel URL, NAME==VERSION)
      - run: {install}
      - run: python -m pytest tests --junit-xml=reports/pytest.xml
      - run: bxmlsim run tests --junit-xml reports/bxmlsim.xml --out bxmlsim-out
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: bxmlsim
          path: |
            reports/
            bxmlsim-out/
'''

PACKAGE = "bxml-simulator"
#: the extras of bxml-simulator the sample needs: none (a plain WSGI app of the standard library,
#: tested through the core pytest plugin; tests/test_scaffold.py checks its imports)
EXTRAS: tuple[str, ...] = ()
#: what the workflow installs beside it: the sample's tests are pytest tests
TOOLS = ("pytest",)
#: the paths init writes, relative to the project folder
NAMES = ("tests/voice_app.py", "tests/test_voice_app.py", "tests/voicemail.scenario.yaml",
         ".github/workflows/bxmlsim.yml")
WORKFLOW = NAMES[-1]
#: how to name another source, the end of every notice
CHOOSE = (f"To install it from elsewhere, edit the pip install line of {WORKFLOW} (bxmlsim init "
          f"--install SPEC writes it so in a new project): any pip requirement, such as "
          f"'{PACKAGE} @ git+https://github.com/OWNER/REPO@COMMIT', a wheel URL or "
          f"'{PACKAGE}==VERSION'.")


@dataclass(frozen=True)
class Source:
    """Where the workflow installs bxml-simulator from: a pip requirement, the reason for it
    (the workflow's comment: "bxml-simulator ORIGIN"), and a notice for the user when CI may not
    be able to install it from there."""

    requirement: str
    origin: str
    notice: str | None = None


def named(extras: tuple[str, ...] = EXTRAS, version: str | None = None) -> str:
    """``bxml-simulator`` with ``extras``: the requirement's name part; ``==version`` when
    given (a requirement by name: CI installs the version the user ran, not the index's
    newest, nor a same-named package of another version)."""
    name = f"{PACKAGE}[{','.join(extras)}]" if extras else PACKAGE
    return f"{name}=={version}" if version else name


def source_from(direct_url: dict[str, object] | None, extras: tuple[str, ...] = EXTRAS,
                version: str | None = None) -> Source:
    """The source of a distribution installed as PEP 610 ``direct_url`` says (None: from an
    index), at ``version`` (the installed one) where it is named; a pure function of the
    metadata."""
    by_name = named(extras, version)
    if direct_url is None:
        return Source(by_name, "from the package index (the one bxmlsim init came from)")
    url = direct_url.get("url")
    if not isinstance(url, str) or not url:
        return Source(by_name, "from the package index (bxmlsim init's metadata names no URL)",
                      f"notice: the install metadata of {PACKAGE} (direct_url.json) names no URL: "
                      f"the workflow installs {by_name}. {CHOOSE}")
    vcs_info = direct_url.get("vcs_info")
    if "dir_info" in direct_url or urlsplit(url).scheme.endswith("file"):
        what = "an editable local folder" if _editable(direct_url) else "a local folder or file"
        return Source(by_name, "from the package index (bxmlsim init came from a local path)",
                      f"notice: bxmlsim is installed from {what} ({_path(url)}), which CI cannot "
                      f"reach: the workflow installs {by_name}, from CI's package "
                      f"index. {CHOOSE}")
    if isinstance(vcs_info, dict):
        vcs = vcs_info.get("vcs")
        if not isinstance(vcs, str) or not vcs:  # PEP 610 requires it: metadata gone wrong
            return Source(by_name, "from the package index (bxmlsim init's metadata names "
                          "no version control system)",
                          f"notice: the install metadata of {PACKAGE} (direct_url.json) names no "
                          f"version control system for {url}: the workflow installs "
                          f"{by_name}. {CHOOSE}")
        link = url if url.startswith(f"{vcs}+") else f"{vcs}+{url}"
        if vcs_info.get("commit_id"):  # the commit installed, not a branch that moves on
            link += f"@{vcs_info['commit_id']}"
        origin = f"at the {vcs} commit bxmlsim init came from"
    else:
        link, origin = url, "from the archive bxmlsim init came from"
    fragment = []   # pip's URL fragment: the archive's hash (pip checks it), the subdirectory
    digest = _sha256(direct_url.get("archive_info"))
    if (not isinstance(vcs_info, dict) and digest and _names_version(url, version)
            and "sha256=" not in urlsplit(url).fragment):
        fragment.append(f"sha256={digest}")
        origin += ", checked against the sha256 it had"
    if direct_url.get("subdirectory"):
        fragment.append(f"subdirectory={direct_url['subdirectory']}")
    if fragment:
        link += ("&" if urlsplit(link).fragment else "#") + "&".join(fragment)
    return Source(f"{named(extras)} @ {link}", origin)


def _names_version(url: str, version: str | None) -> bool:
    """The URL's file is a wheel or sdist of ``version`` (``bxml_simulator-0.1.0-...whl``,
    ``bxml-simulator-0.1.0.tar.gz``): an archive that names its version stays that archive,
    while one behind a moving URL (a branch's archive) changes with every push, and a hash
    pinned to it would stop CI at the next one."""
    if not version:
        return False
    # the name as pip compares names (``_canonical``), the version up to its own end
    name = _canonical(unquote(urlsplit(url).path.rsplit("/", 1)[-1]))
    prefix = _canonical(f"{PACKAGE}-{version}")
    return name == prefix or name.startswith(f"{prefix}-")


def _sha256(archive_info: object) -> str | None:
    """The sha256 of an archive as PEP 610 records it (``hashes``, or the older ``hash``:
    ``sha256=HEX``), when it is one: 64 hex digits."""
    if not isinstance(archive_info, dict):
        return None
    hashes = archive_info.get("hashes")
    digest = hashes.get("sha256") if isinstance(hashes, dict) else None
    legacy = archive_info.get("hash")
    if digest is None and isinstance(legacy, str) and legacy.startswith("sha256="):
        digest = legacy[len("sha256="):]
    if isinstance(digest, str) and re.fullmatch(r"[0-9a-fA-F]{64}", digest):
        return digest.lower()
    return None


def installed_source() -> Source:
    """The source of the running bxmlsim, read from the install metadata of bxml-simulator."""
    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        dist = None
    text = dist.read_text("direct_url.json") if dist else None
    if text is None and (dist is None or dist.read_text("INSTALLER") is None):
        # no installer's record: a source tree's own metadata (python -m from the checkout)
        by_name = named(version=dist.version if dist else None)
        return Source(by_name, "from the package index (bxmlsim init ran from a source tree)",
                      f"notice: bxmlsim runs from a source tree, not an installed {PACKAGE}: the "
                      f"workflow installs {by_name}. {CHOOSE}")
    if text is None:
        return source_from(None, version=dist.version)  # no direct_url.json: an index
    try:
        direct_url = json.loads(text)
    except ValueError:
        direct_url = None
    return source_from(direct_url if isinstance(direct_url, dict) else {}, version=dist.version)


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+\Z")
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
#: OP VERSION; a version does not start like an operator (or ``NAME>=`` would be ``>`` ``=``)
_CLAUSE = r"(?:===|~=|==|!=|<=|>=|<|>)\s*[^\s,;()<>=!~][^\s,;()]*"
_CLAUSES = rf"(?:{_CLAUSE}(?:\s*,\s*{_CLAUSE})*)?"  # no trailing comma: older pips refuse it
#: a requirement's shape, for when packaging is not installed: NAME[EXTRAS] then a URL or
#: version clauses (OP VERSION, ...; in parentheses or not), then a marker (after a URL, past
#: a space, as PEP 508 has it), none of them empty (``NAME==``, ``NAME;`` are rejected, as pip
#: does); what a version or a marker says is not checked: the shape lets through some that pip
#: refuses (``NAME~=1``, ``NAME; foo``)
_SHAPE = re.compile(rf"(?P<name>{_NAME})\s*(?:\[[^\]]*\])?\s*"
                    rf"(?:@\s*(?P<url>[A-Za-z][A-Za-z0-9+.-]*://[^\s;]+)(?:\s+;\s*\S.*)?"
                    rf"|(?:\(\s*{_CLAUSES}\s*\)|{_CLAUSES})\s*(?:;\s*\S.*)?)\s*\Z")


def parse_install(spec: str) -> Source:
    """The source ``--install SPEC`` names: a pip requirement of bxml-simulator (a bare URL
    becomes ``bxml-simulator @ URL``). Raises ValueError saying what is wrong with it."""
    text = spec.strip()
    if not text:
        raise ValueError("it is empty")
    if "\n" in text or "\r" in text:
        raise ValueError("it spans several lines")
    if text.startswith("-"):
        raise ValueError("that is a pip option, not a requirement")
    if _URL.match(text):
        text = f"{PACKAGE} @ {text}"  # pip's direct reference: names the package it installs
    name, url = _parse_requirement(text)
    if _canonical(name) != PACKAGE:
        raise ValueError(f"it installs {name}, not {PACKAGE}")
    if url is not None and not urlsplit(url).scheme:
        raise ValueError(f"{url} is not a URL (git+https://..., https://.../...whl)")
    notice = None
    if url is not None and urlsplit(url).scheme in ("file", "git+file"):
        notice = f"notice: --install names a local path ({_path(url)}), which CI cannot reach."
    return Source(text, "as bxmlsim init --install named it", notice)


def _parse_requirement(text: str) -> tuple[str, str | None]:
    """(name, URL or None) of a PEP 508 requirement; ValueError when it is not one."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # not a dependency of bxml-simulator: the shape is checked instead
        match = _SHAPE.match(text)
        if match is None:
            raise ValueError("not a pip requirement (NAME, NAME==VERSION or NAME @ URL)") from None
        return match["name"], match["url"]
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
    return requirement.name, requirement.url


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _editable(direct_url: dict[str, object]) -> bool:
    dir_info = direct_url.get("dir_info")
    return isinstance(dir_info, dict) and bool(dir_info.get("editable"))


def _path(url: str) -> str:
    """A file URL as the local path it names (other URLs as they are)."""
    parts = urlsplit(url)
    return unquote(parts.path) if parts.scheme.endswith("file") else url


def install_line(requirement: str) -> str:
    """The workflow's ``run:`` value installing ``requirement`` and the tools, quoted for the
    shell and, when a plain YAML scalar would not read back as the same text, for YAML."""
    command = " ".join(["pip", "install", shlex.quote(requirement), *TOOLS])
    try:
        if yaml.safe_load(f"run: {command}") == {"run": command}:
            return command
    except yaml.YAMLError:
        pass
    return json.dumps(command)  # a JSON string is a YAML double-quoted scalar


def files(source: Source) -> dict[str, str]:
    """path (relative to the project folder) -> text, the workflow installing from ``source``."""
    workflow = (CI_TEMPLATE.replace("{origin}", source.origin)
                .replace("{install}", install_line(source.requirement)))
    return dict(zip(NAMES, (APP, TEST, SCENARIO, workflow), strict=True))


def existing(folder: Path) -> list[Path]:
    """The scaffold's files that already exist in ``folder`` (init never overwrites them)."""
    return [folder / name for name in NAMES if (folder / name).exists()]


def write(folder: Path, texts: dict[str, str]) -> list[Path]:
    """Write every file of ``texts`` (:func:`files`) under ``folder``; returns their paths."""
    written = []
    for name, text in texts.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
