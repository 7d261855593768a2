"""What the fuzzers feed the package, and what they check: nothing but the documented errors
may escape decode_server_message or a strict ClientConnection, whatever the bytes.

Inputs are either raw bytes or structure-aware: a golden message parsed, a few members
replaced by hostile JSON values, serialized again. A session is a ready golden followed by
fuzzed frames, so the contract engine sees them in a live session.

Interleavings (Interleaving, random_step) drive both roles' callers and peers at once and
check that every refusal is atomic; see the section below.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import random
import uuid
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec

# The tests' fixtures (tests/ is on the path under pytest and in `nox -s fuzz`): one ready,
# one epoch, one container head for both.
from harness import ALL_FLAGS, ALL_GOALS, CID, EPOCH, WEBM_HEAD, ready_data
from msgspec import UNSET, Struct

import interhuman_stream as ih
from interhuman_stream._versions import protocol_version

EXAMPLES = Path(__file__).resolve().parent.parent / "spec" / "examples" / "server"
GOLDENS: list[bytes] = sorted(path.read_bytes() for path in EXAMPLES.glob("*.json"))
READY: bytes = (EXAMPLES / "session.ready--reference.json").read_bytes()
DOCUMENTED = (ih.DecodeError, ih.RemoteProtocolError)

HOSTILE: list[Any] = [
    None, True, False, 0, -1, 2**63, -(2**64), 1e308, -0.0, 3.0, 0.5, "", " ", "\u0000",
    "\ud7ff", "😀" * 50, "x" * 5000, [], [[[[[]]]]], {}, {"type": "error"}, "2025-02-29T00:00:00Z",
    "550e8400-e29b-41d4-a716-446655440000", "session.ended", "signal.detected", "high",
    "conversation_quality_overall", [None] * 50, {"a": {"b": {"c": None}}},
]  # fmt: skip
TYPES = [*sorted(ih.messages.KNOWN_MESSAGE_TYPES), "", "unknown.type", "SESSION.READY"]


def members(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every member path inside a JSON value."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*prefix, key))
            found += members(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.append((*prefix, index))
            found += members(child, (*prefix, index))
    return found


def member_at(document: Any, path: tuple[Any, ...]) -> Any:
    """The value at a member path (the document itself for the empty path)."""
    for step in path:
        document = document[step]
    return document


def mutate(document: Any, rng: random.Random, edits: int) -> Any:
    """The document with `edits` members replaced, dropped, or its type changed."""
    for _ in range(edits):
        paths = members(document)
        if not paths or rng.random() < 0.05:
            return copy.deepcopy(rng.choice(HOSTILE))
        path = rng.choice(paths)
        parent = member_at(document, path[:-1])
        roll = rng.random()
        if roll < 0.15 and isinstance(parent, dict):
            del parent[path[-1]]
        elif roll < 0.3 and path == ("type",):
            parent["type"] = rng.choice(TYPES)
        elif roll < 0.4 and isinstance(parent, dict):
            parent[rng.choice(["extra", "data", "type", "timestamp"])] = copy.deepcopy(
                rng.choice(HOSTILE)
            )
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(HOSTILE))
    return document


def structured_input(rng: random.Random) -> bytes:
    document = json.loads(rng.choice(GOLDENS))
    changed = mutate(document, rng, rng.randint(1, 4))
    text = json.dumps(changed, ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.1:  # and sometimes break the JSON itself
        cut = rng.randrange(len(text) + 1)
        text = text[:cut] + rng.choice(["", "}", "\\", '"', "\x00", "\udcff"]) + text[cut:]
    return text.encode("utf-8", "surrogatepass")


def raw_input(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return rng.randbytes(rng.randint(0, 300))
    golden = bytearray(rng.choice(GOLDENS))
    for _ in range(rng.randint(1, 8)):
        golden[rng.randrange(len(golden))] = rng.randrange(256)
    return bytes(golden)


def check_frame(frame: bytes) -> None:
    """decode_server_message on one frame: a message, or a DecodeError; nothing else."""
    with contextlib.suppress(ih.DecodeError):
        ih.decode_server_message(frame)


def check_session(frames: list[bytes]) -> int:
    """A strict client fed a ready contract then `frames`: only documented errors, and an
    undecodable frame changes nothing. Returns how many frames were fed."""
    client = ih.ClientConnection(strict=True)
    client.receive_message(READY)
    for frame in frames:
        before = (client.state, client.active_signals, client.engagement, client.violation_count)
        try:
            client.receive_message(frame)
        except ih.DecodeError:
            after = (client.state, client.active_signals, client.engagement, client.violation_count)
            assert after == before, "an undecodable frame changed the session"
        except ih.RemoteProtocolError:
            pass
        # ih.LocalProtocolError cannot happen here: the connection is never reported lost.
    return len(frames) + 1


# -- caller/peer interleavings: every refusal is atomic ----------------------------------
# A ClientConnection and a ServerConnection joined by two in-order queues (like
# tests/harness.Pair), driven by random calls of both roles: good and bad arguments, frames
# the server role produced and hostile ones, odd clocks and timestamps. Each call is
# checked: only the documented exceptions may escape (LocalProtocolError, RemoteProtocolError
# from a strict connection, DecodeError, TypeError or ValueError with a message), and a call
# refused with LocalProtocolError, TypeError or ValueError must leave every observable
# attribute as it was. (RemoteProtocolError comes after the frame was applied, by design.)
# tests/test_atomic.py drives the same actions from a hypothesis state machine; `nox -s fuzz`
# from a seeded random loop (random_step).

OTHER_CID = str(uuid.UUID(int=8))
OBSERVED = (
    "state",
    "sticky_config",
    "ready",
    "closing",
    "correlation_id",
    "acknowledged_config",
    "pending_configs",
    "active_signals",
    "engagement",
    "segments_sent",
    "violations",
    "violation_count",
    "deadlines",
    "close_code",
)


def observed(connection: Any) -> tuple[Any, ...]:
    """Every observable attribute of a connection (OBSERVED, in order)."""
    return (
        connection.state,
        connection.sticky_config,
        connection.ready,
        connection.closing,
        connection.correlation_id,
        connection.acknowledged_config,
        connection.pending_configs,
        connection.active_signals,
        connection.engagement,
        connection.segments_sent,
        connection.violations,
        connection.violation_count,
        connection.deadlines(),
        connection.close_code,
    )


class Tick:
    """Stands for the interleaving's clock (as `now`) or the matching wall-clock time (as
    `timestamp`), resolved at the call."""

    def __repr__(self) -> str:
        return "TICK"


TICK = Tick()


class Unencodable:
    """A value msgspec cannot encode."""

    def __repr__(self) -> str:
        return "Unencodable()"


READIES: list[ih.messages.SessionReadyData] = [
    ready_data(),
    ready_data(max_segment_size_bytes=96, min_segment_size_bytes=16),
    ready_data(
        supported_session_config_options=ih.messages.SessionOptions(
            include=[*ALL_FLAGS, "transcript"], goal_dimensions=["clarity", "novel_goal"]
        )
    ),
    ready_data(supported_session_config_options=ih.messages.SessionOptions()),
    ready_data(session_idle_timeout_seconds=5, session_max_duration_seconds=20),
    ready_data(min_segment_size_bytes=5000),  # a contract no segment can meet
    ready_data(session_idle_timeout_seconds=-1),  # start() refuses to emit it
]


class Setup(Struct, frozen=True, kw_only=True):
    """How one interleaving's two connections are made."""

    client: str = "lenient"  # lenient, strict, audit or strict-audit
    server_strict: bool = False
    ready: int = 0  # index into READIES
    check_segment_sizes: bool = True
    sniff_containers: bool = True
    segment_index_base: int | None = None
    max_drain_seconds: float = 30.0
    version: str = "v1"
    model: str | None = None  # v2: the upgrade's ?model= (None: inter-2)


SETUPS: list[Setup] = (
    [
        Setup(client=client, server_strict=strict, ready=ready)
        for client in ("lenient", "strict", "audit", "strict-audit")
        for strict in (False, True)
        for ready in range(len(READIES))
    ]
    + [
        Setup(check_segment_sizes=False, sniff_containers=False),
        Setup(client="strict", segment_index_base=0, server_strict=True),
        Setup(client="strict", segment_index_base=1),
        Setup(max_drain_seconds=0.0),
    ]
    + [
        # v2 (issue 16): its sticky model/audio_format rules and raw PCM frames (D52, D55, D56).
        Setup(client=client, server_strict=strict, ready=ready, version="v2", model=model)
        for client in ("lenient", "strict", "audit")
        for strict in (False, True)
        for ready in (0, 1)
        for model in (None, "inter-2-audio", "inter-9")
    ]
)


def _in_version(value: Any, version: str) -> Any:
    """A v1 data Struct as the same data in `version`'s class (v2's signal has no modality);
    anything else, or data that version's class refuses, as it is."""
    if version == "v1" or not isinstance(value, Struct):
        return value
    cls = getattr(protocol_version(version).models, type(value).__name__, None)
    if cls is None or cls is type(value):
        return value
    data = msgspec.to_builtins(value)
    if isinstance(data, dict):
        data.pop("modality", None)
    try:
        return msgspec.convert(data, cls)
    except msgspec.ValidationError:
        return value


# The v2 config keys a caller may give, the good ones first.
MODELS: list[Any] = [None, "inter-2-audio", "inter-2", "inter-9", "inter-2-deep", "", 7, ["x"]]
AUDIO_FORMATS: list[Any] = [
    None,
    {"encoding": "pcm_s16le", "sample_rate": 16000, "channels": 1},
    {"encoding": "pcm_s16le", "sample_rate": 24000, "channels": 1},
    {"encoding": "pcm_s16le", "sample_rate": 44100, "channels": 1},
    {"encoding": "mp3"},
    "pcm",
]

# The engine bugs this machine found are fixed and reproduced in tests/test_atomic.py: a
# bad timestamp on receive_text/receive_segment, a bad max_drain_seconds (now refused at
# construction), an unencodable config from an audit client, and session.ready sent with
# send() while configs waited for start(). Their inputs are part of every interleaving.

NOWS: list[Any] = [TICK, None, 0, -5.0, 1e30, math.nan, math.inf, -math.inf, "5", True, b"1"]
TIMESTAMPS: list[Any] = [
    TICK,
    datetime(2026, 5, 20, 16, 0, tzinfo=timezone(timedelta(hours=2))),
    datetime(2026, 5, 20, 14, 0),  # naive
    "2026-05-20T14:00:00Z",  # a string is what the envelope carries anyway
    "yesterday",
    None,
    5,
]
# Sent by an audit client they are applied, then cannot be encoded (a known engine bug).
UNENCODABLE_CONFIG_VALUES: tuple[Any, ...] = (["\ud800"], [Unencodable()])
CLOSE_CODES: list[Any] = [None, 1000, 1006, 4001, -1, "going away"]
INCLUDES: list[Any] = [
    None,
    [],
    list(ALL_FLAGS),
    ["conversation_quality_overall"],
    ("conversation_quality_timeline",),
    ["transcript"],  # undocumented; offered by one ready
    ["CONVERSATION_QUALITY_OVERALL"],
    "conversation_quality_overall",  # a bare string
    "",
    5,
    True,
    math.nan,
    {"conversation_quality_overall"},
    {"conversation_quality_overall": True},
    b"conversation_quality_overall",
    [1],
    [None],
    ["conversation_quality_overall", 2.5],
    [["conversation_quality_overall"]],
    [{}],
    *UNENCODABLE_CONFIG_VALUES,
]
GOALS: list[Any] = [
    None,
    [],
    ["clarity"],
    list(ALL_GOALS),
    ["novel_goal"],  # undocumented; offered by one ready
    ["CLARITY"],
    "clarity",
    3,
    [b"clarity"],
    ["clarity", None],
]
SEGMENTS: list[Any] = [
    WEBM_HEAD,
    b"cluster" * 50,
    b"",
    b"\x00",
    WEBM_HEAD + bytes(5000),  # over 4096
    bytes(4096),
    bytes(97),
    bytearray(WEBM_HEAD),
    memoryview(WEBM_HEAD),
    "a text frame",
    5,
    None,
]
SIGNAL_TYPES = ["interest", "confusion", "x-new-signal"]
SCORES = ih.messages.QualityScores(
    quality_index=50, clarity=50, authority=50, energy=50, rapport=50, learning=50
)


def _period(start: float, end: float) -> ih.messages.QualityPeriod:
    return ih.messages.QualityPeriod(start=start, end=end, values=SCORES)


def _send_choices() -> tuple[list[tuple[Any, Any]], int]:
    """(event, data) pairs for ServerConnection.send: valid data for every type, moves the
    contract forbids in some state, undocumented values; then data of the wrong type (the
    count of the first ones is returned too)."""
    signals = [
        ih.messages.SignalData(
            signal_type=kind, start=start, probability=probability, modality=modality
        )
        for kind in SIGNAL_TYPES
        for start, probability, modality in (
            (1.5, "high", UNSET),
            (1.5, "low", ["face"]),
            (2.0, None, None),
            (2.0, "very high", UNSET),
        )
    ]
    choices: list[tuple[Any, Any]] = [("session.ready", ready) for ready in READIES[:3]]
    choices += [("signal.detected", data) for data in signals]
    choices += [("signal.updated", data) for data in signals]
    choices += [
        ("signal.ended", ih.messages.SignalEndedData(signal_type=kind, end=end))
        for kind in SIGNAL_TYPES
        for end in (4.0, math.inf)
    ]
    choices += [
        ("engagement.updated", ih.messages.EngagementUpdatedData(state=state, start=1.0))
        for state in ("engaged", "neutral", "disengaged", "sleepy")
    ]
    choices += [
        ("conversation_quality.updated", ih.messages.ConversationQualityData(overall=o, timeline=t))
        for o, t in (
            (SCORES, [_period(0, 6)]),
            (SCORES, [_period(6, 12)]),
            (SCORES, UNSET),
            (UNSET, [_period(3, 4)]),
            (None, [_period(5, 5)]),
            (SCORES, [_period(0, 6), _period(6, 12)]),
        )
    ]
    choices += [
        ("error", ih.messages.ErrorData(code=code, message="m", segment=segment))
        for code in ("ih6001", "ih6002", "ih1001", "ih9999")
        for segment in (UNSET, None, 0, 1, 7)
    ]
    choices += [
        ("session.updated", ih.messages.SessionUpdatedData(include=include, goal_dimensions=goals))
        for include, goals in (
            ([], None),
            (list(ALL_FLAGS), ["clarity"]),
            (["conversation_quality_overall"], UNSET),
            (UNSET, None),
            (["transcript"], ["novel_goal"]),
        )
    ]
    choices += [
        ("session.closing", ih.messages.SessionClosingData(max_drain_seconds=s))
        for s in (30.0, 0.0)
    ]
    choices += [
        ("session.ended", ih.messages.SessionEndedData(reason=r))
        for r in ("client_shutdown", "idle_timeout", "")
    ]
    choices += [
        (
            "coverage.dropped",
            ih.messages.CoverageDroppedData(ranges=[ih.messages.TimeRange(start=0, end=1)]),
        ),
        ("coverage.degraded", ih.messages.CoverageDegradedData(reason="video_gap")),
        ("feedback.generated", ih.messages.FeedbackGeneratedData(feedback="slow down")),
    ]
    good = len(choices)
    choices += [
        ("signal.detected", ih.messages.SignalEndedData(signal_type="interest", end=1.0)),
        ("session.ended", ih.messages.EngagementUpdatedData(state="engaged", start=1.0)),
        ("session.ready", ih.messages.SessionClosingData(max_drain_seconds=1.0)),
        ("signal.detected", ih.messages.SignalData(signal_type="\ud800", start=1.0)),
        ("signal.detected", ih.messages.SignalData(signal_type="interest", start=-1.0)),
        ("error", None),
        ("feedback.generated", Unencodable()),
        ("bogus.type", ih.messages.FeedbackGeneratedData(feedback="x")),
        ("unknown", ih.messages.FeedbackGeneratedData(feedback="x")),
        (5, ih.messages.FeedbackGeneratedData(feedback="x")),
        (["error"], ih.messages.FeedbackGeneratedData(feedback="x")),
    ]
    return choices, good


SEND_CHOICES, GOOD_SENDS = _send_choices()
FAIL_CODES: list[Any] = ["ih6001", "ih6002", "ih1001", "ih5001", "ih9999", "", 5, None, ["x"]]
FAIL_SEGMENTS: list[Any] = [None, 0, 1, 2, 7, -1, "1", 1.5]
FINISH_ATS: list[Any] = [6.0, 0, -1.0, math.nan, math.inf, "6", True, None]
FINISH_REASONS: list[Any] = [None, "client_shutdown", "idle_timeout", "", 5]


def _envelope(kind: Any, data: Any, cid: Any = CID) -> str:
    document = {
        "type": kind,
        "timestamp": "2026-05-20T14:00:00Z",
        "correlation_id": cid,
        "data": data,
    }
    return json.dumps(document, allow_nan=True)


def _hostile_frames() -> list[Any]:
    """What a hostile peer may send the client: forbidden moves with the connection's id,
    another id, wrong and unknown types, undocumented values, junk (simple ones first)."""
    frames: list[Any] = []
    for event, data in SEND_CHOICES:
        if isinstance(event, str) and isinstance(data, Struct):
            with contextlib.suppress(TypeError, ValueError):
                frames.append(_envelope(event, msgspec.to_builtins(data)))
    ready = msgspec.to_builtins(READIES[0])
    detected = {"signal_type": "interest", "start": 1, "probability": "high"}
    frames += [
        _envelope("session.ready", ready, OTHER_CID),
        _envelope("session.ready", ready, CID.upper()),
        _envelope("signal.detected", detected, OTHER_CID),
        _envelope("signal.detected", detected, "not-a-uuid"),
        _envelope("signal.detected", {"signal_type": "interest", "start": 1, "probability": 3}),
        _envelope("signal.ended", detected),  # wrong type: no `end`
        _envelope("session.ready", detected),
        _envelope("transcript.updated", {"text": "hi"}),
        _envelope("transcript.updated", None, OTHER_CID),
        _envelope("error", {"code": "ih6002", "message": "m", "segment": 2**64}),
        _envelope("error", {"code": "ih6002", "message": "m", "segment": 1.0}),
        _envelope("session.closing", {"max_drain_seconds": 1e308}),
        _envelope("signal.detected", {"signal_type": "interest", "start": math.inf}),
        '{"type": "session.close"}',
        "",
        "null",
        b"\xff\xfe",
        WEBM_HEAD,
        None,
        5,
        bytearray(b"{}"),
        memoryview(b'{"type": 1}'),
    ]
    rng = random.Random(20261124)
    frames += [(structured_input if rng.random() < 0.8 else raw_input)(rng) for _ in range(150)]
    return frames


HOSTILE_FRAMES = _hostile_frames()
SERVER_TEXTS: list[Any] = [
    '{"include": ["conversation_quality_overall"]}',
    '{"goal_dimensions": ["novel_goal"]}',
    '{"include": ["transcript"], "goal_dimensions": []}',
    '{"include": "conversation_quality_overall"}',
    '{"include": [1]}',
    "{}",
    '{"type": "session.config", "include": []}',
    '{"type": "session.close"}',
    '{"type": "session.close", "extra": 1}',
    '{"type": "session.ready"}',
    "not json",
    b'{"type": "session.config"}',
    b"\xff",
    "",
    None,
    5,
]


class Finding(Struct, frozen=True, kw_only=True):
    """A call that broke the rule: `kind` is "undocumented" or "non-atomic"."""

    kind: str
    call: str
    error: str
    changed: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()

    def report(self) -> str:
        changed = f" changed {', '.join(self.changed)}" if self.changed else ""
        steps = "".join(f"\n    {step}" for step in self.steps)
        return f"{self.kind}: {self.call} raised {self.error}{changed}; after:{steps}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:150] + f"...<{len(text)} chars>"


class Interleaving:
    """One client and one server, the frames between them, and every finding so far."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.client = ih.ClientConnection(
            strict=setup.client.startswith("strict"),
            audit=setup.client.endswith("audit"),
            check_segment_sizes=setup.check_segment_sizes,
            sniff_containers=setup.sniff_containers,
            segment_index_base=setup.segment_index_base,
            version=setup.version,
            model=setup.model,
        )
        self.server = ih.ServerConnection(
            _in_version(READIES[setup.ready], setup.version),
            uuid.UUID(int=7),
            strict=setup.server_strict,
            max_drain_seconds=setup.max_drain_seconds,
            version=setup.version,
            model=setup.model,
        )
        self.strict = {
            "client": setup.client.startswith("strict"),
            "server": setup.server_strict,
        }
        self.to_server: deque[tuple[str, Any]] = deque()
        self.to_client: deque[str] = deque()
        self.clock = 0.0
        self.temper = 0.2  # used by random_step
        self.log: list[tuple[str, tuple[Any, ...]]] = [("setup", (setup,))]
        self.findings: list[Finding] = []
        self.outcomes: Counter[tuple[str, str]] = Counter()  # (call, ok/refused/remote)

    # -- the check ----------------------------------------------------------------------

    def _now(self, now: Any) -> Any:
        return self.clock if now is TICK else now

    def _timestamp(self, timestamp: Any) -> Any:
        return EPOCH + timedelta(seconds=self.clock) if timestamp is TICK else timestamp

    def _attempt(self, role: str, name: str, call: Callable[..., Any], *args: Any) -> Any:
        """call(*args) on `role`'s connection, checked; None when it raised."""
        label = f"{role}.{name}"
        self.log.append((label, args))
        connection = self.client if role == "client" else self.server
        before = observed(connection)
        try:
            result = call(*args)
        except ih.RemoteProtocolError as error:
            self.outcomes[label, "remote"] += 1
            if not self.strict[role]:
                self._found("undocumented", error)
            return None
        except (ih.LocalProtocolError, TypeError, ValueError) as error:
            self.outcomes[label, "refused"] += 1
            if not str(error):  # an exception that does not say what went wrong
                self._found("undocumented", error)
            after = observed(connection)
            if after != before:
                changed = tuple(
                    name for name, a, b in zip(OBSERVED, before, after, strict=True) if a != b
                )
                self._found("non-atomic", error, changed)
            return None
        except Exception as error:
            self.outcomes[label, "UNDOCUMENTED"] += 1
            self._found("undocumented", error)
            return None
        self.outcomes[label, "ok"] += 1
        self.outcomes[f"{role} in {connection.state.value}", "reached"] += 1
        return result

    def _found(self, kind: str, error: BaseException, changed: tuple[str, ...] = ()) -> None:
        steps = tuple(
            f"{name}{_shown(args) if name != 'setup' else repr(args[0])}"
            for name, args in self.log[-40:]
        )
        self.findings.append(
            Finding(
                kind=kind,
                call=steps[-1],
                error=f"{type(error).__name__}({str(error)[:200]!r})",
                changed=changed,
                steps=steps,
            )
        )

    # -- the client's caller ------------------------------------------------------------

    def client_config(
        self,
        include: Any,
        goal_dimensions: Any,
        now: Any,
        model: Any = None,
        audio_format: Any = None,
    ) -> None:
        frame = self._attempt(
            "client",
            "send_config",
            lambda i, g, n, m, a: self.client.send_config(i, g, now=n, model=m, audio_format=a),
            include,
            goal_dimensions,
            self._now(now),
            model,
            audio_format,
        )
        if frame is not None:
            self.to_server.append(("text", frame))

    def client_segment(self, data: Any, now: Any) -> None:
        frame = self._attempt(
            "client", "send_segment", self.client.send_segment, data, self._now(now)
        )
        if frame is not None:
            self.to_server.append(("binary", frame))

    def client_close(self, now: Any) -> None:
        frame = self._attempt("client", "send_close", self.client.send_close, self._now(now))
        if frame is not None:
            self.to_server.append(("text", frame))

    def client_lost(self, code: Any) -> None:
        self._attempt("client", "connection_lost", self.client.connection_lost, code)
        self.to_server.clear()
        self.to_client.clear()

    def client_reads(self, now: Any) -> None:
        """The read-only calls: deadlines, expired, the segment an error names."""
        self._attempt("client", "expired", self.client.expired, self._now(now))
        self._attempt("client", "next_deadline", self.client.next_deadline)
        error = ih.messages.ErrorMessage(
            timestamp=EPOCH,
            correlation_id=CID,
            data=ih.messages.ErrorData(code="ih6002", message="m", segment=1),
        )
        self._attempt("client", "segment_for", self.client.segment_for, error)

    # -- the client's peer --------------------------------------------------------------

    def deliver_to_client(self, now: Any) -> None:
        """The server's next frame, as the server role produced it."""
        if self.to_client:
            frame = self.to_client.popleft()
            self._attempt(
                "client", "receive_message", self.client.receive_message, frame, self._now(now)
            )

    def hostile_to_client(self, frame: Any, now: Any) -> None:
        self._attempt(
            "client", "receive_message", self.client.receive_message, frame, self._now(now)
        )

    # -- the server's caller ------------------------------------------------------------

    def _emit(self, frames: Any) -> None:
        if frames is not None:
            self.to_client.extend(frames)

    def server_start(self, timestamp: Any, now: Any) -> None:
        frames = self._attempt(
            "server",
            "start",
            lambda t, n: self.server.start(timestamp=t, now=n),
            self._timestamp(timestamp),
            self._now(now),
        )
        self._emit(frames)

    def server_send(self, event: Any, data: Any, timestamp: Any, now: Any) -> None:
        frame = self._attempt(
            "server",
            "send",
            lambda e, d, t, n: self.server.send(e, d, timestamp=t, now=n),
            event,
            data,
            self._timestamp(timestamp),
            self._now(now),
        )
        if frame is not None:
            self.to_client.append(frame)

    def server_fail(self, code: Any, segment: Any, timestamp: Any, now: Any) -> None:
        frame = self._attempt(
            "server",
            "fail",
            lambda c, s, t, n: self.server.fail(c, segment=s, timestamp=t, now=n),
            code,
            segment,
            self._timestamp(timestamp),
            self._now(now),
        )
        if frame is not None:
            self.to_client.append(frame)

    def server_finish(self, at: Any, reason: Any, timestamp: Any, now: Any) -> None:
        frames = self._attempt(
            "server",
            "finish",
            lambda a, r, t, n: self.server.finish(at=a, reason=r, timestamp=t, now=n),
            at,
            reason,
            self._timestamp(timestamp),
            self._now(now),
        )
        self._emit(frames)

    def server_check_deadlines(self, now: Any, timestamp: Any) -> None:
        frames = self._attempt(
            "server",
            "check_deadlines",
            lambda n, t: self.server.check_deadlines(n, timestamp=t),
            self._now(now),
            self._timestamp(timestamp),
        )
        self._emit(frames)

    def server_lost(self, code: Any) -> None:
        self._attempt("server", "connection_lost", self.server.connection_lost, code)
        self.to_server.clear()
        self.to_client.clear()

    # -- the server's peer ----------------------------------------------------------------

    def _receive(self, kind: str, data: Any, timestamp: Any, now: Any) -> None:
        receive = self.server.receive_segment if kind == "binary" else self.server.receive_text
        taken = self._attempt(
            "server",
            "receive_segment" if kind == "binary" else "receive_text",
            lambda d, t, n: receive(d, timestamp=t, now=n),
            data,
            self._timestamp(timestamp),
            self._now(now),
        )
        if taken is not None:
            self.to_client.extend(taken.replies)

    def deliver_to_server(self, timestamp: Any, now: Any) -> None:
        """The client's next frame, as the client role produced it."""
        if self.to_server:
            kind, frame = self.to_server.popleft()
            self._receive(kind, frame, timestamp, now)

    def junk_to_server(self, binary: bool, data: Any, timestamp: Any, now: Any) -> None:
        self._receive("binary" if binary else "text", data, timestamp, now)

    # -- time -------------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        self.log.append(("advance", (seconds,)))
        self.clock += seconds


ADVANCES = [0.5, 3.0, 10.0, 400.0, 4000.0]


TEMPERS = (0.02, 0.2, 0.6)
"""How often a random interleaving takes an odd argument or a hostile frame instead of a
good one: nearly cooperative sessions get deep, hostile ones try every refusal."""


def random_interleaving(rng: random.Random) -> Interleaving:
    world = Interleaving(rng.choice(SETUPS))
    world.temper = rng.choice(TEMPERS)
    return world


def random_step(world: Interleaving, rng: random.Random) -> None:
    """One random call on either role, its arguments from the pools above (the first `good`
    entries of a pool are the good ones)."""
    temper = world.temper

    def pick(pool: list[Any], good: int = 1) -> Any:
        return rng.choice(pool) if rng.random() < temper else rng.choice(pool[:good])

    def now() -> Any:
        return pick(NOWS)

    def stamp() -> Any:
        return pick(TIMESTAMPS, 2)

    roll = rng.random()
    if roll < 0.09:
        v2 = world.setup.version == "v2"
        keys = (pick(MODELS, 3), pick(AUDIO_FORMATS, 3)) if v2 else (None, None)
        world.client_config(pick(INCLUDES, 5), pick(GOALS, 4), now(), *keys)
    elif roll < 0.20:
        world.client_segment(pick(SEGMENTS, 2), now())
    elif roll < 0.23:
        world.client_close(now())
    elif roll < 0.45 or (roll < 0.55 and rng.random() > temper):
        world.deliver_to_client(now())
    elif roll < 0.55:
        frame = rng.choice(HOSTILE_FRAMES) if rng.random() < 0.7 else structured_input(rng)
        world.hostile_to_client(frame, now())
    elif roll < 0.555:
        world.client_lost(rng.choice(CLOSE_CODES))
    elif roll < 0.57:
        world.client_reads(now())
    elif roll < 0.60:
        world.server_start(stamp(), now())
    elif roll < 0.70:
        event, data = pick(SEND_CHOICES, GOOD_SENDS)
        world.server_send(event, _in_version(data, world.setup.version), stamp(), now())
    elif roll < 0.73:
        world.server_fail(pick(FAIL_CODES, 4), pick(FAIL_SEGMENTS, 3), stamp(), now())
    elif roll < 0.76:
        world.server_finish(pick(FINISH_ATS, 2), pick(FINISH_REASONS, 3), stamp(), now())
    elif roll < 0.78:
        world.server_check_deadlines(now(), stamp())
    elif roll < 0.93 or (roll < 0.96 and rng.random() > temper):
        world.deliver_to_server(stamp(), now())
    elif roll < 0.96:
        binary = rng.random() < 0.5
        junk = rng.choice(SEGMENTS if binary else SERVER_TEXTS)
        world.junk_to_server(binary, junk, stamp(), now())
    elif roll < 0.965:
        world.server_lost(rng.choice(CLOSE_CODES))
    else:
        world.advance(rng.choice(ADVANCES))
