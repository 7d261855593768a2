# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json
# Template: codegen/templates/datamodel/msgspec.jinja2, by datamodel-code-generator

from datetime import datetime
from typing import Annotated, Literal, TypeAlias

from msgspec import UNSET, Meta, Struct, UnsetType

Timestamp: TypeAlias = Annotated[datetime, Meta(tz=True)]


CorrelationId: TypeAlias = str


Seconds: TypeAlias = Annotated[float, Meta(ge=0.0, le=1.7976931348623157e308)]


ByteCount: TypeAlias = Annotated[int, Meta(ge=0)]


SegmentIndex: TypeAlias = Annotated[int, Meta(ge=0)]


Score: TypeAlias = Annotated[float, Meta(ge=0.0, le=100.0)]


KnownSignalType: TypeAlias = Literal[
    "agreement",
    "confidence",
    "confusion",
    "disagreement",
    "frustration",
    "hesitation",
    "interest",
    "skepticism",
    "stress",
    "uncertainty",
]


SignalType: TypeAlias = Annotated[str, Meta(min_length=1)]


Probability: TypeAlias = Literal["high", "medium", "low"]


ProbabilityValue: TypeAlias = str


Modality: TypeAlias = list[str]


EngagementState: TypeAlias = Literal["engaged", "neutral", "disengaged"]


EngagementStateValue: TypeAlias = str


IncludeFlag: TypeAlias = Literal["conversation_quality_overall", "conversation_quality_timeline"]


IncludeFlagValue: TypeAlias = str


GoalDimension: TypeAlias = Literal["clarity", "authority", "energy", "rapport", "learning"]


GoalDimensionValue: TypeAlias = str


ErrorCode: TypeAlias = Annotated[str, Meta(min_length=1)]


KnownEndReason: TypeAlias = Literal["client_shutdown"]


EndReason: TypeAlias = Annotated[str, Meta(min_length=1)]


KnownDegradedReason: TypeAlias = Literal["video_gap"]


DegradedReason: TypeAlias = Annotated[str, Meta(min_length=1)]


class TimeRange(Struct, frozen=True, gc=False, kw_only=True):
    """A span of session time."""

    start: Seconds
    end: Seconds


class QualityScores(Struct, frozen=True, gc=False, kw_only=True):
    """Conversation Quality Index values: the index (mean of the five dimensions) and each
    dimension."""

    quality_index: Score
    clarity: Score
    authority: Score
    energy: Score
    rapport: Score
    learning: Score


class QualityPeriod(Struct, frozen=True, gc=False, kw_only=True):
    """Scores for one closed cadence period."""

    start: Seconds
    end: Seconds
    values: QualityScores


class SignalData(Struct, frozen=True, gc=False, kw_only=True):
    """A signal's current reading. Time is session time. v2 sends no modality."""

    signal_type: SignalType
    start: Seconds
    probability: ProbabilityValue | UnsetType | None = UNSET
    rationale: str | UnsetType | None = UNSET


class SignalEndedData(Struct, frozen=True, gc=False, kw_only=True):
    """When a previously active signal stopped."""

    signal_type: SignalType
    end: Seconds


class EngagementUpdatedData(Struct, frozen=True, gc=False, kw_only=True):
    """A new engagement level and when it began."""

    state: EngagementStateValue
    start: Seconds


class ConversationQualityData(Struct, frozen=True, gc=False, kw_only=True):
    """Scores for the cadence period that just closed: overall is cumulative since the
    session began, timeline covers only that period. Which sections appear follows the
    acknowledged include flags."""

    overall: QualityScores | UnsetType | None = UNSET
    timeline: list[QualityPeriod] | UnsetType | None = UNSET


class ErrorData(Struct, frozen=True, gc=False, kw_only=True):
    """A failure while handling the stream. segment names the binary frame it concerns,
    when it concerns one."""

    code: ErrorCode
    message: str
    link: str | UnsetType | None = UNSET
    segment: SegmentIndex | UnsetType | None = UNSET


class SessionClosingData(Struct, frozen=True, gc=False, kw_only=True):
    """The server accepted the close request and will drain for at most this long."""

    max_drain_seconds: Seconds


class SessionEndedData(Struct, frozen=True, gc=False, kw_only=True):
    """The last message of a session; a normal close (1000) follows."""

    reason: EndReason


class CoverageDroppedData(Struct, frozen=True, gc=False, kw_only=True):
    """Spans of received video that were never analyzed (and are not billed)."""

    ranges: list[TimeRange] | UnsetType = UNSET


class CoverageDegradedData(Struct, frozen=True, gc=False, kw_only=True):
    """Spans analyzed with only partial visual coverage (billed as usual)."""

    ranges: list[TimeRange] | UnsetType = UNSET
    reason: DegradedReason | UnsetType = UNSET


class FeedbackGeneratedData(Struct, frozen=True, gc=False, kw_only=True):
    """Coaching feedback on the active goal dimensions."""

    feedback: str


class Envelope(Struct, frozen=True, gc=False, kw_only=True):
    """What every server message carries besides its type and data: when it was sent and
    the connection's id."""

    timestamp: Timestamp
    correlation_id: CorrelationId


class SignalDetected(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="signal.detected"
):
    """A signal type went from inactive to active."""

    data: SignalData


class SignalUpdated(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="signal.updated"
):
    """An active signal's probability, rationale or modality changed."""

    data: SignalData


class SignalEnded(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="signal.ended"
):
    """An active signal is no longer present."""

    data: SignalEndedData


class EngagementUpdated(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="engagement.updated"
):
    """Engagement was first established, or changed level."""

    data: EngagementUpdatedData


class ConversationQualityUpdated(
    Envelope,
    frozen=True,
    gc=False,
    kw_only=True,
    tag_field="type",
    tag="conversation_quality.updated",
):
    """Conversation Quality Index for the period that just closed; at most one per period,
    only while a CQI include flag is set."""

    data: ConversationQualityData


class ErrorMessage(Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="error"):
    """Something went wrong. Whether the session survives depends on the code
    (errors.json); fatal errors are followed by a close."""

    data: ErrorData


class SessionClosing(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="session.closing"
):
    """Reply to the client's session.close: no more video is accepted; final results
    follow, then session.ended."""

    data: SessionClosingData


class SessionEnded(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="session.ended"
):
    """The session is over; nothing follows but the close."""

    data: SessionEndedData


class CoverageDropped(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="coverage.dropped"
):
    """Informational: some received video was shed without analysis."""

    data: CoverageDroppedData


class CoverageDegraded(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="coverage.degraded"
):
    """Informational: some video was analyzed with partial coverage."""

    data: CoverageDegradedData


class FeedbackGenerated(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="feedback.generated"
):
    """Coaching feedback, emitted while goal dimensions are set."""

    data: FeedbackGeneratedData


class SessionClose(
    Struct,
    frozen=True,
    gc=False,
    kw_only=True,
    tag_field="type",
    tag="session.close",
    forbid_unknown_fields=True,
):
    """Client text frame asking for a graceful end after the last segment: the server
    drains, sends final results and session.ended."""


class SignalReading(Struct, frozen=True, gc=False, kw_only=True):
    """One reading of a signal as the stream reported it (signal.detected, then each
    signal.updated)."""

    probability: ProbabilityValue | UnsetType | None = UNSET
    rationale: str | UnsetType | None = UNSET
    modality: Modality | UnsetType | None = UNSET


class SignalInterval(Struct, frozen=True, gc=False, kw_only=True):
    """A signal from its start to its end, as the upload API reports it (signals[]): type,
    start, end and the last reading's probability, rationale and modality. history lists
    every reading in order; unended is true when the session stopped before the signal's
    end arrived and end is the last known time."""

    type: SignalType
    start: Seconds
    end: Seconds
    history: list[SignalReading]
    unended: bool
    probability: ProbabilityValue | UnsetType | None = UNSET
    rationale: str | UnsetType | None = UNSET
    modality: Modality | UnsetType | None = UNSET


class OpenSignal(Struct, frozen=True, gc=False, kw_only=True):
    """A signal that is active and has no end yet."""

    type: SignalType
    start: Seconds
    history: list[SignalReading]
    probability: ProbabilityValue | UnsetType | None = UNSET
    rationale: str | UnsetType | None = UNSET
    modality: Modality | UnsetType | None = UNSET


class EngagementInterval(Struct, frozen=True, gc=False, kw_only=True):
    """An engagement level from its start until the next change (upload API
    engagement_state[])."""

    state: EngagementStateValue
    start: Seconds
    end: Seconds


class QualitySummary(Struct, frozen=True, gc=False, kw_only=True):
    """The latest cumulative scores and every closed period in order (upload API
    conversation_quality, whose overall is required)."""

    overall: QualityScores
    timeline: list[QualityPeriod]


class CoverageGap(Struct, frozen=True, gc=False, kw_only=True):
    """A span of the stream that was not analyzed (dropped) or analyzed with partial
    coverage (degraded)."""

    kind: Literal["dropped", "degraded"]
    start: Seconds
    end: Seconds
    reason: str | None


class SummaryError(Struct, frozen=True, gc=False, kw_only=True):
    """An error the session reported, with the segment it names (and, stitched, its
    session)."""

    code: ErrorCode
    message: str
    segment: SegmentIndex | None
    session: Annotated[int, Meta(ge=0)] | UnsetType = UNSET


class SessionSummary(Struct, frozen=True, gc=False, kw_only=True):
    """A live session folded into the upload API's result shape: signals[],
    engagement_state[] and conversation_quality, plus what only a stream has, under
    names the upload result does not use (so its readers ignore them).
    conversation_quality is present once an overall score arrived. complete is true once
    session.ended arrived; partial is true when the connection was lost first (open
    signals were then closed at the last known time and flagged unended)."""

    signals: list[SignalInterval]
    engagement_state: list[EngagementInterval]
    open_signals: list[OpenSignal]
    coverage: list[CoverageGap]
    errors: list[SummaryError]
    correlation_id: CorrelationId | None
    complete: bool
    partial: bool
    last_time: Seconds
    feedback_messages: list[str]
    conversation_quality: QualitySummary | UnsetType = UNSET
    quality_timeline: list[QualityPeriod] | UnsetType = UNSET


KnownModel: TypeAlias = Literal["inter-2", "inter-2-audio", "inter-2-deep"]


Model: TypeAlias = Annotated[str, Meta(min_length=1)]


class AudioFormat(Struct, frozen=True, gc=False, kw_only=True):
    """Declares that every binary frame from now on is raw PCM audio, not container media
    (inter-2-audio only): signed 16-bit little-endian, mono, at the sample rate given."""

    encoding: Literal["pcm_s16le"]
    sample_rate: Literal[16000, 24000]
    channels: Literal[1]


class SessionOptions(Struct, frozen=True, gc=False, kw_only=True):
    """The session-config values this server accepts."""

    include: list[IncludeFlagValue] | UnsetType = UNSET
    goal_dimensions: list[GoalDimensionValue] | UnsetType | None = UNSET
    model: list[Model] | str | UnsetType | None = UNSET


class SessionReadyData(Struct, frozen=True, gc=False, kw_only=True):
    """The session contract: timeouts, segment limits and accepted config options."""

    session_idle_timeout_seconds: Seconds
    session_max_duration_seconds: Seconds
    min_segment_size_bytes: ByteCount
    max_segment_size_bytes: ByteCount
    supported_session_config_options: SessionOptions
    min_segment_duration_seconds: Seconds | UnsetType = UNSET
    max_segment_duration_seconds: Seconds | UnsetType | None = UNSET


class SessionUpdatedData(Struct, frozen=True, gc=False, kw_only=True):
    """The whole configuration in force after the server applied a config frame."""

    include: list[IncludeFlagValue] | UnsetType = UNSET
    goal_dimensions: list[GoalDimensionValue] | UnsetType | None = UNSET
    model: Model | UnsetType | None = UNSET


class SessionReady(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="session.ready"
):
    """First message of every established session, sent once: the contract the client must
    respect. No video may be sent before it."""

    data: SessionReadyData


class SessionUpdated(
    Envelope, frozen=True, gc=False, kw_only=True, tag_field="type", tag="session.updated"
):
    """The server applied a session config frame."""

    data: SessionUpdatedData


ServerMessage: TypeAlias = (
    SessionReady
    | SessionUpdated
    | SignalDetected
    | SignalUpdated
    | SignalEnded
    | EngagementUpdated
    | ConversationQualityUpdated
    | ErrorMessage
    | SessionClosing
    | SessionEnded
    | CoverageDropped
    | CoverageDegraded
    | FeedbackGenerated
)


class SessionConfig(Struct, frozen=True, gc=False, kw_only=True, forbid_unknown_fields=True):
    """Client text frame that sets the session configuration. It has no type field. include
    and goal_dimensions are replaced by each frame (an omitted one goes back to the
    server default); model and audio_format are sticky (an omitted one keeps its value,
    D52). May be sent at any time (D23)."""

    include: list[str] | UnsetType = UNSET
    goal_dimensions: list[str] | UnsetType = UNSET
    model: Annotated[str, Meta(min_length=1)] | UnsetType = UNSET
    audio_format: AudioFormat | UnsetType = UNSET
