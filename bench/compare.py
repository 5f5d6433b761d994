"""Compare one benchmark between an earlier commit and the working tree, on this machine.

This machine's figures drift by about 20% between runs, so one run of each proves nothing.
The benchmark runs ``--runs`` times on each side, alternating (base, change, base, change...),
each run in a fresh process from its own tree (a temporary ``git worktree`` of the base);
then the median of every number in the benchmark's JSON line is printed for both sides,
with their ratio (change / base). The last line is JSON, like every benchmark's.

    PYTHONPATH=. .venv/bin/python bench/compare.py --base main~3 [--runs 3] -- bench/web.py --tasks 20000

``--quick``: one run of ``bench/campaign.py --quick`` on each side, against HEAD.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def numbers(value, prefix: str = "") -> dict[str, float]:
    """Every number in a JSON value, by its dotted path ("results.1.p50_ms")."""
    if isinstance(value, bool):
        return {}
    if isinstance(value, (int, float)):
        return {prefix: float(value)}
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    else:
        children = []
    found: dict[str, float] = {}
    for key, child in children:
        found.update(numbers(child, f"{prefix}.{key}" if prefix else str(key)))
    return found


def run_once(tree: Path, bench: list[str]) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(tree / bench[0]), *bench[1:]],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{bench[0]} failed in {tree} (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return numbers(json.loads(lines[-1]))


def median(runs: list[dict[str, float]], key: str) -> float | None:
    values = [run[key] for run in runs if key in run]
    return statistics.median(values) if values else None


def compare(base: str, runs: int, bench: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-base-") as scratch:
        base_tree = Path(scratch) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(base_tree), base], cwd=REPO_ROOT, check=True
        )
        try:
            measured: dict[str, list[dict[str, float]]] = {"base": [], "change": []}
            for _ in range(runs):
                measured["base"].append(run_once(base_tree, bench))
                measured["change"].append(run_once(REPO_ROOT, bench))
        finally:
            remove = ["git", "worktree", "remove", "--force", str(base_tree)]
            subprocess.run(remove, cwd=REPO_ROOT, check=True)
    figures = {}
    for key in sorted(set(measured["base"][0]) | set(measured["change"][0])):
        # A figure only one side prints (a new one) is shown too, the other side null.
        base_median, change_median = (median(measured[side], key) for side in ("base", "change"))
        ratio = round(change_median / base_median, 3) if base_median and change_median is not None else None
        figures[key] = {"base": base_median, "change": change_median, "ratio": ratio}
    return {"bench": " ".join(bench), "base": base, "runs": runs, "figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="HEAD", help="the commit to compare with (default HEAD)")
    parser.add_argument("--runs", type=int, default=3, help="runs on each side (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run of bench/campaign.py --quick each")
    parser.add_argument("bench", nargs="*", help="the benchmark and its arguments, after --")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.bench = 1, ["bench/campaign.py", "--quick"]
    if not args.bench:
        parser.error("name the benchmark to compare, e.g. -- bench/web.py --tasks 20000")
    result = compare(args.base, args.runs, args.bench)
    for key, figure in result["figures"].items():
        base_text, change_text = (
            "—" if figure[side] is None else f"{figure[side]:.4g}" for side in ("base", "change")
        )
        print(f"{key:<48} base {base_text:>12}  change {change_text:>12}  x{figure['ratio']}")
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
