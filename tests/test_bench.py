"""``python -m mathfront bench``: arguments, the JSON it writes, the regression check, the plot.

The regression logic is tested on synthetic results, not on timings.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mathfront.bench import report
from mathfront.bench.cases import Case
from mathfront.bench.run import SCHEMA
from support import SIMULATOR

TINY = ["--ops", "add", "sum", "--dtypes", "float64", "--sizes", "100", "--rounds", "2"]


def bench(*args, timeout=300):
    # As on an 80-column terminal (rich reads $COLUMNS when not on a terminal).
    return subprocess.run([sys.executable, "-m", "mathfront", "bench", *args],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "80"})


# --- bad arguments: status 2, one line, no traceback ------------------------------------

@pytest.mark.parametrize("args,message", [
    (["--ops", "frobnicate"], "unknown op 'frobnicate'"),
    (["--sizes", "-5"], "must be a positive integer"),
    (["--sizes", "1.5"], "must be a positive integer"),
    (["--sizes", "many"], "is not a number"),
    (["--dtypes", "float99"], "unknown dtype"),
    (["--dtypes", "str"], "is not numeric"),
    (["--backends", "fortran"], "unknown backend 'fortran'"),
    (["--threads", "0"], "must be at least 1"),
    (["--threshold", "150"], "between 0 and 100"),
    (["--compare", "/no/such/baseline.json"], "cannot read baseline"),
    (["--json", "/no/such/folder/out.json"], "no folder"),
    (["--frobnicate"], "unrecognized arguments"),
])
def test_bad_arguments_exit_2_with_one_line(args, message):
    result = bench(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_baseline_that_is_not_a_bench_file_is_refused(tmp_path):
    garbage, foreign = tmp_path / "garbage.json", tmp_path / "foreign.json"
    garbage.write_text("{not json")
    foreign.write_text(json.dumps({"schema": "something/else", "results": []}))
    for path, message in ((garbage, "is not JSON"), (foreign, "not a mathfront bench file")):
        result = bench("--compare", str(path), *TINY)
        assert result.returncode == 2 and message in result.stderr


# --- a real (tiny) run -------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "run.json"
    result = bench(*TINY, "--json", str(path))
    assert result.returncode == 0, result.stderr
    return result, json.loads(path.read_text())


def test_json_follows_the_documented_schema(tiny_run):
    _, doc = tiny_run
    assert doc["schema"] == SCHEMA
    assert {"created", "git_revision", "machine", "versions", "bandwidth_gbs", "settings",
            "results"} <= set(doc)
    assert {"cpu", "cpus", "simd_level", "gpu", "platform"} <= set(doc["machine"])
    assert {"mathfront", "numpy", "python"} <= set(doc["versions"])
    for bandwidth in doc["bandwidth_gbs"].values():
        assert bandwidth["copy"] > 0 and bandwidth["triad"] > 0
    backends = {r["backend"] for r in doc["results"]}
    assert "numpy" in backends
    for r in doc["results"]:
        assert {"op", "dtype", "size", "backend", "threads", "seconds", "spread", "rounds",
                "launch_seconds", "gbs", "bandwidth_pct", "speedup", "noise"} <= set(r)
        assert r["seconds"] > 0 and len(r["rounds"]) == 2 and r["noise"] >= 0
        case = Case(r["op"], r["dtype"], r["size"])
        assert r["gbs"] == pytest.approx(case.nbytes() / r["seconds"] / 1e9)
        if r["backend"] == "numpy":
            assert r["speedup"] == pytest.approx(1.0)


def test_every_figure_is_of_the_best_round(tiny_run):
    """The time, GB/s and speed-up shown agree: NumPy's time / this time is the speed-up."""
    _, doc = tiny_run
    numpy = {(r["op"], r["dtype"], r["size"]): r for r in doc["results"]
             if r["backend"] == "numpy"}
    for r in doc["results"]:
        assert r["seconds"] == min(r["rounds"])
        assert r["median_seconds"] == pytest.approx(float(np.median(r["rounds"])))
        reference = numpy[r["op"], r["dtype"], r["size"]]
        assert r["speedup"] == pytest.approx(reference["seconds"] / r["seconds"])


def test_saved_run_loads_as_a_baseline(tiny_run, tmp_path):
    _, doc = tiny_run
    path = tmp_path / "baseline.json"
    report.save(doc, str(path))
    assert report.load(str(path))["results"] == doc["results"]


def test_table_is_printed(tiny_run):
    result, _ = tiny_run
    assert "speed-up" in result.stdout and "add" in result.stdout and "numpy" in result.stdout
    assert "Best of 2 rounds" in result.stdout
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in result.stdout, result.stdout


# --- the table, from fixed data ----------------------------------------------------------

def row(op, dtype, size, backend, threads, seconds, gbs, pct, speedup, launch=None):
    return {"op": op, "dtype": dtype, "size": size, "backend": backend, "threads": threads,
            "seconds": seconds, "spread": 0.123, "gbs": gbs, "bandwidth_pct": pct,
            "speedup": speedup, "launch_seconds": launch}


def render(results, width=80):
    import io

    from rich.console import Console

    doc = {"machine": {"cpu": "Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz",
                       "simd_level": "avx512"},
           "bandwidth_gbs": {"2": {"triad": 20.3}, "16": {"triad": 151.7}},
           "settings": {"rounds": 15}, "results": results}
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(report.table(doc))
    return console.file.getvalue()


CPU_ROWS = [
    row("add", "float64", 1000, "numpy", None, 1.73e-4, 0.139, 0.7, 1.0),
    row("add", "float64", 1000, "cpp", 2, 1.61e-4, 72.4, 357.2, 1.07),
    row("nanmean", "float32", 10_000_000, "numpy", None, 1.2345, 123.4, 35.2, 1.0),
    row("nanmean", "float32", 10_000_000, "cpp", 16, 0.01, 1234.5, 99.6, 16.55),
    row("argmax", "float64", 2_500_000, "cpp", 16, 2.5e-8, 0.001, 0.0, 0.5),
]


def test_table_fits_80_columns_uncut():
    text = render(CPU_ROWS)
    lines = text.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in text, text
    for cell in ("add float64 1e3", "nanmean float32 1e7", "argmax float64 2.5e6", "173 µs",
                 "1.23 s", "25 ns", "cpp, 16 thr", "16.55x", "1234", "0.14"):
        assert cell in text, cell
    assert "Best of 15 rounds" in text  # the legend
    assert "launch" not in text  # no device rows: no column of dashes
    assert text.count("add float64 1e3") == 1  # a case is named once, on its first row


def test_table_marks_shares_above_the_measured_bandwidth():
    text = render(CPU_ROWS)
    assert "357*" in text and "100%, in cache" in text
    assert "100*" not in text and " 100 " in text  # 99.6% rounds to 100, unmarked


def test_device_rows_get_a_launch_column():
    gpu = row("add", "float64", 1000, "cuda", None, 1e-5, 24.0, None, 17.3, launch=4.2e-6)
    text = render([*CPU_ROWS[:2], gpu])
    assert "launch" in text and "4.2 µs" in text
    assert max(map(len, text.splitlines())) <= 80 and "…" not in text, text


@pytest.mark.parametrize("n,text", [(1, "1"), (999, "999"), (1000, "1e3"), (10**7, "1e7"),
                                    (2_500_000, "2.5e6"), (1234, "1234"), (1230, "1.23e3")])
def test_sizes_read_as_typed(n, text):
    assert report.size_text(n) == text


def test_bytes_moved():
    assert Case("add", "float64", 10).nbytes() == 3 * 8 * 10
    assert Case("sqrt", "int32", 10).nbytes() == 4 * 10 + 8 * 10  # sqrt of int32 gives float64
    assert Case("sum", "float32", 10).nbytes() == 4 * 10
    assert Case("dot", "float64", 10).nbytes() == 2 * 8 * 10


# --- the regression check, on synthetic results ------------------------------------------------

def result(op, speedup, noise=0.05, backend="cpp", threads=2, size=1000):
    return {"op": op, "dtype": "float64", "size": size, "backend": backend, "threads": threads,
            "speedup": speedup, "noise": noise}


def run_of(*results):
    return {"schema": SCHEMA, "results": list(results)}


OPS = ["add", "sum", "mean", "exp", "sin", "min", "max", "var"]


def test_an_unchanged_run_passes():
    base = run_of(*[result(op, 2.0) for op in OPS])
    factors = [0.9, 1.1, 0.8, 1.2, 1.0, 0.95, 1.05, 0.85]
    now = run_of(*[result(op, 2.0 * f) for op, f in zip(OPS, factors, strict=True)])
    median, bad = report.regressions(report.compare(base, now), report.DEFAULT_THRESHOLD)
    assert bad == [] and 0.9 <= median <= 1.05


def test_a_2x_slowdown_everywhere_is_a_regression_naming_the_cases():
    base = run_of(*[result(op, 4.0, noise=0.5) for op in OPS])  # noisy: no case alone decides
    now = run_of(*[result(op, 2.0, noise=0.5) for op in OPS])
    median, bad = report.regressions(report.compare(base, now), report.DEFAULT_THRESHOLD)
    assert median == pytest.approx(0.5)
    assert {c.key[0] for c in bad} == set(OPS)


def test_one_quiet_case_falling_far_is_a_regression():
    base = run_of(*[result(op, 2.0) for op in OPS])
    now = run_of(*[result(op, 0.5 if op == "exp" else 2.0) for op in OPS])
    _, bad = report.regressions(report.compare(base, now), report.DEFAULT_THRESHOLD)
    assert [c.key[0] for c in bad] == ["exp"]
    assert bad[0].label == "exp float64 1e3 [cpp, 2 thr]"


def test_a_noisy_case_needs_a_larger_fall():
    base = run_of(*[result(op, 2.0) for op in OPS[1:]], result("add", 2.0, noise=0.5))
    now = run_of(*[result(op, 2.0) for op in OPS[1:]], result("add", 0.9, noise=0.1))
    _, bad = report.regressions(report.compare(base, now), report.DEFAULT_THRESHOLD)
    assert bad == []  # 0.45x is within 40% + 50% noise
    now = run_of(*[result(op, 2.0) for op in OPS[1:]], result("add", 0.1, noise=0.1))
    _, bad = report.regressions(report.compare(base, now), report.DEFAULT_THRESHOLD)
    assert [c.key[0] for c in bad] == ["add"]  # 0.05x is below 1 - 40% - 50%


@pytest.mark.parametrize("before,after,noise,flagged,line", [
    (6.14, 5.60, 0.41, False,
     "add float64 1e3 [cpp, 2 thr]: 6.14x -> 5.60x, 9% slower (limit 81%)"),
    (2.0, 2.5, 0.05, False, "add float64 1e3 [cpp, 2 thr]: 2.00x -> 2.50x, 25% faster"),
    (2.0, 2.002, 0.05, False, "add float64 1e3 [cpp, 2 thr]: 2.00x -> 2.00x, unchanged"),
    (6.0, 2.0, 0.05, True,
     "add float64 1e3 [cpp, 2 thr]: 6.00x -> 2.00x, 67% slower: REGRESSED (limit 45%)"),
    (4.0, 2.0, 0.5, True,
     "add float64 1e3 [cpp, 2 thr]: 4.00x -> 2.00x, 50% slower: REGRESSED (the median "
     "fell too)"),
    (4.0, 3.0, 0.9, False,
     "add float64 1e3 [cpp, 2 thr]: 4.00x -> 3.00x, 25% slower (limit 100%)"),
])
def test_a_comparison_reads_plainly(before, after, noise, flagged, line):
    base, now = run_of(result("add", before, noise)), run_of(result("add", after, noise))
    (change,) = report.compare(base, now)
    assert change.describe(flagged) == line


def test_a_version_1_baseline_is_still_compared(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"schema": "mathfront.bench/1", "results": [result("add", 2.0)]}))
    assert report.load(str(path))["results"][0]["speedup"] == 2.0


def test_numpy_and_cases_missing_from_either_run_are_not_compared():
    base = run_of(result("add", 1.0, backend="numpy", threads=None), result("add", 2.0),
                  result("sum", 2.0, size=10))
    now = run_of(result("add", 1.0, backend="numpy", threads=None), result("add", 2.0),
                 result("sum", 2.0, size=99))
    changes = report.compare(base, now)
    assert [c.key for c in changes] == [("add", "float64", 1000, "cpp", 2)]


def test_compare_on_the_command_line(tmp_path, tiny_run):
    _, doc = tiny_run
    same, doctored = tmp_path / "same.json", tmp_path / "doctored.json"
    report.save(doc, str(same))
    better = json.loads(json.dumps(doc))
    for r in better["results"]:
        r["speedup"] *= 20  # a baseline no machine could have produced
    report.save(better, str(doctored))
    ok = bench(*TINY, "--compare", str(same))
    assert ok.returncode in (0, 1)  # a real, tiny run: not asserted noise-free here
    failed = bench(*TINY, "--compare", str(doctored))
    assert failed.returncode == 1
    assert "regressed" in failed.stdout and "add float64" in failed.stdout
    assert "% slower: REGRESSED (" in failed.stdout
    assert max(map(len, failed.stdout.splitlines())) <= 80 and "…" not in failed.stdout


# --- the plot ----------------------------------------------------------------------------------

def test_plot_writes_a_png(tmp_path):
    doc = {"machine": {"cpu": "test CPU", "simd_level": "avx2"}, "git_revision": "abc",
           "results": [result(op, 1.0, backend=b, threads=t, size=n) | {"gbs": g}
                       for op in ("add", "sum", "exp")
                       for b, t, g in (("numpy", None, 1.0), ("cpp", 1, 2.0), ("cpp", 2, 3.0))
                       for n in (10, 1000, 100000)]}
    path = tmp_path / "plot.png"
    report.plot(doc, str(path))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    import matplotlib.image

    image = matplotlib.image.imread(str(path))
    assert image.shape[0] > 200 and image.shape[1] > 600 and np.std(image) > 0.01


@pytest.mark.skipif(not SIMULATOR, reason="needs the CUDA simulator or a GPU")
def test_cuda_event_timing_runs():
    from mathfront.bench.timing import Timed, interleaved

    samples = interleaved({"work": Timed(lambda: sum(range(1000)), cuda=True)}, rounds=3,
                          min_seconds=0.001)["work"]
    assert len(samples.seconds) == len(samples.launch) == 3
    assert min(samples.seconds) > 0 and min(samples.launch) > 0


@pytest.mark.skipif(not SIMULATOR, reason="a smoke test on the simulator (a GPU runs it whole)")
def test_cuda_gpu_bench_runs_end_to_end(tmp_path):
    """benchmarks/gpu_bench.py at toy sizes: every row present, the JSON complete."""
    script = Path(__file__).parents[1] / "benchmarks" / "gpu_bench.py"
    out = tmp_path / "gpu.json"
    done = subprocess.run([sys.executable, str(script), "--log2n", "5", "--small", "32",
                           "--rounds", "1", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())["rows"]
    cases = [r["case"] for r in rows]
    for op in ("add", "multiply", "sum", "mean", "min", "max", "var", "std"):
        for dtype in ("float32", "float64"):
            assert f"{op} {dtype}, 2^5" in cases
    assert any(c.startswith("host time per call: mf.add(a, b),") for c in cases)
    assert all(r["seconds"] > 0 for r in rows)
    assert "| add float32, 2^5 |" in done.stdout
