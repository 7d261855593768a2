"""`nox -s bench`: decode, receive, encode, import and memory, side by side in one run.

Every per-message row times the same ~10,000 frames (benchmarks/stream.py, fixed seed) as bytes,
best of several repeats, and shows its ratio to the floor row (orjson.loads to dicts, no
validation). Prints a table, writes benchmarks/results.json, and with --readme rewrites the
benchmark section of README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jsonschema_rs
import msgspec
import orjson
from interhumanai import __version__ as sdk_version
from interhumanai.stream import parse_stream_event

import interhuman_stream as ih
from interhuman_stream._codec import _check_uuid, _checked_uuids, _server_decoder

from .stream import Session, session_frames

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
BEGIN = "<!-- BEGIN benchmark table: written by `nox -s bench` -->"
END = "<!-- END benchmark table -->"


def best_per_item(run: Callable[[], int], repeats: int) -> float:
    """Best time per item in ns over `repeats` runs; `run` returns how many items it did."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter_ns()
        count = run()
        best = min(best, (time.perf_counter_ns() - start) / count)
    return best


def over(frames: list[bytes], parse: Callable[[bytes], Any]) -> Callable[[], int]:
    def run() -> int:
        for frame in frames:
            parse(frame)
        return len(frames)

    return run


def ready_client(session: Session) -> ih.ClientConnection:
    """A client past the opening, its segments sent: ready for the analysis frames."""
    client = ih.ClientConnection()
    client.receive_message(session.opening[0])
    client.send_config(["conversation_quality_overall", "conversation_quality_timeline"])
    for frame in session.opening[1:]:
        client.receive_message(frame)
    for segment in session.segments:
        client.send_segment(segment)
    return client


def best_receive(session: Session, repeats: int) -> float:
    """ClientConnection.receive_message over the analysis part of a contract-valid session;
    the opening and the client's segments happen outside the timed loop."""
    best = float("inf")
    for _ in range(repeats):
        client = ready_client(session)
        receive = client.receive_message
        gc.collect()
        start = time.perf_counter_ns()
        for frame in session.bulk:
            receive(frame)
        best = min(best, (time.perf_counter_ns() - start) / len(session.bulk))
        if client.violations:
            raise AssertionError(f"the stream broke the contract: {client.violations[:3]}")
    return best


def engine_only(session: Session, repeats: int) -> float:
    """The contract engine alone, on frames decoded beforehand (for the profile)."""
    messages = [ih.decode_server_message(frame) for frame in session.bulk]
    best = float("inf")
    for _ in range(repeats):
        core = ready_client(session)._core
        gc.collect()
        start = time.perf_counter_ns()
        for message in messages:
            core.on[type(message)](core, message, None)
        best = min(best, (time.perf_counter_ns() - start) / len(messages))
    return best


def empty_call(frames: list[bytes], repeats: int) -> float:
    def nothing(frame: bytes) -> None:
        return None

    return best_per_item(over(frames, nothing), repeats)


def schema_validator() -> Any:
    schema = json.loads((ROOT / "spec" / "protocol.schema.json").read_text(encoding="utf-8"))
    root = {**schema, "$ref": "#/$defs/ServerMessage"}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


def import_time(runs: int) -> tuple[float, float, float]:
    """Median wall time (ms) of a fresh interpreter importing the package, minus a bare start,
    as a project that vendors it sees it: `python -I` with a path holding only the package and
    msgspec. Also msgspec's own import, the floor under ours."""
    with tempfile.TemporaryDirectory() as folder:
        vendor = Path(folder)
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(Path(ih.__file__).parent, vendor / "interhuman_stream", ignore=ignore)
        shutil.copytree(Path(msgspec.__file__).parent, vendor / "msgspec", ignore=ignore)
        prefix = f"import sys; sys.path.insert(0, {str(vendor)!r}); "

        def median(code: str) -> float:
            subprocess.run([sys.executable, "-I", "-c", code], check=True)  # writes .pyc files
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                subprocess.run([sys.executable, "-I", "-c", code], check=True)
                times.append((time.perf_counter() - start) * 1000)
            return statistics.median(times)

        bare = median(prefix)
        ours = median(prefix + "import interhuman_stream") - bare
        floor = median(prefix + "import msgspec") - bare
        return ours, floor, bare


def memory_per(make: Callable[[], object], count: int = 10_000) -> float:
    """Bytes per object: tracemalloc over `count` live objects."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    kept = [make() for _ in range(count)]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # The list holding them is not part of any object.
    grown -= sys.getsizeof(kept)
    del kept
    return grown / count


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
        "msgspec": msgspec.__version__,
        "orjson": orjson.__version__,
        "interhumanai": sdk_version,
    }


def measure(repeats: int, import_runs: int) -> dict[str, Any]:
    session = session_frames()
    frames = session.server_frames  # the whole session, opening and closing included
    untyped = msgspec.json.Decoder()
    validator = schema_validator()

    def sdk(frame: bytes) -> Any:
        return parse_stream_event(json.loads(frame))

    def schema(frame: bytes) -> Any:
        return validator.is_valid(orjson.loads(frame))

    timed: dict[str, Callable[[], float]] = {
        "orjson.loads (floor, dicts, no validation)": lambda: one(orjson.loads),
        "msgspec.json.decode (untyped)": lambda: one(untyped.decode),
        "decode_server_message (typed, validated)": lambda: one(ih.decode_server_message),
        "ClientConnection.receive_message (decode + contract)": lambda: best_receive(session, 1),
        f"interhumanai {sdk_version}: json.loads + parse_stream_event": lambda: one(sdk),
        "jsonschema_rs validate (after orjson.loads)": lambda: one(schema),
        "the same decode without the unknown-type fallback (reference)": lambda: one(
            _decode_without_unknown_types
        ),
        "contract engine alone, pre-decoded (profile)": lambda: engine_only(session, 1),
        "an empty Python function call (profile)": lambda: empty_call(frames, 1),
    }

    def one(parse: Callable[[bytes], Any]) -> float:
        return best_per_item(over(frames, parse), 1)

    # Round robin: each repeat times every row once, so a noisy moment on a shared machine
    # touches all rows alike; each row keeps its best.
    rows = dict.fromkeys(timed, float("inf"))
    for _ in range(repeats):
        for name, run in timed.items():
            rows[name] = min(rows[name], run())

    unknown = [
        frame.replace(b'"type":"signal.ended"', b'"type":"signal.paused"') for frame in frames
    ]
    unknown = [frame for frame in unknown if b"signal.paused" in frame]
    unknown_cost = best_per_item(over(unknown, ih.decode_server_message), repeats)

    config = ih.messages.SessionConfig(
        include=["conversation_quality_overall", "conversation_quality_timeline"]
    )
    config_dict = {"include": ["conversation_quality_overall", "conversation_quality_timeline"]}
    encode = best_per_item(_encode_run(config), repeats)
    dumps = best_per_item(_dumps_run(config_dict), repeats)
    send = best_per_item(_send_config_run(), repeats)

    imported, msgspec_import, bare = import_time(import_runs)
    ready = session_ready_data()
    client_bytes = memory_per(ih.ClientConnection)
    server_bytes = memory_per(lambda: ih.ServerConnection(ready, uuid.UUID(int=1)))
    return {
        "machine": machine(),
        "messages": len(frames),
        "mix": _mix(frames),
        "rows_ns_per_message": rows,
        "unknown_type_ns_per_message": unknown_cost,
        "encode_config_ns": encode,
        "json_dumps_config_ns": dumps,
        "send_config_ns": send,
        "import_ms_above_startup": imported,
        "msgspec_import_ms_above_startup": msgspec_import,
        "bare_startup_ms": bare,
        "client_connection_bytes": client_bytes,
        "server_connection_bytes": server_bytes,
    }


def _encode_run(config: ih.messages.SessionConfig, count: int = 10_000) -> Callable[[], int]:
    encode = ih.encode_client_message

    def run() -> int:
        for _ in range(count):
            encode(config)
        return count

    return run


def _dumps_run(config: dict[str, Any], count: int = 10_000) -> Callable[[], int]:
    dumps = json.dumps

    def run() -> int:
        for _ in range(count):
            dumps(config).encode()
        return count

    return run


def _decode_without_unknown_types(data: bytes) -> ih.ServerMessage:
    """decode_server_message minus its unknown-type fallback: what known types would cost if
    unknown ones were not supported."""
    message: ih.ServerMessage = _server_decoder.decode(data)
    if message.correlation_id not in _checked_uuids:
        _check_uuid(message.correlation_id, "$.correlation_id", data)
    return message


def _send_config_run() -> Callable[[], int]:
    def run() -> int:
        client = ih.ClientConnection()
        send = client.send_config
        for _ in range(2_000):
            send(["conversation_quality_overall"])
        return 2_000

    return run


def session_ready_data() -> ih.messages.SessionReadyData:
    return ih.messages.SessionReadyData(
        session_idle_timeout_seconds=300,
        session_max_duration_seconds=3600,
        min_segment_size_bytes=1,
        max_segment_size_bytes=33_554_432,
        supported_session_config_options=ih.messages.SessionOptions(
            include=["conversation_quality_overall"]
        ),
    )


def _mix(frames: Iterable[bytes]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for frame in frames:
        kind = orjson.loads(frame)["type"]
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def table(results: dict[str, Any]) -> str:
    rows = results["rows_ns_per_message"]
    floor = next(iter(rows.values()))
    decode = rows["decode_server_message (typed, validated)"]
    lines = [
        "| Row | ns/message | messages/s | x floor |",
        "|---|---:|---:|---:|",
    ]
    for name, ns in rows.items():
        lines.append(f"| {name} | {ns:,.0f} | {1e9 / ns:,.0f} | {ns / floor:.2f} |")
    sdk = next(ns for name, ns in rows.items() if name.startswith("interhumanai"))
    receive = rows["ClientConnection.receive_message (decode + contract)"]
    typed = rows["the same decode without the unknown-type fallback (reference)"]
    m = results["machine"]
    checks = [
        ("decode ≤ 1.0x floor", decode / floor, decode / floor <= 1.0),
        ("decode ≥ 8x faster than the SDK", sdk / decode, sdk / decode >= 8),
        ("receive ≤ 1.3x decode", receive / decode, receive / decode <= 1.3),
        (
            "unknown-type support, cost on known types (x the same decode without it)",
            decode / typed,
            decode / typed <= 1.03,
        ),
        ("encode ≤ 300 ns", results["encode_config_ns"], results["encode_config_ns"] <= 300),
        (
            "import ≤ 40 ms above startup",
            results["import_ms_above_startup"],
            results["import_ms_above_startup"] <= 40,
        ),
        (
            "≤ 2 KiB per idle ClientConnection",
            results["client_connection_bytes"],
            results["client_connection_bytes"] <= 2048,
        ),
        (
            "≤ 2 KiB per idle ServerConnection",
            results["server_connection_bytes"],
            results["server_connection_bytes"] <= 2048,
        ),
    ]
    lines += [
        "",
        f"Encode a config frame: {results['encode_config_ns']:,.0f} ns "
        f"(`json.dumps` of the same dict: {results['json_dumps_config_ns']:,.0f} ns; "
        f"`ClientConnection.send_config`, checks included: {results['send_config_ns']:,.0f} ns). "
        f"A message of an unknown type: {results['unknown_type_ns_per_message']:,.0f} ns. "
        f"Import (vendored, `python -I`): {results['import_ms_above_startup']:.1f} ms above a "
        f"bare start of {results['bare_startup_ms']:.1f} ms, of which msgspec's own import is "
        f"{results['msgspec_import_ms_above_startup']:.1f} ms. Memory: "
        f"{results['client_connection_bytes']:,.0f} B per idle ClientConnection, "
        f"{results['server_connection_bytes']:,.0f} B per idle ServerConnection.",
        "",
        "| Target | Measured | Met |",
        "|---|---:|:---:|",
    ]
    lines += [
        f"| {name} | {value:,.2f} | {'yes' if met else 'no'} |" for name, value, met in checks
    ]
    lines += [
        "",
        f"{results['messages']:,} messages, best of the repeats; {m['cpu']}, {m['cores']} cores, "
        f"{m['implementation']} {m['python']}, {m['system']}; msgspec {m['msgspec']}, "
        f"orjson {m['orjson']}, interhumanai {m['interhumanai']}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--import-runs", type=int, default=21)
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's benchmark table")
    args = parser.parse_args(argv)
    results = measure(args.repeats, args.import_runs)
    text = table(results)
    print(text)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.readme:
        readme = ROOT / "README.md"
        content = readme.read_text(encoding="utf-8")
        start, stop = content.find(BEGIN), content.find(END)
        if start < 0 or stop < start:
            print(f"README.md has no {BEGIN!r} … {END!r} section", file=sys.stderr)
            return 1
        readme.write_text(
            content[: start + len(BEGIN)] + "\n" + text + "\n" + content[stop:], encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
