"""The ``bxmlsim`` command line (click + rich): the only module that prints or exits.

Subcommands: ``lint`` (BXML diagnostics), ``run`` (scenarios or a bare BXML document),
``report`` (HTML timeline of a result.json). Exit codes follow design/contract.md:
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
@click.pass_context
def lint(ctx: click.Context, files: tuple[str, ...], output_format: str, context: str) -> None:
    """Check BXML FILEs; exit 1 when any has an error (warnings alone exit 0)."""
    import json

    from simulator.bxml.check import lint_bxml

    found = []
    for path in files:
        try:
            data = open(path, "rb").read()
        except OSError as exc:
            click.echo(f"Error: cannot read {path}: {exc.strerror or exc}", err=True)
            ctx.exit(2)
        found += [(path, d) for d in lint_bxml(data, source=path, context=context)]
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
        click.echo(f"Error: cannot write {out}: {exc.strerror or exc}", err=True)
        ctx.exit(2)
    click.echo(f"wrote {written}")
