"""`nox -s bench`: decode, receive, encode, import and memory, side by side in one run.

Every per-message row times the same ~10,000 frames (benchmarks/stream.py, fixed seed) as bytes.
The estimator is paired and interleaved, for a shared, noisy machine: after one warm-up round,
each round times every row once, in an order shuffled with a fixed seed; a row reports the
median over rounds of its ns/message, and a ratio between two rows is the median of the
per-round ratios (both sides measured in the same round). A second part plays a short session
on 1,000, 4,000 and 10,000 ClientConnections at once, each with its own correlation id,
round-robin. Prints the tables, writes benchmarks/results.json, and with --readme rewrites the
benchmark section of README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import jsonschema_rs
import msgspec
import orjson
from interhumanai import __version__ as sdk_version
from interhumanai.stream import parse_stream_event

import interhuman_stream as ih
from interhuman_stream import _codec

from .stream import Session, session_frames

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
BEGIN = "<!-- BEGIN benchmark table: written by `nox -s bench` -->"
END = "<!-- END benchmark table -->"
SEED = 20261124
# The timed passes read the thread's CPU time: on a shared machine, time spent descheduled while
# a neighbour runs is not the code's cost (it still pays for caches a neighbour evicts).
CLOCK = time.thread_time_ns
INCLUDE = ["conversation_quality_overall", "conversation_quality_timeline"]

FLOOR = "orjson.loads (floor, dicts, no validation)"
UNTYPED = "msgspec.json.decode (untyped)"
DECODE = "decode_server_message (typed, validated)"
RECEIVE = "ClientConnection.receive_message (decode + contract)"
SDK = f"interhumanai {sdk_version}: json.loads + parse_stream_event"
SCHEMA = "jsonschema_rs validate (after orjson.loads)"
REFERENCE = "the same decode without the unknown-type fallback (reference)"
ENGINE = "contract engine alone, pre-decoded (profile)"
EMPTY = "an empty Python function call (profile)"
UNKNOWN = "unknown_type_ns_per_message"
ENCODE = "encode_config_ns"
DUMPS = "json_dumps_config_ns"
SEND = "send_config_ns"

# name -> (numerator row, denominator row): each is the median of the per-round ratios.
RATIOS = {
    "decode / floor": (DECODE, FLOOR),
    "SDK / decode": (SDK, DECODE),
    "receive / decode": (RECEIVE, DECODE),
    "decode / decode without the unknown-type fallback": (DECODE, REFERENCE),
}

# The connections part: how many at once, and the session each one plays.
CONNECTION_COUNTS = (1_000, 4_000, 10_000)
CONNECTION_SESSION_MESSAGES = 50
SCALE_RECEIVE = "receive"
SCALE_DECODE = "decode"


def per_item(run: Callable[[], int]) -> float:
    """One timed pass: ns per item; `run` returns how many items it did."""
    gc.collect()
    start = CLOCK()
    count = run()
    return (CLOCK() - start) / count


def timer(run: Callable[[], int]) -> Callable[[], float]:
    return lambda: per_item(run)


def over(frames: list[bytes], parse: Callable[[bytes], Any]) -> Callable[[], int]:
    def run() -> int:
        for frame in frames:
            parse(frame)
        return len(frames)

    return run


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """First quartile, median and third quartile (the middle half of the rounds)."""
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def paired(numerator: Sequence[float], denominator: Sequence[float]) -> dict[str, float]:
    """The median (and quartiles) of the per-round ratios of two rows timed in the same rounds."""
    q1, median, q3 = quartiles([a / b for a, b in zip(numerator, denominator, strict=True)])
    return {"median": median, "q1": q1, "q3": q3}


def interleaved(
    timed: dict[str, Callable[[], float]], rounds: int, rng: random.Random
) -> dict[str, list[float]]:
    """Every row once per round, in a shuffled order; one untimed warm-up round first."""
    samples: dict[str, list[float]] = {name: [] for name in timed}
    names = list(timed)
    for warm in [True] + [False] * rounds:
        rng.shuffle(names)
        for name in names:
            value = timed[name]()
            if not warm:
                samples[name].append(value)
    return samples


def ready_client(session: Session) -> ih.ClientConnection:
    """A client past the opening, its segments sent: ready for the analysis frames."""
    client = ih.ClientConnection()
    client.receive_message(session.opening[0])
    client.send_config(INCLUDE)
    for frame in session.opening[1:]:
        client.receive_message(frame)
    for segment in session.segments:
        client.send_segment(segment)
    return client


def receive_once(session: Session) -> float:
    """ClientConnection.receive_message over the analysis part of a contract-valid session;
    the opening and the client's segments happen outside the timed pass."""
    client = ready_client(session)
    ns = per_item(over(session.bulk, client.receive_message))
    if client.violations:
        raise AssertionError(f"the stream broke the contract: {client.violations[:3]}")
    return ns


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


def schema_validator() -> Any:
    schema = json.loads((ROOT / "spec" / "protocol.schema.json").read_text(encoding="utf-8"))
    root = {**schema, "$ref": "#/$defs/ServerMessage"}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


def import_time(runs: int, rng: random.Random) -> dict[str, Any]:
    """Wall time (ms) of a fresh interpreter importing the package, minus a bare start, as a
    project that vendors it sees it: `python -I` with a path holding only the package and
    msgspec; also msgspec's own import, the floor under ours. Each run starts the three in a
    shuffled order; the results are medians of the per-run differences to the bare start, in
    the child's CPU time (user + system), with the wall time alongside."""
    with tempfile.TemporaryDirectory() as folder:
        vendor = Path(folder)
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(Path(ih.__file__).parent, vendor / "interhuman_stream", ignore=ignore)
        shutil.copytree(Path(msgspec.__file__).parent, vendor / "msgspec", ignore=ignore)
        prefix = f"import sys; sys.path.insert(0, {str(vendor)!r}); "
        codes = {
            "bare": prefix,
            "ours": prefix + "import interhuman_stream",
            "msgspec": prefix + "import msgspec",
        }

        def start(code: str) -> tuple[float, float]:
            """CPU time (user + system) and wall time of one child interpreter, in ms."""
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            begin = time.perf_counter()
            subprocess.run([sys.executable, "-I", "-c", code], check=True)
            wall = (time.perf_counter() - begin) * 1000
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            return cpu * 1000, wall

        for code in codes.values():
            start(code)  # writes the .pyc files
        cpu: dict[str, list[float]] = {name: [] for name in codes}
        wall: dict[str, list[float]] = {name: [] for name in codes}
        names = list(codes)
        for _ in range(runs):
            rng.shuffle(names)
            for name in names:
                cpu_ms, wall_ms = start(codes[name])
                cpu[name].append(cpu_ms)
                wall[name].append(wall_ms)

    def above(times: dict[str, list[float]], name: str) -> list[float]:
        return [a - b for a, b in zip(times[name], times["bare"], strict=True)]

    q1, median, q3 = quartiles(above(cpu, "ours"))
    return {
        "import_ms_above_startup": median,
        "import_ms_quartiles": {"q1": q1, "q3": q3},
        "msgspec_import_ms_above_startup": statistics.median(above(cpu, "msgspec")),
        "bare_startup_ms": statistics.median(cpu["bare"]),
        "import_wall_ms_above_startup": statistics.median(above(wall, "ours")),
        "bare_startup_wall_ms": statistics.median(wall["bare"]),
    }


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


def per_message_rows(session: Session) -> dict[str, Callable[[], float]]:
    """Every timed row: name -> one timed pass, in ns per message (or per call)."""
    frames = session.server_frames  # the whole session, opening and closing included
    untyped = msgspec.json.Decoder()
    validator = schema_validator()

    def sdk(frame: bytes) -> Any:
        return parse_stream_event(json.loads(frame))

    def schema(frame: bytes) -> Any:
        return validator.is_valid(orjson.loads(frame))

    def nothing(frame: bytes) -> None:
        return None

    unknown = [
        frame.replace(b'"type":"signal.ended"', b'"type":"signal.paused"') for frame in frames
    ]
    unknown = [frame for frame in unknown if b"signal.paused" in frame]
    config = ih.messages.SessionConfig(include=INCLUDE)
    rows: dict[str, Callable[[], int]] = {
        FLOOR: over(frames, orjson.loads),
        UNTYPED: over(frames, untyped.decode),
        DECODE: over(frames, ih.decode_server_message),
        SDK: over(frames, sdk),
        SCHEMA: over(frames, schema),
        REFERENCE: over(frames, _decode_without_unknown_types),
        EMPTY: over(frames, nothing),
        UNKNOWN: over(unknown, ih.decode_server_message),
        ENCODE: _encode_run(config),
        DUMPS: _dumps_run({"include": INCLUDE}),
        SEND: _send_config_run(),
    }
    timed = {name: timer(run) for name, run in rows.items()}
    timed[RECEIVE] = lambda: receive_once(session)
    timed[ENGINE] = lambda: engine_only(session, 1)  # one pass per round
    return timed


def measure(rounds: int, import_runs: int, connection_rounds: int) -> dict[str, Any]:
    session = session_frames()
    rng = random.Random(SEED)
    samples = interleaved(per_message_rows(session), rounds, rng)
    order = [FLOOR, UNTYPED, DECODE, RECEIVE, SDK, SCHEMA, REFERENCE, ENGINE, EMPTY]
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ready = session_ready_data()
    return {
        "machine": machine(),
        "messages": len(session.server_frames),
        "mix": _mix(session.server_frames),
        "rounds": rounds,
        "estimator": "median over interleaved rounds (order shuffled per round, fixed seed, "
        "one warm-up round); ratios are medians of per-round paired ratios",
        "clock": "time.thread_time_ns (the engine profile row: time.perf_counter_ns)",
        "rows_ns_per_message": {name: medians[name] for name in order},
        "x_floor": {name: paired(samples[name], samples[FLOOR]) for name in order},
        "ratios": {
            name: paired(samples[top], samples[bottom]) for name, (top, bottom) in RATIOS.items()
        },
        UNKNOWN: medians[UNKNOWN],
        ENCODE: medians[ENCODE],
        DUMPS: medians[DUMPS],
        SEND: medians[SEND],
        **import_time(import_runs, rng),
        "client_connection_bytes": memory_per(ih.ClientConnection),
        "server_connection_bytes": memory_per(lambda: ih.ServerConnection(ready, uuid.UUID(int=1))),
        "connections": connections(connection_rounds, rng),
        "samples_ns": {name: [round(v, 1) for v in values] for name, values in samples.items()},
    }


# --- Many connections in one process --------------------------------------------------------


def connection_ids(count: int, rng: random.Random) -> list[bytes]:
    """Distinct correlation ids (UUID 4), as they appear in the frames."""
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)).encode() for _ in range(count)]
    if len(set(ids)) != count:  # pragma: no cover - 122 random bits do not collide
        raise AssertionError("two connections drew the same correlation id")
    return ids


def play(
    clients: list[ih.ClientConnection],
    ids: list[bytes],
    session: Session,
    on_column: Callable[[int, list[bytes]], None],
) -> int:
    """Each client plays `session` under its own correlation id, round-robin: every client
    receives its next server frame (client 0, then client 1, ...), then the next one. Between
    columns the clients send what a recorder sends: the config after session.ready, the
    segments after session.updated (untimed). `on_column` receives each column of frames, one
    per client in order. Returns the number of server frames."""
    ready = ih.decode_server_message(session.opening[0])
    if not isinstance(ready, ih.messages.SessionReady):
        raise AssertionError("the session does not open with session.ready")
    base = ready.correlation_id.encode()
    script = [*session.opening, *session.bulk]
    for step, template in enumerate(script):
        if template.count(base) != 1:
            raise AssertionError(f"frame {step} does not hold the correlation id once")
        on_column(step, [template.replace(base, own) for own in ids])
        if step == 0:
            for client in clients:
                client.send_config(INCLUDE)
        elif step == len(session.opening) - 1:
            for client in clients:
                for segment in session.segments:
                    client.send_segment(segment)
    for client in clients[:: max(1, len(clients) // 100)]:
        if client.violations:
            raise AssertionError(f"a connection broke the contract: {client.violations[:3]}")
    return len(script) * len(clients)


def timed_connections(ids: list[bytes], session: Session) -> dict[str, float]:
    """One round at one count: ns per message for receive_message over every connection, and
    for decode_server_message over the same columns (process-wide; alternating which goes
    first, column by column); also the part of each spent in cyclic garbage collections that
    started during it (gc.callbacks)."""
    clients = [ih.ClientConnection() for _ in ids]
    receivers = [client.receive_message for client in clients]
    decode = ih.decode_server_message
    spent = {SCALE_RECEIVE: 0, SCALE_DECODE: 0, f"{SCALE_RECEIVE}_gc": 0, f"{SCALE_DECODE}_gc": 0}
    phase: list[str] = []  # what is being timed, if anything
    collecting: list[tuple[str, int]] = []

    def on_gc(stage: str, info: dict[str, int]) -> None:
        if stage == "start" and phase:
            collecting.append((f"{phase[-1]}_gc", CLOCK()))
        elif stage == "stop" and collecting:
            name, began = collecting.pop()
            spent[name] += CLOCK() - began

    def receive_column(column: list[bytes]) -> None:
        phase.append(SCALE_RECEIVE)
        start = CLOCK()
        for receive, frame in zip(receivers, column, strict=True):
            receive(frame)
        spent[SCALE_RECEIVE] += CLOCK() - start
        phase.pop()

    def decode_column(column: list[bytes]) -> None:
        phase.append(SCALE_DECODE)
        start = CLOCK()
        for frame in column:
            decode(frame)
        spent[SCALE_DECODE] += CLOCK() - start
        phase.pop()

    def on_column(step: int, column: list[bytes]) -> None:
        # The receive has to come first while the connection is opening (it is session state).
        if step % 2 == 0 or step < len(session.opening):
            receive_column(column)
            decode_column(column)
        else:
            decode_column(column)
            receive_column(column)

    gc.collect()
    gc.callbacks.append(on_gc)
    try:
        messages = play(clients, ids, session, on_column)
    finally:
        gc.callbacks.remove(on_gc)
    return {name: ns / messages for name, ns in spent.items()}


def connection_memory(ids: list[bytes], session: Session) -> float:
    """Bytes per connection after the session's opening and analysis frames (tracemalloc,
    so in a pass of its own, untimed): the connections, what they keep, and anything the
    process keeps because of them."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    clients = [ih.ClientConnection() for _ in ids]

    def on_column(step: int, column: list[bytes]) -> None:
        for client, frame in zip(clients, column, strict=True):
            client.receive_message(frame)

    play(clients, ids, session, on_column)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before - sys.getsizeof(clients)
    tracemalloc.stop()
    return grown / len(clients)


def connections(rounds: int, rng: random.Random) -> dict[str, Any]:
    """1,000, 4,000 and 10,000 connections: every round plays each count once (counts in a
    shuffled order, fresh connections); then one memory pass per count."""
    session = session_frames(CONNECTION_SESSION_MESSAGES)
    ids = connection_ids(max(CONNECTION_COUNTS), rng)
    samples: dict[int, list[dict[str, float]]] = {count: [] for count in CONNECTION_COUNTS}
    counts = list(CONNECTION_COUNTS)
    for _ in range(rounds):
        rng.shuffle(counts)
        for count in counts:
            samples[count].append(timed_connections(ids[:count], session))
    smallest = CONNECTION_COUNTS[0]
    rows = []
    for count in CONNECTION_COUNTS:
        row: dict[str, Any] = {"connections": count}
        for kind in (SCALE_RECEIVE, SCALE_DECODE):
            mine = [sample[kind] for sample in samples[count]]
            ns = statistics.median(mine)
            row[f"{kind}_ns_per_message"] = ns
            row[f"{kind}_messages_per_second"] = 1e9 / ns
            row[f"{kind}_x_{smallest}"] = paired(
                mine, [sample[kind] for sample in samples[smallest]]
            )
            row[f"{kind}_gc_ns_per_message"] = statistics.median(
                sample[f"{kind}_gc"] for sample in samples[count]
            )
        row["bytes_per_connection"] = connection_memory(ids[:count], session)
        rows.append(row)
    return {
        "rounds": rounds,
        "frames_per_connection": len(session.opening) + len(session.bulk),
        "segments_per_connection": len(session.segments),
        "mix_per_connection": _mix([*session.opening, *session.bulk]),
        "rows": rows,
    }


# --- Helpers for the rows -------------------------------------------------------------------


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


# decode_server_message's success path, as the codec has it: the typed decoder, then the
# correlation id's form, checked once per distinct id.
_server_decoder: msgspec.json.Decoder[ih.ServerMessage] = _codec._server_decoder
# (Looked up softly: the core may move the id check out of the codec.)
_checked_uuids: set[str] | None = getattr(_codec, "_checked_uuids", None)
_check_uuid: Callable[[str, str, bytes], None] | None = getattr(_codec, "_check_uuid", None)


def _decode_without_unknown_types(data: bytes) -> ih.ServerMessage:
    """decode_server_message minus its unknown-type fallback: what known types would cost if
    unknown ones were not supported."""
    message: ih.ServerMessage = _server_decoder.decode(data)
    if _checked_uuids is not None and message.correlation_id not in _checked_uuids:
        assert _check_uuid is not None
        _check_uuid(message.correlation_id, "$.correlation_id", data)
    return message


def _send_config_run() -> Callable[[], int]:
    def run() -> int:
        client = ih.ClientConnection()
        send = client.send_config
        waiting = client._core.pending_configs  # at most 64 may wait for an answer (D39):
        for _ in range(2_000):
            send(["conversation_quality_overall"])
            waiting.clear()  # as if answered, which costs nothing here
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


# --- The tables -----------------------------------------------------------------------------


def _spread(ratio: dict[str, float]) -> str:
    return f"{ratio['q1']:.2f} to {ratio['q3']:.2f}"


def table(results: dict[str, Any]) -> str:
    rows = results["rows_ns_per_message"]
    x_floor = results["x_floor"]
    ratios = results["ratios"]
    lines = [
        "| Row | ns/message | messages/s | x floor |",
        "|---|---:|---:|---:|",
    ]
    for name, ns in rows.items():
        lines.append(f"| {name} | {ns:,.0f} | {1e9 / ns:,.0f} | {x_floor[name]['median']:.2f} |")
    m = results["machine"]
    decode_floor = ratios["decode / floor"]
    sdk_decode = ratios["SDK / decode"]
    receive_decode = ratios["receive / decode"]
    unknown = ratios["decode / decode without the unknown-type fallback"]
    q1, _, q3 = quartiles(results["samples_ns"][ENCODE])
    encode = {"q1": q1, "q3": q3}
    checks: list[tuple[str, float, str, bool]] = [
        ("decode ≤ 0.9x the orjson floor", decode_floor["median"], _spread(decode_floor),
         decode_floor["median"] <= 0.9),
        ("decode ≥ 10x faster than the SDK's parse path (SDK / decode)", sdk_decode["median"],
         _spread(sdk_decode), sdk_decode["median"] >= 10),
        ("receive (decode + contract) ≤ 1.25x decode", receive_decode["median"],
         _spread(receive_decode), receive_decode["median"] <= 1.25),
        ("unknown-type support, cost on known types (x the same decode without it)",
         unknown["median"], _spread(unknown), unknown["median"] <= 1.03),
        ("encode ≤ 300 ns", results[ENCODE], _spread(encode), results[ENCODE] <= 300),
        ("import ≤ 40 ms above startup", results["import_ms_above_startup"],
         _spread(results["import_ms_quartiles"]), results["import_ms_above_startup"] <= 40),
        ("≤ 2 KiB per idle ClientConnection", results["client_connection_bytes"], "",
         results["client_connection_bytes"] <= 2048),
        ("≤ 2 KiB per idle ServerConnection", results["server_connection_bytes"], "",
         results["server_connection_bytes"] <= 2048),
    ]  # fmt: skip
    lines += [
        "",
        f"Encode a config frame: {results[ENCODE]:,.0f} ns "
        f"(`json.dumps` of the same dict: {results[DUMPS]:,.0f} ns; "
        f"`ClientConnection.send_config`, checks included: {results[SEND]:,.0f} ns). "
        f"A message of an unknown type: {results[UNKNOWN]:,.0f} ns. "
        f"Import (vendored, `python -I`, CPU time): {results['import_ms_above_startup']:.1f} ms "
        f"above a bare start of {results['bare_startup_ms']:.1f} ms, of which msgspec's own "
        f"import is {results['msgspec_import_ms_above_startup']:.1f} ms (wall time: "
        f"{results['import_wall_ms_above_startup']:.1f} ms above "
        f"{results['bare_startup_wall_ms']:.1f} ms). Memory: "
        f"{results['client_connection_bytes']:,.0f} B per idle ClientConnection, "
        f"{results['server_connection_bytes']:,.0f} B per idle ServerConnection.",
        "",
        "| Target | Measured | Middle half of rounds | Met |",
        "|---|---:|:---:|:---:|",
    ]
    lines += [
        f"| {name} | {value:,.2f} | {spread} | {'yes' if met else 'no'} |"
        for name, value, spread, met in checks
    ]
    lines += [
        "",
        f"{results['messages']:,} messages; every figure is the median of {results['rounds']} "
        "interleaved rounds (each round times every row once, in an order shuffled with a fixed "
        "seed, after one warm-up round), and every ratio (x floor, the targets) is the median of "
        "the paired per-round ratios, both sides timed in the same round; import is the median of "
        "paired differences to a bare start. Timed in the thread's CPU time "
        "(`time.thread_time_ns`; the engine profile row: wall clock). "
        f"{m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']}, {m['system']}; "
        f"msgspec {m['msgspec']}, orjson {m['orjson']}, interhumanai {m['interhumanai']}.",
        "",
        *connections_table(results["connections"]),
    ]
    return "\n".join(lines)


def connections_table(scale: dict[str, Any]) -> list[str]:
    smallest = scale["rows"][0]["connections"]
    lines = [
        f"| Connections in one process | receive: messages/s | ns/message | x {smallest:,} "
        f"| of which cyclic GC, ns | decode_server_message alone: ns/message | x {smallest:,} "
        "| B per connection |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in scale["rows"]:
        lines.append(
            f"| {row['connections']:,} | {row['receive_messages_per_second']:,.0f} "
            f"| {row['receive_ns_per_message']:,.0f} "
            f"| {row[f'receive_x_{smallest}']['median']:.2f} "
            f"| {row['receive_gc_ns_per_message']:,.0f} "
            f"| {row['decode_ns_per_message']:,.0f} "
            f"| {row[f'decode_x_{smallest}']['median']:.2f} "
            f"| {row['bytes_per_connection']:,.0f} |"
        )
    lines += [
        "",
        f"Each connection has its own correlation id (a distinct UUID) and plays the same "
        f"{scale['frames_per_connection']}-frame session (session.ready, session.updated after "
        f"its config, then analysis messages, {scale['segments_per_connection']} segments sent), "
        "round-robin: every connection receives its next frame, connection 0 first, then the "
        "next frame. decode_server_message times the same frames, column by column. Median of "
        f"{scale['rounds']} rounds, counts in a shuffled order each round; x "
        f"{smallest:,} is the median of paired per-round ratios; thread CPU time, as above. "
        "Cyclic GC: the time in garbage "
        "collections that started during the receive loops (gc.callbacks), per message. "
        "B per connection: tracemalloc, "
        "in a pass of its own after the stream (the connection, what it keeps, and what the "
        "process keeps because of it).",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument(
        "--repeats", type=int, default=31, help="interleaved rounds of the per-message rows"
    )
    parser.add_argument("--import-runs", type=int, default=21)
    parser.add_argument(
        "--connection-rounds", type=int, default=3, help="rounds of the many-connections part"
    )
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's benchmark table")
    args = parser.parse_args(argv)
    results = measure(args.repeats, args.import_runs, args.connection_rounds)
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
