"""Benchmark: ``bxmlsim explore`` throughput, and a 3-level menu explored fully.

1. Paths explored per second on the bundled IVR scenario (scenarios/ivr-menu-retries), with
   -j 1 and -j 2, as a ratio to plain runs of the same scenario per second (``run_loaded`` in a
   loop, -j 1): what the search costs on top of the runs (goal: ratio >= 0.5).
2. The wall time to explore a 3-level menu fully: a WSGI app (written here) whose main menu
   offers 3 keys, each second-level menu 4, each third-level menu 4 (3 x 4 x 4 = 48 leaves);
   any other key says "sorry" and shows the same menu again, no key says goodbye (goal: <= 60 s,
   -j 1).

    python tests/bench/bench_explore.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

from simulator.api import load, run_loaded  # noqa: E402
from simulator.explore import Options, explore  # noqa: E402
from simulator.explore.runners import BatchRunner  # noqa: E402

RATIO_GOAL = 0.5
MENU_GOAL = 60.0

MENU_APP = '''
import json
from urllib.parse import parse_qs

CHOICES = {0: 3, 1: 4, 2: 4}  # keys offered at each level: 3 x 4 x 4


def menu(path):
    keys = CHOICES[len(path)]
    prompt = " ".join(f"For option {path}{k} press {k}." for k in range(1, keys + 1))
    return (f'<Response><Gather gatherUrl="/choose?p={path}" maxDigits="1" '
            f'firstDigitTimeout="2"><SpeakSentence>{prompt}</SpeakSentence></Gather></Response>')


def app(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    path = query.get("p", [""])[0]
    if environ["PATH_INFO"] in ("/answer", "/show"):
        body = menu(path)
    else:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        digits = json.loads(environ["wsgi.input"].read(length) or b"{}").get("digits", "")
        if digits == "":
            body = "<Response><SpeakSentence>Goodbye.</SpeakSentence><Hangup/></Response>"
        elif digits.isdigit() and 1 <= int(digits) <= CHOICES[len(path)]:
            chosen = path + digits
            body = (menu(chosen) if len(chosen) < 3 else
                    f"<Response><SpeakSentence>You chose {chosen}.</SpeakSentence>"
                    "<Hangup/></Response>")
        else:
            body = ('<Response><SpeakSentence>Sorry.</SpeakSentence>'
                    f'<Redirect redirectUrl="/show?p={path}"/></Response>')
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [body.encode()]
'''


def plain_runs_per_second(scenario, count: int) -> float:
    run_loaded(scenario)
    started = time.perf_counter()
    for _ in range(count):
        run_loaded(scenario)
    return count / (time.perf_counter() - started)


def explored_per_second(scenario, executor=None) -> tuple[float, int]:
    started = time.perf_counter()
    exploration = explore(scenario, Options(max_paths=10_000), BatchRunner(executor))
    return len(exploration.paths) / (time.perf_counter() - started), len(exploration.paths)


def three_level_menu(executor=None) -> tuple[float, int, int, bool]:
    """(seconds, paths, distinct leaves reached, complete) of exploring the menu fully."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "menu3.py").write_text(MENU_APP)
        Path(folder, "menu.yaml").write_text("name: menu\napp:\n  wsgi: 'menu3:app'\n")
        [scenario] = load(Path(folder, "menu.yaml"))
        started = time.perf_counter()
        exploration = explore(scenario, Options(max_paths=100_000), BatchRunner(executor))
        seconds = time.perf_counter() - started
    leaves = {body.split("You chose ")[1][:3] for path in exploration.paths
              for body in (c.get("responseBody") or "" for c in path.result["callbacks"])
              if "You chose" in body}
    return seconds, len(exploration.paths), len(leaves), exploration.complete


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    [ivr] = load(ROOT / "scenarios" / "ivr-menu-retries.scenario.yaml")
    plain = max(plain_runs_per_second(ivr, 200) for _ in range(args.rounds))
    alone, paths = max(explored_per_second(ivr) for _ in range(args.rounds))
    with ProcessPoolExecutor(2) as pool:
        explored_per_second(ivr, pool)  # workers started and warm
        spread, _ = max(explored_per_second(ivr, pool) for _ in range(args.rounds))
    ratio = alone / plain
    print(f"IVR (scenarios/ivr-menu-retries): {paths} paths; plain runs {plain:.0f}/s; "
          f"explored {alone:.0f} paths/s with -j 1, {spread:.0f} paths/s with -j 2")
    print(f"  explore / plain runs = {ratio:.2f} (goal >= {RATIO_GOAL})")
    seconds, count, leaves, complete = three_level_menu()
    with ProcessPoolExecutor(2) as pool:
        three_level_menu(pool)  # workers warm, the app imported in them
        spread_seconds = min(three_level_menu(pool)[0] for _ in range(args.rounds))
    print(f"3-level menu (3 x 4 x 4): {count} paths, {leaves} of the 48 leaves reached, "
          f"{'complete' if complete else 'NOT complete'}, in {seconds:.1f} s with -j 1, "
          f"{spread_seconds:.1f} s with -j 2 (goal <= {MENU_GOAL:g} s with -j 1)")
    ok = ratio >= RATIO_GOAL and seconds <= MENU_GOAL and complete and leaves == 48
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
