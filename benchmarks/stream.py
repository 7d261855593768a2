"""A realistic mixed stream of server messages, made with a fixed seed.

The frames come from a ServerConnection playing a long session, so the stream is valid against
the spec and the session contract (the receive benchmark needs that): mostly signal events,
conversation quality with overall and timeline, engagement changes, a few errors and the
session messages at both ends.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import interhuman_stream as ih

SIGNALS = sorted(ih.messages.KNOWN_SIGNAL_TYPES)
PROBABILITIES: list[ih.messages.Probability] = ["high", "medium", "low"]
LEVELS: list[ih.messages.EngagementState] = ["engaged", "neutral", "disengaged"]
RATIONALES = [
    "Nods twice while the other speaker explains the timeline.",
    "Leans back and folds arms after the price is mentioned.",
    "Speaks faster, with a raised pitch, while answering the question.",
    "Pauses before answering and looks away from the camera.",
    "Smiles and keeps eye contact through the whole answer.",
]
# Relative weights of what the analyzer reports per step.
WEIGHTS = {"signal": 60, "quality": 14, "engagement": 10, "error": 1}
SEGMENT_SECONDS = 3.0


@dataclass
class Session:
    """One recorded session, cut where the receive benchmark needs it."""

    opening: list[bytes]  # session.ready and the answer to the config
    segments: list[bytes]
    bulk: list[bytes]  # the analysis: what the receive benchmark times
    closing: list[bytes]  # session.closing, the final signal.ended events, session.ended

    @property
    def server_frames(self) -> list[bytes]:
        return [*self.opening, *self.bulk, *self.closing]


def _scores(rng: random.Random, center: float) -> ih.messages.QualityScores:
    dims = [round(min(100.0, max(0.0, center + rng.uniform(-12, 12))), 1) for _ in range(5)]
    return ih.messages.QualityScores(
        quality_index=round(sum(dims) / 5, 1),
        clarity=dims[0],
        authority=dims[1],
        energy=dims[2],
        rapport=dims[3],
        learning=dims[4],
    )


def _signal_frame(
    server: ih.ServerConnection,
    rng: random.Random,
    media: float,
    clock: datetime,
    latest: dict[str, float],
) -> str:
    """A signal event for a random signal type: detected if inactive, else updated or ended.
    `latest` holds the last time reported per signal type: time only moves forward on a
    track (rule time-forward), so a new detection never starts before the previous end."""
    signal = rng.choice(SIGNALS)
    active = server.active_signals.get(signal)
    if active is None:
        start = max(round(media + rng.random() * SEGMENT_SECONDS, 2), latest.get(signal, 0.0))
        latest[signal] = start
        data = ih.messages.SignalData(
            signal_type=signal,
            start=start,
            probability=rng.choice(PROBABILITIES),
            rationale=rng.choice(RATIONALES),
            modality=["video"],
        )
        return server.send("signal.detected", data, timestamp=clock)
    if rng.random() < 0.5:
        changed = [p for p in PROBABILITIES if p != active.probability]
        data = ih.messages.SignalData(
            signal_type=signal,
            start=active.start,
            probability=rng.choice(changed),
            rationale=rng.choice(RATIONALES),
            modality=["video"],
        )
        return server.send("signal.updated", data, timestamp=clock)
    end = ih.messages.SignalEndedData(
        signal_type=signal, end=round(max(active.start, media) + rng.random(), 2)
    )
    latest[signal] = max(end.end, latest.get(signal, end.end))
    return server.send("signal.ended", end, timestamp=clock)


def session_frames(count: int = 10_000, seed: int = 20261124) -> Session:
    """One session of about `count` server messages. The client streams its segments ahead of
    the results, as a recorder does, so every error names a segment already sent."""
    rng = random.Random(seed)
    ready = ih.messages.SessionReadyData(
        session_idle_timeout_seconds=300,
        session_max_duration_seconds=36_000,
        min_segment_size_bytes=1,
        max_segment_size_bytes=33_554_432,
        supported_session_config_options=ih.messages.SessionOptions(
            include=["conversation_quality_overall", "conversation_quality_timeline"]
        ),
    )
    server = ih.ServerConnection(ready, uuid.UUID(int=rng.getrandbits(128), version=4))
    clock = datetime(2026, 5, 20, 14, 0, tzinfo=timezone.utc)
    frames: list[bytes] = []
    segments: list[bytes] = []

    def emit(frame: str) -> None:
        frames.append(frame.encode())

    for frame in server.start(timestamp=clock):
        emit(frame)
    config = ih.encode_client_message(
        ih.messages.SessionConfig(
            include=["conversation_quality_overall", "conversation_quality_timeline"]
        )
    )
    for frame in server.receive_text(config, timestamp=clock).replies:
        emit(frame)
    opening = list(frames)
    frames.clear()
    media = 0.0
    overall_seed = 60.0
    period_end = 0.0
    kinds, weights = zip(*WEIGHTS.items(), strict=True)
    latest: dict[str, float] = {}
    while len(frames) < count - len(opening) - 2:
        clock += timedelta(milliseconds=rng.randint(50, 900))
        if rng.random() < 0.1:
            segment = b"\x1a\x45\xdf\xa3" + bytes(64) if not server.segments_sent else b"cluster"
            segments.append(segment)
            server.receive_segment(segment, timestamp=clock)
            media += SEGMENT_SECONDS
        kind = rng.choices(kinds, weights)[0]
        if kind == "signal":
            emit(_signal_frame(server, rng, media, clock, latest))
        elif kind == "quality" and media > period_end:
            # One update per closed cadence period: periods follow each other (D38).
            overall_seed = min(100.0, max(0.0, overall_seed + rng.uniform(-3, 3)))
            period = ih.messages.QualityPeriod(
                start=period_end, end=media, values=_scores(rng, overall_seed)
            )
            period_end = media
            data = ih.messages.ConversationQualityData(
                overall=_scores(rng, overall_seed), timeline=[period]
            )
            emit(server.send("conversation_quality.updated", data, timestamp=clock))
        elif kind == "engagement":
            current = server.engagement.state if server.engagement else None
            level = rng.choice([lv for lv in LEVELS if lv != current])
            emit(
                server.send(
                    "engagement.updated",
                    ih.messages.EngagementUpdatedData(state=level, start=media),
                    timestamp=clock,
                )
            )
        elif server.segments_sent:
            segment_index = rng.choice(server.segments_sent).index
            emit(server.fail("ih5004", timestamp=clock, segment=segment_index))
    bulk = list(frames)
    frames.clear()
    close = ih.encode_client_message(ih.messages.SessionClose())
    for frame in server.receive_text(close, timestamp=clock).replies:
        emit(frame)
    # The final signal.ended events end every open signal at `at`: not before its start.
    at = max(media + SEGMENT_SECONDS, *latest.values())
    for frame in server.finish(timestamp=clock, at=at):
        emit(frame)
    return Session(opening, segments, bulk, list(frames))
