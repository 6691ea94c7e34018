"""``python -m mathfront info`` and ``python -m mathfront bench``."""

from __future__ import annotations

import contextlib
import json
import sys
import warnings


def _print_info(info: dict) -> None:
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    cpu = info["cpu"]
    print(f"mathfront {info['mathfront']} on Python {info['python']} ({info['platform']})")
    print(f"versions: {versions}")
    print(f"CPU: {cpu['model']} ({cpu['machine']}), {cpu['cpus']} CPUs available to this process")
    print(f"threads: {info['threads']} (mf.set_num_threads / MATHFRONT_NUM_THREADS)")
    print("backends:")
    for b in info["backends"]:
        if not b["available"]:
            print(f"  {b['name']:<8} unavailable: {b['reason']}")
            continue
        extra = {k: v for k, v in b.items()
                 if k not in ("name", "available", "reason", "device", "threads", "priority")}
        details = "  ".join(f"{k}={' '.join(v) if isinstance(v, list) else v}"
                            for k, v in extra.items())
        print(f"  {b['name']:<8} available on {b['device']}, threads={b['threads']}  {details}")
    gpus = [b for b in info["backends"] if b["device"] != "cpu" and b.get("gpu")]
    print("GPU: " + (", ".join(f"{b['gpu']}" for b in gpus) if gpus else "none usable"))
    default = info["default_backend"]
    state = "unusable (see the error below)" if default["problem"] else "in use"
    print(f"default backend: {default['name']} ({default['source']}), {state}")


@contextlib.contextmanager
def _warnings_as_lines(prog: str):
    """Warnings raised inside (a bad MATHFRONT_NUM_THREADS or MATHFRONT_CPU_LEVEL),
    each printed once as one line on stderr instead of Python's two."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            yield
        finally:
            for message in dict.fromkeys(str(w.message) for w in caught):
                print(f"{prog}: warning: {message}", file=sys.stderr)


def main(argv=None) -> int:
    from mathfront.bench.cli import Parser, add_arguments
    from mathfront.bench.report import BenchError

    parser = Parser(prog="python -m mathfront", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser("info", help="versions, backends, CPU SIMD level, threads, GPU")
    info.add_argument("--json", action="store_true", help="print the facts as JSON")
    bench = commands.add_parser("bench", help="time the backends against NumPy")
    add_arguments(bench)
    try:
        args = parser.parse_args(argv)
        import mathfront as mf

        with _warnings_as_lines(parser.prog):
            facts = mf.info()  # loads every backend: their warnings come now
        if args.command == "bench":
            from mathfront.bench.cli import main as bench_main

            return bench_main(args)
        if args.json:
            json.dump(facts, sys.stdout, indent=2, default=str)
            print()
        else:
            _print_info(facts)
        problem = facts["default_backend"]["problem"]
        if problem:
            print(f"{parser.prog}: error: {problem}", file=sys.stderr)
            return 2
        return 0
    except BenchError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
