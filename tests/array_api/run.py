"""Run the public array-api-tests suite on mathfront's functions; report failures beyond NumPy's.

    python tests/array_api/run.py --suite ../array-api-tests --backend numpy,cpp
    NUMBA_ENABLE_CUDASIM=1 python tests/array_api/run.py --suite ../array-api-tests \\
        --backend cuda --max-examples 50 --max-array-size 64
    python tests/array_api/run.py --suite ... --functions sum,acos -- -x   # pytest arguments

``--suite`` is a checkout of data-apis/array-api-tests with its ``array-api``
submodule (the spec: every test module reads it). The suite runs with one
hypothesis seed once against ``array_api_compat.numpy`` (the baseline: NumPy's
own failures), then against ``mathfront_namespace`` per backend. A test that
fails for a backend and passes in the baseline runs again on NumPy, up to
``--recheck`` times (draws still differ between runs: the special-case tests
take one random example each); if NumPy passes every time, it is a failure
beyond NumPy's, and the exit status is 1. The outcomes
and each failure's report go to ``--out`` (JSON). docs/array-api.md has more.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Issue 13's functions, by the standard's names (the suite's).
ELEMENTWISE = """abs acos acosh add asin asinh atan atan2 atanh bitwise_and bitwise_left_shift
bitwise_invert bitwise_or bitwise_right_shift bitwise_xor ceil clip conj copysign cos cosh divide
equal exp expm1 floor floor_divide greater greater_equal hypot imag isfinite isinf isnan less
less_equal log log1p log2 log10 logaddexp logical_and logical_not logical_or logical_xor maximum
minimum multiply negative nextafter not_equal positive pow real reciprocal remainder round sign
signbit sin sinh square sqrt subtract tan tanh trunc""".split()
STATISTICAL = "cumulative_sum cumulative_prod max mean min prod std sum var".split()
OTHERS = "where count_nonzero all any diff vecdot".split()
ISSUE_13 = ELEMENTWISE + STATISTICAL + OTHERS

#: The suite's files holding those functions' tests.
TEST_FILES = ["test_operators_and_elementwise_functions.py", "test_special_cases.py",
              "test_statistical_functions.py", "test_searching_functions.py",
              "test_utility_functions.py", "test_linalg.py", "test_signatures.py"]
BASELINE = "array_api_compat.numpy"


def mathfront_functions() -> set[str]:
    from mathfront._api import FUNCTIONS
    return set(FUNCTIONS)


def check_suite(suite: Path) -> None:
    if not (suite / "array_api_tests").is_dir():
        sys.exit(f"{suite}: not a checkout of data-apis/array-api-tests")
    if not (suite / "array-api" / "spec").is_dir():
        sys.exit(f"{suite}/array-api is empty: the suite needs its submodule "
                 "(git submodule update --init)")


def run_suite(suite: Path, module: str, backend: str | None, functions, args, results: Path,
              extra, ids=None, examples=None, label=None) -> dict:
    env = dict(os.environ)
    if ids is not None:
        ids_file = results.with_suffix(".ids")
        ids_file.write_text("\n".join(ids) + "\n")
        env["MATHFRONT_ARRAY_API_IDS"] = str(ids_file)
    randomize = args.random or ids is not None
    env.update({
        "ARRAY_API_TESTS_MODULE": module,
        # One seed draws the same examples only if sets iterate alike.
        "PYTHONHASHSEED": "0",
        "ARRAY_API_TESTS_VERSION": args.api_version,
        "ARRAY_API_TESTS_MAX_ARRAY_SIZE": str(args.max_array_size),
        "MATHFRONT_ARRAY_API_FUNCTIONS": ",".join(functions),
        "MATHFRONT_ARRAY_API_RESULTS": str(results),
        "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent), env.get("PYTHONPATH", "")]),
    })
    if backend is not None:
        env["MATHFRONT_ARRAY_API_BACKEND"] = backend
    if backend == "cuda":
        env["NUMBA_ENABLE_CUDASIM"] = env.get("NUMBA_ENABLE_CUDASIM", "1")
    command = [sys.executable, "-m", "pytest", "-p", "mathfront_select", "-p", "no:cacheprovider",
               "-q", "--tb=short", "--disable-deadline",
               f"--max-examples={examples or args.max_examples}",
               *([] if randomize else [f"--hypothesis-seed={args.seed}"]),
               *(f"array_api_tests/{f}" for f in TEST_FILES), *extra]
    label = label or backend or "baseline"
    what = f"{len(ids)} tests" if ids is not None else f"{len(functions)} functions"
    print(f"--- {label}: {module} ({what})", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=suite, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if not results.exists():
        sys.exit(f"{label}: the suite did not run (exit {proc.returncode}):\n"
                 f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    data = json.loads(results.read_text())
    data["seconds"] = round(seconds, 1)
    print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "(no output)",
          f"[{seconds:.0f} s]", flush=True)
    return data


def counts(tests: dict) -> dict:
    out = {"passed": 0, "failed": 0, "skipped": 0}
    for t in tests.values():
        out[t["outcome"]] += 1
    return out


def suite_revision(suite: Path) -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=suite,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--suite", type=Path, default=os.environ.get("ARRAY_API_TESTS_DIR"),
                   help="checkout of data-apis/array-api-tests (or $ARRAY_API_TESTS_DIR)")
    p.add_argument("--backend", default="numpy,cpp", help="comma-separated: numpy, cpp, cuda")
    p.add_argument("--functions", default="",
                   help="comma-separated (default: issue 13's functions mathfront has)")
    p.add_argument("--max-examples", type=int, default=100,
                   help="the suite's --max-examples (its elementwise value checks, marked "
                        "unvectorized, run a tenth of it); the simulator: 50")
    p.add_argument("--max-array-size", type=int, default=1024,
                   help="ARRAY_API_TESTS_MAX_ARRAY_SIZE (the simulator: 64)")
    p.add_argument("--api-version", default="2024.12", help="ARRAY_API_TESTS_VERSION")
    p.add_argument("--seed", type=int, default=0, help="--hypothesis-seed of both runs")
    p.add_argument("--random", action="store_true", help="no --hypothesis-seed: new examples")
    p.add_argument("--no-baseline", action="store_true", help="report every failure")
    p.add_argument("--recheck", type=int, default=5,
                   help="a failure beyond the baseline's runs again on NumPy up to this many "
                        "times, with ten times the examples (default 5)")
    p.add_argument("--out", type=Path, default=Path("array-api-results"),
                   help="folder for the JSON outcomes (default ./array-api-results)")
    args = p.parse_args(argv)
    if args.suite is None:
        p.error("--suite (or ARRAY_API_TESTS_DIR) is required")
    suite = args.suite.resolve()
    check_suite(suite)

    have = mathfront_functions()
    asked = [f for f in args.functions.split(",") if f] or ISSUE_13
    functions = [f for f in asked if f in have]
    missing = [f for f in asked if f not in have]
    if missing:
        print(f"not in mathfront (not run): {' '.join(missing)}")
    if not functions:
        sys.exit("no function to test")
    args.out.mkdir(parents=True, exist_ok=True)
    runs = {}
    if not args.no_baseline:
        runs["baseline"] = run_suite(suite, BASELINE, None, functions, args,
                                     args.out / "baseline.json", extra)
    for backend in args.backend.split(","):
        runs[backend] = run_suite(suite, "mathfront_namespace", backend, functions, args,
                                  args.out / f"{backend}.json", extra)

    base = runs.get("baseline", {"tests": {}})["tests"]
    base_failed = {k for k, t in base.items() if t["outcome"] == "failed"}
    candidates = sorted({k for label, data in runs.items() if label != "baseline"
                         for k, t in data["tests"].items()
                         if t["outcome"] == "failed" and k not in base_failed})
    numpy_too = set()
    if not args.no_baseline:
        # The baseline may pass a test NumPy fails: the special-case tests take one
        # random .example() per run whatever the seed (a -0.0 drawn or not). Each
        # candidate runs again on NumPy, up to --recheck times, with ten times the
        # examples; one NumPy failure makes it NumPy's.
        for attempt in range(args.recheck):
            left = [k for k in candidates if k not in numpy_too]
            if not left:
                break
            again = run_suite(suite, BASELINE, None, functions, args,
                              args.out / "recheck.json", extra, ids=left,
                              examples=args.max_examples * 10, label=f"recheck {attempt + 1}")
            numpy_too |= {k for k, t in again["tests"].items() if t["outcome"] == "failed"}
    summary = {"suite": str(suite), "suite_revision": suite_revision(suite),
               "functions": functions, "not_in_mathfront": missing,
               "max_examples": args.max_examples, "max_array_size": args.max_array_size,
               "api_version": args.api_version, "seed": None if args.random else args.seed,
               "runs": {}}
    print(f"\n{'run':10} {'passed':>7} {'failed':>7} {'skipped':>8} {'beyond NumPy':>13}")
    status = 0
    for label, data in runs.items():
        c = counts(data["tests"])
        failed = {k for k, t in data["tests"].items() if t["outcome"] == "failed"}
        beyond = sorted(failed - base_failed - numpy_too) if label != "baseline" else []
        status |= bool(beyond)
        summary["runs"][label] = {**c, "beyond_numpy": beyond, "seconds": data["seconds"],
                                  "numpy_fails_on_recheck": sorted(failed & numpy_too),
                                  "calls": data.get("calls", {}),
                                  "fallbacks_to_auto": data.get("fallbacks_to_auto", {})}
        shown = "" if label == "baseline" else len(beyond)
        print(f"{label:10} {c['passed']:7} {c['failed']:7} {c['skipped']:8} {shown:>13}")
    if numpy_too:
        print(f"(NumPy failed {len(numpy_too)} of them on the recheck: not beyond NumPy's)")
    for label, run in summary["runs"].items():
        calls, auto = sum(run["calls"].values()), sum(run["fallbacks_to_auto"].values())
        if calls:
            print(f"{label}: {calls - auto} of {calls} calls ran on the engine, {auto} under auto "
                  "(dtypes it does not claim)")
    for label, run in summary["runs"].items():
        for test in run["beyond_numpy"]:
            report = runs[label]["tests"][test]["report"].strip().splitlines()
            print(f"\n[{label}] {test}\n    " + "\n    ".join(report[-12:]))
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
