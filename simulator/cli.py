"""The ``bxmlsim`` command line (click + rich): the only module that prints or exits.

Subcommands: ``lint`` (BXML diagnostics), ``run`` (scenarios or a bare BXML document),
``report`` (HTML timeline of a result.json), ``serve`` (a local Voice REST API emulator that
simulates the calls an app creates: docs/server.md). Exit codes follow design/contract.md:
0 success, 1 a failed check/expectation, 2 a usage or input error.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bxml-simulator", prog_name="bxmlsim")
def main() -> None:
    """Run Bandwidth BXML call flows offline, in virtual time."""


@main.command("lint")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="One line per diagnostic, or a JSON list.")
@click.option("--context", type=click.Choice(["call", "transferAnswer", "conference"]),
              default="call", show_default=True,
              help="Where the documents run (verbs allowed there, spec section 9).")
@click.option("--origin", type=click.Choice(["reply", "put"]), default="reply",
              show_default=True,
              help="What the documents are: webhook replies (root <Response>) or PUT .../bxml "
                   "bodies (<Bxml> or <Response>; call or conference context).")
@click.option("--lenient", is_flag=True,
              help="Unknown attributes and out-of-range optional values are warnings.")
@click.pass_context
def lint(ctx: click.Context, files: tuple[str, ...], output_format: str, context: str,
         origin: str, lenient: bool) -> None:
    """Check BXML FILEs; exit 1 when any has an error (warnings alone exit 0).

    The rules are the ones `run` applies to a document of that context and origin."""
    import json

    from simulator.bxml.check import lint_bxml
    from simulator.bxml.nodes import roots_for

    try:
        roots = roots_for(context, origin)
    except ValueError as exc:
        raise click.UsageError(f"--context {context} --origin {origin}: {exc}") from None

    found = []
    for path in files:
        try:
            data = open(path, "rb").read()
        except OSError as exc:
            click.echo(f"Error: cannot read {path}: {exc.strerror or exc}", err=True)
            ctx.exit(2)
        found += [(path, d) for d in lint_bxml(data, source=path, context=context,
                                               roots=roots, strict=not lenient)]
    if output_format == "json":
        click.echo(json.dumps([d.to_dict(path) for path, d in found], indent=2))
    else:
        for path, d in found:
            click.echo(d.format(path))
    ctx.exit(1 if any(d.is_error for _, d in found) else 0)


@main.command("report")
@click.argument("result_file", metavar="RESULT.json", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="The HTML file to write [default: report.html beside RESULT.json].")
@click.pass_context
def report(ctx: click.Context, result_file: str, output: str | None) -> None:
    """Write the self-contained HTML timeline of a run (see docs/report.md)."""
    from pathlib import Path

    from simulator.errors import SimulatorError
    from simulator.report import load_result, write_report

    path = Path(result_file)
    out = Path(output) if output else path.parent / "report.html"
    try:
        written = write_report(load_result(path), path.parent, out)
    except SimulatorError as exc:
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(2)
    except OSError as exc:
        click.echo(f"Error: cannot write {out}: {_os_reason(exc, out)}", err=True)
        ctx.exit(2)
    except Exception as exc:  # noqa: BLE001 - damage the input check does not know: no traceback
        click.echo(f"Error: {path}: cannot draw this result.json ({type(exc).__name__}: {exc}); "
                   f"is it damaged or hand-edited?", err=True)
        ctx.exit(2)
    click.echo(f"wrote {written}")


def _os_reason(exc: OSError, target) -> str:
    """Why writing ``target`` failed; a parent that is a file is named (not "File exists")."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)) and exc.filename \
            and str(exc.filename) != str(target):
        return f"{exc.filename} is a file, not a folder"
    return exc.strerror or str(exc)


# ---- bxmlsim run ------------------------------------------------------------------------


class _RunCommand(click.Command):
    """Keeps the raw arguments: caller-step options must run in command-line order."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["bxmlsim.run.args"] = list(args)
        return super().parse_args(ctx, args)


@main.command("run", cls=_RunCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_root", type=click.Path(file_okay=False), default="bxmlsim-out",
              show_default=True, help="Folder for <scenario-slug>/result.json and recordings/.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Scenarios run in parallel (worker processes).")
@click.option("--dask", "dask_target", default=None, metavar="ADDRESS|local[:N]",
              help="Run the scenarios on a dask cluster: a scheduler ADDRESS "
                   "(tcp://host:8786; --out must be shared with its workers) or local[:N] "
                   "worker processes here. Needs the dist extra; not with -j.")
@click.option("-v", "--verbose", is_flag=True, help="Narrate every scenario's full timeline.")
@click.option("--update-golden", is_flag=True,
              help="Record each run as the golden file next to its scenario.")
@click.option("--html", is_flag=True,
              help="Also write each run's HTML timeline, report.html beside its result.json.")
@click.option("--strict", is_flag=True,
              help="Also fail on BXML warnings (BX4xx) in any document the app returned "
                   "(as the scenario key strict: true does).")
@click.option("--tts", type=click.Choice(["model", "espeak"]), default=None,
              help="Who speaks SpeakSentence and caller say text: the speech-like model or "
                   "espeak-ng (the tts extra). Overrides the scenarios' tts: key.")
@click.option("-k", "keyword", default=None, metavar="EXPR",
              help="Only the scenarios whose name or file path matches EXPR, as pytest -k: "
                   "words (substrings, any case) with and/or/not and parentheses.")
@click.option("-x", "--exitfirst", is_flag=True,
              help="Stop at the first scenario that fails or cannot run.")
@click.option("--junit-xml", "junit_xml", type=click.Path(dir_okay=False), default=None,
              metavar="FILE", help="Also write a JUnit XML report (one testcase per scenario, "
                                   "its failures and result.json path) for CI.")
@click.option("--api-port", type=click.IntRange(0, 65535), default=None, metavar="PORT",
              help="Also serve the runs' Voice API on http://127.0.0.1:PORT/api/v2 (0: a free "
                   "port; printed, and in $BXMLSIM_API_URL) for an app in another process. "
                   "In-process apps reach it without this (docs/hermetic.md). Not with -j or "
                   "--dask.")
@click.option("--say", multiple=True, help="FLOW.xml only: the caller says this.")
@click.option("--press", multiple=True, help="FLOW.xml only: the caller presses these keys.")
@click.option("--silence", multiple=True, type=float, help="FLOW.xml only: seconds of silence.")
@click.option("--wait-for", multiple=True, help="FLOW.xml only: wait until this verb starts.")
@click.option("--hangup", is_flag=True, help="FLOW.xml only: the caller hangs up.")
@click.option("--app-url", default=None, metavar="URL",
              help="FLOW.xml only: other webhooks and media go to a real server at URL "
                   "(default: files next to FLOW.xml, an empty reply for the rest).")
@click.option("--wsgi", default=None, metavar="MODULE:APP",
              help="FLOW.xml only: other webhooks go to this WSGI app (module found beside "
                   "FLOW.xml, in the project root or here).")
@click.option("--asgi", default=None, metavar="MODULE:APP",
              help="FLOW.xml only: other webhooks go to this ASGI app (module found beside "
                   "FLOW.xml, in the project root or here).")
@click.option("--coverage", "coverage", is_flag=True,
              help="Measure which documents, verbs, Gather outcomes and routes of the apps the "
                   "scenarios reached: a summary, and coverage.json/coverage.html in --out.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="PCT",
              help="With --coverage (implied): exit 1 when the total coverage is below PCT.")
@click.pass_context
def run(ctx: click.Context, paths: tuple[str, ...], out_root: str, jobs: int,
        dask_target: str | None, verbose: bool, update_golden: bool, html: bool,
        app_url: str | None, wsgi: str | None, asgi: str | None, tts: str | None = None,
        strict: bool = False, keyword: str | None = None, exitfirst: bool = False,
        junit_xml: str | None = None, coverage: bool = False, fail_under: float | None = None,
        api_port: int | None = None, **_steps: object) -> None:
    """Run scenario files (or folders of them) and check their expectations.

    Exit 0 when every scenario met its expectations, 1 when any failed, 2 when a scenario or
    the command line is invalid (the other scenarios still run), 128 + N when signal N (SIGINT,
    SIGTERM) stopped it (every worker stopped, the summary so far printed). A bare FLOW.xml
    runs with the caller steps given as options, in the order given; the files next to it
    answer its webhooks and media requests (`/next` -> next.xml), anything else gets an empty
    reply.
    """
    from pathlib import Path

    import attrs

    from simulator.api import make_out_dir
    from simulator.batch import (Interrupted, Job, LocalBatch, assign_out_dirs, collect_files,
                                 stop_on_signals, where)
    from simulator.output import discard
    from simulator.errors import SimulatorError
    from simulator.scenario.bare import bare_scenario, steps_from_args
    from simulator.scenario.load import load_scenarios
    from simulator.scenario.source import problem_lines

    _collect_less(ctx)
    console = _run_console()
    plain = not console.is_terminal  # outcome lines written as text (_print_lines)
    errors: list[str] = []
    if api_port is not None and (jobs > 1 or dask_target is not None):
        raise click.UsageError("--api-port serves the Voice API from this process: it needs "
                               "the scenarios run here, one at a time (no -j, no --dask)")
    dask_batch = _dask_batch(ctx, dask_target) if dask_target is not None else None
    try:
        files = collect_files(paths)
        make_out_dir(Path(out_root))  # an unusable --out fails once, before anything runs
    except SimulatorError as exc:
        raise click.UsageError(str(exc)) from None
    steps = steps_from_args(ctx.meta.get("bxmlsim.run.args", []))
    if steps and not any(f.suffix == ".xml" for f in files):
        raise click.UsageError("--say/--press/--silence/--wait-for/--hangup only apply to a "
                               "bare FLOW.xml document")
    app_options = dict(app_url=app_url, wsgi=wsgi, asgi=asgi)
    if any(v is not None for v in app_options.values()) and \
            not any(f.suffix == ".xml" for f in files):
        raise click.UsageError("--app-url/--wsgi/--asgi only apply to a bare FLOW.xml document")
    scenarios = []
    for file in files:
        try:
            scenarios += ([bare_scenario(file, steps, **app_options)] if file.suffix == ".xml"
                          else load_scenarios(file))
        except SimulatorError as exc:
            errors += problem_lines(exc)
    if keyword is not None:
        scenarios = _selected(scenarios, keyword)
    if tts is not None:
        scenarios = _with_tts(scenarios, tts)
    if strict:
        scenarios = [attrs.evolve(scenario, strict=True) for scenario in scenarios]
    for line in errors:
        console.print(f"[red]error[/red] {_escape(line)}")
    out_dirs = assign_out_dirs(scenarios, Path(out_root))
    batch = [Job(s, d, update_golden) for s, d in zip(scenarios, out_dirs)]
    counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0, "xfailed": 0, "xpassed": 0}
    # the outcomes so far, for -x and --junit-xml, without their result.json objects: the
    # report needs only whether one was written, and a long suite's results would all be held
    seen = []
    local = None
    if dask_batch is not None and batch:
        try:
            dask_batch.start()
        except SimulatorError as exc:  # scheduler out of reach, no workers, bad address
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        outcomes = dask_batch.run(batch)
    else:
        local = LocalBatch(batch, min(jobs, len(batch)) if batch else 1)
        outcomes = iter(local)
    index = _index_errors(errors) if html else []  # run --html: out/index.html's rows
    measured = _Measured(batch) if coverage or fail_under is not None else None
    served = _served_api(ctx, console, api_port) if api_port is not None else None

    def tally(outcome) -> str:
        if measured is not None:
            measured.add(outcome)
        bucket = _report_outcome(console, outcome, verbose, plain=plain)
        if html and bucket != "error":
            bucket = _write_html(console, outcome) or bucket
        if html:
            index.append(_index_row(outcome, Path(out_root)))
        counts[bucket] += 1
        seen.append(outcome if outcome.result is None else attrs.evolve(outcome, result={}))
        return bucket

    stopped, unfinished = None, []
    with stop_on_signals():   # SIGINT/SIGTERM: stop every worker, report what finished
        try:
            if local is not None:
                # Before the progress bar: its refresh thread would make forking the workers
                # unsafe (batch._can_fork), so they would be spawned, each importing for itself.
                local.start()
            with _progress(console, len(batch)) as advance:
                for outcome in outcomes:
                    bucket = tally(outcome)
                    advance()
                    if exitfirst and bucket in ("failed", "error"):
                        break
        except Interrupted as signal_stop:
            stopped = signal_stop
            finished, unfinished = local.stop() if local is not None else ([], [])
            for outcome in finished:
                tally(outcome)
            for job in unfinished:   # no earlier run's result.json passes for this one
                if job.out_dir is not None:
                    discard(job.out_dir)
                console.print(f"[bold yellow]INTERRUPTED[/bold yellow] "
                              f"{_escape(f'{job.scenario.name} ({where(job.scenario)})')}: "
                              f"not finished, nothing written")
        finally:
            if local is not None:
                local.close()
            if dask_batch is not None:
                dask_batch.close()
            if served is not None:
                served.stop()
    if stopped is None and len(seen) < len(batch):
        console.print(f"stopped at the first failure (-x): {len(batch) - len(seen)} "
                      f"scenario{'s' if len(batch) - len(seen) != 1 else ''} not run")
    if junit_xml is not None:
        _write_junit(console, junit_xml, seen, errors)
    if html and not _write_index(console, Path(out_root), index):
        counts["error"] += 1
    errors_total = counts["error"] + len(errors)
    more = "".join(f", {counts[kind]} {kind}" for kind in ("skipped", "xfailed", "xpassed")
                   if counts[kind])
    tail = (f", {len(unfinished)} interrupted (stopped by {stopped.name})"
            if stopped is not None else "")
    summary = (f"{counts['passed']} passed, {counts['failed']} failed{more}, {errors_total} "
               f"error{'s' if errors_total != 1 else ''}{tail}; outputs in {out_root}/")
    _print_summary(console, summary, plain)
    if stopped is not None:
        ctx.exit(128 + stopped.signum)
    under = measured.report(console, Path(out_root), fail_under) if measured else False
    ctx.exit(2 if errors_total else 1 if counts["failed"] or under else 0)


#: The youngest generation's collection threshold during ``run`` (Python's default: 700).
RUN_GC_THRESHOLD = 7000


def _collect_less(ctx: click.Context) -> None:
    """Collect the young generation after 7,000 allocations instead of 700 while ``run`` runs
    (restored when the command ends). A run's process makes some 300,000 long-lived objects
    in its first second (our modules, numpy, lxml, yaml; the apps' own libraries: Flask, an
    SDK on pydantic), and at the default thresholds the cyclic collector goes over the young
    ones again and again while they are made, and over all of them twice: ~0.15 s of CPU of
    the bundled suite's one-copy run (293 collections), ~0.3 s of 10 copies. Ten times
    fewer collections, half the time, the same memory (max RSS 98 -> 99 MB); what is
    collected is garbage either way, so nothing a run writes changes. Worker processes
    forked for ``-j N`` inherit it."""
    import gc

    old = gc.get_threshold()
    if old[0]:   # 0: the embedding program turned automatic collection off; leave it off
        gc.set_threshold(max(old[0], RUN_GC_THRESHOLD), *old[1:])
        ctx.call_on_close(lambda: gc.set_threshold(*old))


class _Measured:
    """``run --coverage``: the coverage of the runs, outcome by outcome (in job order)."""

    def __init__(self, batch: list) -> None:
        from simulator.coverage import Coverage

        self.coverage = Coverage()
        for job in batch:  # every app's documents count, reached or not
            self.coverage.add_app(job.scenario)
        self._jobs = iter(batch)

    def add(self, outcome) -> None:
        job = next(self._jobs)
        if outcome.result is not None:
            self.coverage.add_run(job.scenario, outcome.result)

    def report(self, console, out_root, fail_under: float | None) -> bool:
        """Print the summary, write the files; True when the total is under ``fail_under``."""
        from simulator.coverage import text_report, write_reports

        console.print(_escape(text_report(self.coverage)))
        try:
            data, page = write_reports(self.coverage, out_root)
        except OSError as exc:
            console.print(f"[red]error[/red] cannot write coverage: {_escape(str(exc))}")
        else:
            console.print(f"coverage: {_escape(str(page))}, {_escape(str(data))}")
        return _under(console, self.coverage, fail_under)


def _under(console, coverage, fail_under: float | None) -> bool:
    """True (and say so) when the total coverage is below ``fail_under`` percent."""
    if fail_under is None:
        return False
    total = coverage.totals().total
    percent = total.percent if total.percent is not None else 100.0
    if percent < fail_under:
        console.print(f"[red]FAIL[/red] coverage {percent:.2f}% is under --fail-under "
                      f"{fail_under:g}%")
        return True
    return False


def _selected(scenarios: list, keyword: str) -> list:
    """``run -k EXPR``: the scenarios whose name or file matches (simulator/selection.py); a
    bad expression, or one that selects nothing, is a usage error (CI would pass on nothing)."""
    from simulator.selection import Keyword

    try:
        expression = Keyword.parse(keyword)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    chosen = [s for s in scenarios if expression.matches([s.name, str(s.file or "")])]
    if scenarios and not chosen:
        raise click.UsageError(f"-k {keyword!r} selects none of the {len(scenarios)} scenarios")
    return chosen


def _write_junit(console, path: str, outcomes: list, errors: list[str]) -> None:
    """``run --junit-xml FILE`` (simulator/junit.py); a file that cannot be written is said."""
    from simulator import junit

    try:
        junit.write(path, outcomes, errors)
    except OSError as exc:
        console.print(f"[red]error[/red] cannot write {_escape(path)}: "
                      f"{_escape(_os_reason(exc, path))}")
        return
    console.print(f"JUnit report: {_escape(path)}")


def _served_api(ctx: click.Context, console, port: int):
    """``run --api-port``: the Voice API on 127.0.0.1, its URL printed and in the environment."""
    from simulator.hermetic.served import ENV_VAR, ServedApi

    try:
        served = ServedApi(port)
    except OSError as exc:
        click.echo(f"Error: --api-port {port}: cannot listen on 127.0.0.1:{port}: "
                   f"{exc.strerror or exc}", err=True)
        ctx.exit(2)
    url = served.start()
    console.print(f"Voice API: {url} (also in ${ENV_VAR})")
    return served


def _dask_batch(ctx: click.Context, target: str):
    """``run --dask``: checked before anything runs (usage errors exit 2, no traceback)."""
    from click.core import ParameterSource

    from simulator.errors import SimulatorError

    if ctx.get_parameter_source("jobs") is not ParameterSource.DEFAULT:
        raise click.UsageError("--dask and -j/--jobs cannot be used together (the cluster's "
                               "workers set the parallelism)")
    try:
        from simulator.distributed import DaskBatch, parse_target

        return DaskBatch(parse_target(target))
    except SimulatorError as exc:  # the dist extra is missing, a bad local:N
        raise click.UsageError(str(exc)) from None


def _with_tts(scenarios: list, tts: str) -> list:
    """``run --tts``: every scenario spoken by that engine; espeak checked once, up front."""
    import attrs

    from simulator.errors import SimulatorError

    if tts == "espeak":
        from simulator.audio.tts import EspeakVoice

        try:
            EspeakVoice.get()
        except SimulatorError as exc:
            raise click.UsageError(f"--tts espeak: {exc}") from None
    return [attrs.evolve(scenario, tts=tts) for scenario in scenarios]


DEBUG_ENV = "BXMLSIM_DEBUG"  # set to 1: print the traceback of an internal error


def _debug() -> bool:
    import os

    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _report_outcome(console, outcome, verbose: bool, *, plain: bool = False) -> str:
    """Print one scenario's outcome; return its count bucket (passed / failed / error).

    One write for the whole block: output of apps running in other workers (Flask logging an
    exception on stderr) comes before or after it, never between its lines. ``plain``: the
    console is not a terminal (``_print_lines``)."""
    from simulator.scenario.narrate import narrate, summary

    name = f"{outcome.name} ({outcome.where})"
    status = outcome.status
    if status == "skipped":
        _print_lines(console, [[("yellow", "SKIP"), (None, f" {name}: {outcome.reason or ''}")]],
                     plain)
        return "skipped"
    if outcome.error is not None:
        lines = [[("bold red", "ERROR"), (None, f" {name}")],
                 [(None, "  " + outcome.error.replace("\n", "\n  "))]]
        if verbose and outcome.result is not None:  # a partial run: what happened before
            lines += [[(None, "  " + line)] for line in narrate(outcome.result)]
        if outcome.internal:  # a simulator bug: the traceback only on request
            lines.append([(None, outcome.internal if _debug()
                           else f"  (set {DEBUG_ENV}=1 to see the traceback)")])
        _print_lines(console, lines, plain)
        return "error"
    style, label = {"passed": ("bold green", "PASS"), "failed": ("bold red", "FAIL"),
                    "xfailed": ("yellow", "XFAIL"), "xpassed": ("yellow", "XPASS")}[status]
    why = f" (xfail: {outcome.reason})" if outcome.xfail and outcome.reason else ""
    lines = [[(style, label), (None, f" {name}: {summary(outcome.result)}{why}")]]
    if verbose:
        lines += [[(None, "  " + line)] for line in narrate(outcome.result)]
    for failure in outcome.failures:
        text = failure["message"].replace("\n", "\n    ")
        lines.append([(None, "  "), ("red", f"line {failure['line']}:"), (None, f" {text}")])
    if status == "failed" and outcome.passed:  # an xfail: strict scenario that passed
        lines.append([(None, "  "), ("red", "passed, but expected to fail (xfail strict):"),
                      (None, f" {outcome.reason or ''}")])
    _print_lines(console, lines, plain)
    return status


def _print_summary(console, summary: str, plain: bool) -> None:
    """The last line of ``run``. It has ``--out`` in it, which is a path, not markup (a
    ``[/]`` in it made rich raise): printed as an outcome line is (``_print_lines``: escaped
    for rich, or as text off a terminal)."""
    _print_lines(console, [[(None, summary)]], plain)


def _run_console():
    """The console ``run`` prints through: rich's, made as it always was, except when stdout is
    surely not a terminal (:func:`_off_a_terminal`): then an :class:`_OffTerminal`, which
    imports rich (~18 ms of start-up) only when something goes through rich's markup."""
    return _OffTerminal() if _off_a_terminal() else _rich_console()


def _rich_console():
    """rich's Console as ``run`` prints through it (no highlighting, lines not wrapped)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _off_a_terminal() -> bool:
    """Whether rich's ``Console().is_terminal`` is surely False, told without importing rich:
    stdout says it is not a tty, and neither of the variables rich lets force a terminal
    (``FORCE_COLOR``, ``TTY_COMPATIBLE``) is set. Anything else is rich's to decide
    (tests/test_cli_run.py compares the two)."""
    import os
    import sys

    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return False
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return isatty is not None and not isatty()
    except ValueError:   # closed: rich says not a terminal too, but leave it to rich
        return False


class _OffTerminal:
    """``run``'s console when stdout is not a terminal: outcome lines and the summary are
    written to ``file`` as text (``_print_lines``); what has markup (an error line, a report
    written) goes through rich's Console, made on the first such print by the same
    :func:`_rich_console` (writing to ``sys.stdout`` as it is at each write)."""

    is_terminal = False

    def __init__(self) -> None:
        self._rich = None

    @property
    def file(self):
        import sys

        return sys.stdout

    def print(self, *objects, **options) -> None:
        if self._rich is None:
            self._rich = _rich_console()
        self._rich.print(*objects, **options)


def _print_lines(console, lines: list[list[tuple[str | None, str]]], plain: bool) -> None:
    """Print ``lines`` (each a list of ``(style, text)``: the label styled, the rest as it is)
    in one write. Through rich's markup; or, when ``plain`` (not a terminal: no styles), the
    text rich would print (:func:`_plain_text`) written directly: a tenth of the time (rich
    spends ~0.3 ms a line parsing and rendering it), a block at a time as rich does."""
    text = _plain_text(lines) if plain else None
    if text is not None:
        try:
            console.file.write(text)
            console.file.flush()
            return
        except UnicodeEncodeError:  # rich says what is wrong with this terminal's encoding
            pass
    console.print("\n".join("".join(f"[{style}]{_escape(part)}[/{style}]" if style
                                     else _escape(part) for style, part in line)
                             for line in lines))


def _plain_text(lines: list[list[tuple[str | None, str]]]) -> str | None:
    """What rich prints for ``lines`` without styles: emoji codes (``:phone:``) replaced,
    control codes removed (tests/test_cli_run.py compares the two; rich replaces codes between
    two styles, and a label is always followed by a space, which no code spans); None when a
    part has a backslash or a tab (rich's escaping doubles a backslash at the end of a part; it
    expands tabs): those go through rich. The emoji codes are replaced by the function
    ``rich.emoji.Emoji.replace`` calls, from its own module: ``rich.emoji`` imports rich's
    rendering (segments, styles: ~15 ms), which plain text does not need; through
    ``Emoji.replace`` itself if a rich release moves that private module."""
    try:
        from rich._emoji_replace import _emoji_replace
    except ImportError:   # a rich release without the private module (tests/test_cli_run.py)
        from rich.emoji import Emoji

        _emoji_replace = Emoji.replace

    text = "\n".join("".join(part for _, part in line) for line in lines)
    if "\\" in text or "\t" in text:
        return None
    return _emoji_replace(text).translate(_CONTROL_CODES) + "\n"


#: The control codes rich removes from printed text (``rich.control.strip_control_codes``:
#: bell, backspace, vertical tab, form feed, carriage return).
_CONTROL_CODES = dict.fromkeys((7, 8, 11, 12, 13))


def _write_html(console, outcome) -> str | None:
    """``run --html``: write report.html beside the outcome's result.json; "error" on failure."""
    from simulator.errors import SimulatorError
    from simulator.report import write_report

    if outcome.result is None or outcome.out_dir is None:
        return None
    out = outcome.out_dir / "report.html"
    try:
        write_report(outcome.result, outcome.out_dir, out, index_href="../index.html")
    except (SimulatorError, OSError) as exc:
        text = _os_reason(exc, out) if isinstance(exc, OSError) else str(exc)
        console.print(f"  [red]error[/red] cannot write {_escape(str(out))}: {_escape(text)}")
        return "error"
    console.print(f"  report: {_escape(str(out))}")
    return None


def _index_row(outcome, root) -> dict:
    from simulator.report.index import index_row

    return index_row(outcome, root)


def _index_errors(errors: list[str]) -> list[dict]:
    from simulator.report.index import error_rows

    return error_rows(errors)


def _write_index(console, root, rows: list[dict]) -> bool:
    """``run --html``: the page over every scenario, index.html in the --out folder; False
    (an error of the run) when it cannot be written."""
    from simulator.report.index import write_index

    try:
        console.print(f"index: {_escape(str(write_index(root, rows)))}")
    except OSError as exc:
        console.print(f"[red]error[/red] cannot write {_escape(str(root / 'index.html'))}: "
                      f"{_escape(_os_reason(exc, root / 'index.html'))}")
        return False
    return True


def _progress(console, total: int):
    """A progress bar on a terminal for more than one scenario; else a no-op."""
    import contextlib

    if total < 2 or not console.is_terminal:
        return contextlib.nullcontext(lambda: None)
    from rich.progress import Progress   # only on a terminal: 5 ms of imports otherwise

    @contextlib.contextmanager
    def bar():
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("scenarios", total=total)
            yield lambda: progress.advance(task)

    return bar()


# ---- bxmlsim schema, bxmlsim init ------------------------------------------------------


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the scenario file format (docs/scenarios.md).

    Editors autocomplete and check scenario files with it: bxmlsim schema >
    bxmlsim.schema.json, then map it to *.scenario.yaml (docs/scenarios.md, "Editor support").
    """
    import json

    from simulator.scenario.jsonschema import scenario_schema

    click.echo(json.dumps(scenario_schema(), indent=2))


def _install_source(ctx: click.Context, param: click.Parameter, value: str | None) -> object:
    """--install SPEC as the scaffold's Source (None: where this bxmlsim came from)."""
    if value is None:
        return None
    from simulator import scaffold

    try:
        return scaffold.parse_install(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"expected a pip requirement of bxml-simulator ('bxml-simulator @ git+https://"
            f"github.com/OWNER/REPO@COMMIT', a wheel URL, 'bxml-simulator==VERSION'), got "
            f"{value!r}: {exc}", ctx=ctx, param=param) from None


@main.command("init")
@click.argument("folder", default=".", type=click.Path(file_okay=False))
@click.option("--install", "source", metavar="SPEC", callback=_install_source,
              help="Where the CI workflow installs bxml-simulator from: a pip requirement "
                   "('bxml-simulator @ git+https://github.com/OWNER/REPO@COMMIT', a wheel URL, "
                   "'bxml-simulator==VERSION') [default: where this bxmlsim was installed from, "
                   "read from its install metadata].")
@click.pass_context
def init(ctx: click.Context, folder: str, source: object) -> None:
    """Start a test suite in FOLDER (default: here): tests/ with a sample voice app, its pytest
    test, a scenario file, and a CI workflow. Existing files are never overwritten.

    Then: python -m pytest tests, and bxmlsim run tests (docs/tutorial.md).
    """
    from pathlib import Path

    from simulator import scaffold

    root = Path(folder)
    taken = scaffold.existing(root)
    if taken:
        click.echo("Error: these files exist already (nothing was written): "
                   + ", ".join(str(p) for p in taken), err=True)
        ctx.exit(2)
    chosen = source if isinstance(source, scaffold.Source) else scaffold.installed_source()
    try:
        written = scaffold.write(root, scaffold.files(chosen))
    except OSError as exc:
        click.echo(f"Error: cannot write in {root}: {_os_reason(exc, root)}", err=True)
        ctx.exit(2)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"the workflow installs {chosen.requirement}")
    if chosen.notice:
        click.echo(chosen.notice, err=True)
    click.echo("next: python -m pytest tests   (and: bxmlsim run tests); see docs/tutorial.md")


# ---- bxmlsim serve ----------------------------------------------------------------------


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port to listen on (0: any free port; the URL printed says which).")
@click.option("--out", "out_root", type=click.Path(file_okay=False), default="bxmlsim-out",
              show_default=True, help="Folder for <callId>/result.json and recordings/.")
@click.option("--callee", type=click.Path(dir_okay=False), default=None, metavar="FILE.yaml",
              help="The called party's script: caller: steps, parties: per number.")
@click.option("--username", default=None, help="Require this HTTP Basic user (with --password).")
@click.option("--password", default=None, help="Require this HTTP Basic password.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, out_root: str, callee: str | None,
          username: str | None, password: str | None) -> None:
    """Emulate Bandwidth's Voice REST API v2 on this machine until Ctrl-C.

    Point the SDK at the URL printed (Configuration(host=URL, ignore_operation_servers=True)).
    Each call it creates is simulated at once in virtual time against the app's real
    answerUrl/disconnectUrl; call state, recordings and their media are read back through
    the same API. See docs/server.md.
    """
    from pathlib import Path

    from simulator.api import make_out_dir
    from simulator.errors import ScenarioError, SimulatorError
    from simulator.server import require_extra

    if (username is None) != (password is None):
        raise click.UsageError("--username and --password go together")
    try:
        require_extra()
    except SimulatorError as exc:
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(2)
    from simulator.scenario.source import problem_lines
    from simulator.server.callee import Callee, load_callee
    from simulator.server.run import api_url, bind, serve_forever
    from simulator.server.state import Store

    try:
        party = load_callee(callee) if callee is not None else Callee()
        make_out_dir(Path(out_root))
    except ScenarioError as exc:
        for line in problem_lines(exc):
            click.echo(f"error {line}", err=True)
        ctx.exit(2)
    except SimulatorError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        sock = bind(host, port)
    except OSError as exc:
        click.echo(f"Error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        ctx.exit(2)
    store = Store(out_root, party, on_done=lambda record: click.echo(_call_summary(record)))

    def announce() -> None:
        click.echo(api_url(sock))
        click.echo(f"Voice API emulator: outputs in {out_root}/<callId>/; Ctrl-C to stop",
                   err=True)

    serve_forever(store, sock, username=username, password=password, announce=announce,
                  warn=lambda text: click.echo(f"warning: {text}", err=True))
    click.echo("stopped", err=True)


def _call_summary(record) -> str:
    """One line per finished call: how it ended and where its result is."""
    request = record.request
    head = f"call {record.call_id} {request.from_} -> {request.to}:"
    if record.result is None:
        return f"{head} {'cancelled while queued' if record.cancelled else record.error}"
    call = record.result["calls"][0]
    webhooks = len(record.result["callbacks"])
    recordings = len(record.result["recordings"])
    tail = f" ({record.error})" if record.error else ""
    return (f"{head} {call['disconnectCause']}, {webhooks} webhook attempt"
            f"{'s' if webhooks != 1 else ''}, {recordings} recording"
            f"{'s' if recordings != 1 else ''}; {record.out_dir}/result.json{tail}")


# ---- bxmlsim explore --------------------------------------------------------------------


@main.command("explore")
@click.argument("target", metavar="TARGET", type=click.Path(dir_okay=False))
@click.option("--max-paths", type=click.IntRange(min=1), default=200, show_default=True,
              help="Stop after this many distinct paths.")
@click.option("--max-depth", type=click.IntRange(min=1), default=10, show_default=True,
              help="Points taking input (Gather, Record, Transfer, created call) a path may "
                   "branch at.")
@click.option("--revisits", type=click.IntRange(min=1), default=1, show_default=True,
              help="Times a path may branch again at a verb it has branched at.")
@click.option("--merge", type=click.Choice(["auto", "states", "paths"]), default="auto",
              show_default=True,
              help="Branch at a point once overall (states) or once per path (paths); auto: "
                   "states for canned routes and static files, paths for an app with code.")
@click.option("--max-duration", type=click.FloatRange(min=1), default=900.0,
              show_default=True, help="Virtual seconds a call may last while exploring (at "
                                      "most the scenario's max_duration); longer is a loop.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="The seed of every run [default: the scenario's].")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs in parallel (worker processes).")
@click.option("--dask", "dask_target", default=None, metavar="ADDRESS|local[:N]",
              help="Run on a dask cluster (the dist extra); not with -j.")
@click.option("--emit", "emit_dir", type=click.Path(file_okay=False), default=None,
              metavar="DIR", help="Write one scenario file per path, expectations filled in.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False), default=None,
              metavar="FILE", help="Write the exploration (paths, findings) as JSON.")
@click.option("--coverage", "coverage_dir", type=click.Path(file_okay=False), default=None,
              metavar="DIR", help="Write the app's coverage by all paths (coverage.json, "
                                  "coverage.html) into DIR.")
@click.option("-v", "--verbose", is_flag=True, help="Whole tracebacks.")
@click.option("--app-url", default=None, metavar="URL",
              help="FLOW.xml only: other webhooks and media go to a real server at URL.")
@click.option("--wsgi", default=None, metavar="MODULE:APP",
              help="FLOW.xml only: other webhooks go to this WSGI app.")
@click.option("--asgi", default=None, metavar="MODULE:APP",
              help="FLOW.xml only: other webhooks go to this ASGI app.")
@click.pass_context
def explore(ctx: click.Context, target: str, max_paths: int, max_depth: int, revisits: int,
            merge: str, max_duration: float, seed: int | None, jobs: int,
            dask_target: str | None, emit_dir: str | None, json_file: str | None,
            coverage_dir: str | None, verbose: bool, app_url: str | None, wsgi: str | None,
            asgi: str | None) -> None:
    """Drive the app of TARGET with generated caller behaviours and report every path.

    TARGET is a scenario file (its app, call and parties are the starting point; its caller
    script and expectations are not used) or a bare FLOW.xml (with --app-url/--wsgi/--asgi as
    for `run`). Exit 0 when no path fails, 1 when some path fails (an app exception,
    callback-error, invalid-bxml, application-error, a loop to max_duration, ...), 2 on a
    usage or input error. See docs/explore.md.
    """
    import json
    import time
    from pathlib import Path

    from rich.console import Console

    from simulator.batch import make_executor
    from simulator.coverage.report import write_reports
    from simulator.errors import SimulatorError
    from simulator.explore import Options, explore as run_explore
    from simulator.explore.emit import check_folder, emit
    from simulator.explore.report import findings_text, headline, paths_table, summary_table
    from simulator.explore.runners import BatchRunner, DaskRunner
    from simulator.golden import slugify
    from simulator.scenario.source import problem_lines

    console = Console(highlight=False, soft_wrap=True)
    scenarios = _explore_targets(ctx, Path(target), app_url=app_url, wsgi=wsgi, asgi=asgi)
    options = Options(max_paths=max_paths, max_depth=max_depth, revisits=revisits, seed=seed,
                      merge=merge, max_duration=max_duration)
    if emit_dir is not None:
        try:
            for scenario in scenarios:
                check_folder(scenario, Path(emit_dir))
        except SimulatorError as exc:
            raise click.UsageError(f"--emit: {exc}") from None
    dask_batch = _dask_batch(ctx, dask_target) if dask_target is not None else None
    executor = None
    failed = False
    explorations = []
    try:
        if dask_batch is not None:
            try:
                dask_batch.start()
            except SimulatorError as exc:
                click.echo(f"Error: {exc}", err=True)
                ctx.exit(2)
            runner = DaskRunner(dask_batch)
        else:
            executor = make_executor(jobs)
            runner = BatchRunner(executor)
        for index, scenario in enumerate(scenarios):
            started = time.perf_counter()
            try:
                with _explore_progress(console, max_paths) as progress:
                    exploration = run_explore(scenario, options, runner, on_progress=progress)
            except SimulatorError as exc:
                for line in problem_lines(exc):
                    console.print(f"[red]error[/red] {_escape(line)}")
                ctx.exit(2)
            seconds = time.perf_counter() - started
            explorations.append(exploration)
            failed = failed or exploration.failed
            source = f"{target}" + (f" ({scenario.name})" if len(scenarios) > 1 else "")
            for line in findings_text(exploration, verbose=verbose):
                console.print(line)
            console.print(paths_table(exploration))
            console.print(summary_table(exploration, seconds))
            console.print(headline(exploration, source, seconds))
            try:
                if emit_dir is not None:
                    written = emit(list(exploration.paths), scenario, Path(emit_dir),
                                   index=index, source=target)
                    console.print(f"wrote {len(written)} scenario files to "
                                  f"{_escape(emit_dir)}/")
                if coverage_dir is not None:
                    folder = Path(coverage_dir) / (slugify(scenario.name)
                                                   if len(scenarios) > 1 else "")
                    html_path = write_reports(exploration.coverage, folder)[1]
                    console.print(f"coverage: {_escape(str(html_path))}")
            except (SimulatorError, OSError) as exc:
                text = _os_reason(exc, emit_dir) if isinstance(exc, OSError) else str(exc)
                click.echo(f"Error: {text}", err=True)
                ctx.exit(2)
    finally:
        if executor is not None:
            executor.shutdown()
        if dask_batch is not None:
            dask_batch.close()
    if json_file is not None:
        data = [e.to_json() for e in explorations]
        try:
            Path(json_file).write_text(json.dumps(data[0] if len(data) == 1 else data,
                                                  indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
        except OSError as exc:
            click.echo(f"Error: cannot write {json_file}: {_os_reason(exc, json_file)}",
                       err=True)
            ctx.exit(2)
    ctx.exit(1 if failed else 0)


def _explore_targets(ctx: click.Context, target, *, app_url, wsgi, asgi) -> list:
    """The scenarios explore starts from: those of a scenario file, or a bare FLOW.xml's."""
    from simulator.errors import SimulatorError
    from simulator.scenario.bare import bare_scenario
    from simulator.scenario.load import load_scenarios
    from simulator.scenario.source import problem_lines

    options = dict(app_url=app_url, wsgi=wsgi, asgi=asgi)
    if not target.is_file():
        raise click.UsageError(f"{target}: no such file (expected a scenario file or a .xml "
                               "BXML document)")
    is_xml = target.suffix.lower() == ".xml"
    if not is_xml and any(v is not None for v in options.values()):
        raise click.UsageError("--app-url/--wsgi/--asgi only apply to a bare FLOW.xml document")
    if not is_xml and target.suffix.lower() not in (".yaml", ".yml"):
        raise click.UsageError(f"{target}: not a scenario file (expected *.yaml, *.yml or "
                               "a .xml BXML document)")
    try:
        return [bare_scenario(target, [], **options)] if is_xml else load_scenarios(target)
    except SimulatorError as exc:
        for line in problem_lines(exc):
            click.echo(f"error {line}", err=True)
        ctx.exit(2)


def _explore_progress(console, total: int):
    """A bar of distinct paths found (out of --max-paths) on a terminal; else a no-op."""
    import contextlib

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    if not console.is_terminal:
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar():
        with Progress(TextColumn("exploring"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("paths, {task.fields[runs]} runs, {task.fields[queued]} "
                                 "queued"), console=console, transient=True) as progress:
            task = progress.add_task("paths", total=total, runs=0, queued=0)
            yield lambda paths, runs, queued: progress.update(task, completed=paths,
                                                              runs=runs, queued=queued)

    return bar()


# ---- bxmlsim coverage -------------------------------------------------------------------


@main.command("coverage")
@click.argument("files", nargs=-1, required=True, metavar="COVERAGE.json...",
                type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              metavar="DIR", help="Write the combined coverage.json and coverage.html here.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="PCT",
              help="Exit 1 when the total coverage is below PCT.")
@click.pass_context
def coverage_command(ctx: click.Context, files: tuple[str, ...], out_dir: str | None,
                     fail_under: float | None) -> None:
    """Combine coverage.json files (CI shards, runs of several suites) and report them."""
    from pathlib import Path

    from rich.console import Console

    from simulator.coverage import Coverage, read_json, text_report, write_reports

    console = Console(highlight=False, soft_wrap=True)
    combined = Coverage()
    for file in files:
        try:
            combined.merge(read_json(Path(file)))
        except (OSError, ValueError) as exc:
            text = _os_reason(exc, file) if isinstance(exc, OSError) else str(exc)
            click.echo(f"Error: {file}: {text}", err=True)
            ctx.exit(2)
    console.print(_escape(text_report(combined)))
    if out_dir is not None:
        try:
            data, page = write_reports(combined, Path(out_dir))
        except OSError as exc:
            click.echo(f"Error: cannot write {out_dir}: {_os_reason(exc, out_dir)}", err=True)
            ctx.exit(2)
        console.print(f"coverage: {_escape(str(page))}, {_escape(str(data))}")
    ctx.exit(1 if _under(console, combined, fail_under) else 0)
