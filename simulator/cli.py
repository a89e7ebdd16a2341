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
