# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json, spec/v2.overlay.json
# Template: codegen/templates/datamodel/msgspec.jinja2, by datamodel-code-generator

from typing import Annotated, Literal, TypeAlias

from msgspec import UNSET, Meta, Struct, UnsetType

# What this version's schema leaves as v1's is v1's: the same classes and aliases
# (shared_definitions in codegen/_render.py).
from .._models import (
    ByteCount,
    ConversationQualityData,
    ConversationQualityUpdated,
    CorrelationId,
    CoverageDegraded,
    CoverageDegradedData,
    CoverageDropped,
    CoverageDroppedData,
    CoverageGap,
    DegradedReason,
    EndReason,
    EngagementInterval,
    EngagementState,
    EngagementStateValue,
    EngagementUpdated,
    EngagementUpdatedData,
    Envelope,
    ErrorCode,
    ErrorData,
    ErrorMessage,
    FeedbackGenerated,
    FeedbackGeneratedData,
    GoalDimension,
    GoalDimensionValue,
    IncludeFlag,
    IncludeFlagValue,
    KnownDegradedReason,
    KnownEndReason,
    Modality,
    OpenSignal,
    Probability,
    ProbabilityValue,
    QualityPeriod,
    QualityScores,
    QualitySummary,
    Score,
    Seconds,
    SegmentIndex,
    SessionClose,
    SessionClosing,
    SessionClosingData,
    SessionEnded,
    SessionEndedData,
    SessionSummary,
    SignalEnded,
    SignalEndedData,
    SignalInterval,
    SignalReading,
    SignalType,
    SummaryError,
    TimeRange,
    Timestamp,
)

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


class SignalData(Struct, frozen=True, gc=False, kw_only=True):
    """A signal's current reading. Time is session time. v2 sends no modality."""

    signal_type: SignalType
    start: Seconds
    probability: ProbabilityValue | UnsetType | None = UNSET
    rationale: str | UnsetType | None = UNSET


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


__all__ = [
    "Timestamp",
    "CorrelationId",
    "Seconds",
    "ByteCount",
    "SegmentIndex",
    "Score",
    "KnownSignalType",
    "SignalType",
    "Probability",
    "ProbabilityValue",
    "Modality",
    "EngagementState",
    "EngagementStateValue",
    "IncludeFlag",
    "IncludeFlagValue",
    "GoalDimension",
    "GoalDimensionValue",
    "ErrorCode",
    "KnownEndReason",
    "EndReason",
    "KnownDegradedReason",
    "DegradedReason",
    "TimeRange",
    "QualityScores",
    "QualityPeriod",
    "SignalData",
    "SignalEndedData",
    "EngagementUpdatedData",
    "ConversationQualityData",
    "ErrorData",
    "SessionClosingData",
    "SessionEndedData",
    "CoverageDroppedData",
    "CoverageDegradedData",
    "FeedbackGeneratedData",
    "Envelope",
    "SignalDetected",
    "SignalUpdated",
    "SignalEnded",
    "EngagementUpdated",
    "ConversationQualityUpdated",
    "ErrorMessage",
    "SessionClosing",
    "SessionEnded",
    "CoverageDropped",
    "CoverageDegraded",
    "FeedbackGenerated",
    "SessionClose",
    "SignalReading",
    "SignalInterval",
    "OpenSignal",
    "EngagementInterval",
    "QualitySummary",
    "CoverageGap",
    "SummaryError",
    "SessionSummary",
    "KnownModel",
    "Model",
    "AudioFormat",
    "SessionOptions",
    "SessionReadyData",
    "SessionUpdatedData",
    "SessionReady",
    "SessionUpdated",
    "ServerMessage",
    "SessionConfig",
]
