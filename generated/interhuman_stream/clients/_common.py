# Hand-written runtime: edit codegen/runtime/clients/_common.py (regen copies it verbatim).

"""What both clients share (no I/O here: each client imports it, neither imports the other)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from .._client import ClientConnection
from .._contract import SessionState
from .._conversation import Conversation
from .._handshake_data import DEFAULT_MODELS
from .._models import SessionReadyData, SessionSummary
from .._recording import Record
from .._summary import SummaryFold
from .._values import OfferedConfig
from .media import Chunk, MediaSource, MediaStream

Wanted = Sequence[str] | Literal["offered"] | None
"""What a client asks for in its config: a list, "offered" (everything session.ready offers),
or None (send no config)."""


def resolve_wanted(
    value: Wanted, name: str, ready: SessionReadyData | None
) -> Sequence[str] | None:
    """`value` with "offered" replaced by session.ready's list of `name` (None when it
    offers none)."""
    if value != "offered":
        return value
    options = ready.supported_session_config_options if ready is not None else None
    offered = getattr(options, name, None) if options is not None else None
    return list(offered) if isinstance(offered, list) else None


def send_wanted_config(
    connection: ClientConnection,
    include: Wanted,
    goal_dimensions: Wanted,
    now: float,
    *,
    model: str | None = None,
    audio_format: Any = None,
) -> OfferedConfig:
    """The config frame for what a client wants ("offered" resolved against session.ready)
    of what the server offers, and v2's sticky keys as given (send_offered_config)."""
    ready = connection.ready
    return connection.send_offered_config(
        resolve_wanted(include, "include", ready),
        resolve_wanted(goal_dimensions, "goal_dimensions", ready),
        now=now,
        model=model,
        audio_format=audio_format,
    )


def check_audio_format(connection: ClientConnection, audio_format: Any) -> None:
    """Refuse, before anything connects, an audio_format the config sent on session.ready
    could not carry: one that is not an AudioFormat (ValueError naming the values it takes),
    one on v1 (ValueError), one on a model that takes no raw audio (LocalProtocolError,
    audio-format-audio-model). A scratch connection of the same version and model sends it,
    so the rules are the contract's own."""
    if audio_format is None:
        return
    model = connection.sticky_config.get("model")
    probe = ClientConnection(version=connection.version, model=model)
    probe.send_config(audio_format=audio_format)


def url_model(url: str, version: str | None) -> str | None:
    """The model a URL opens a session on, for a version with models (v2): its `model` query
    parameter (the last, if repeated), or None without one (the version's default); on a
    version without models, None. The connection's contract holds configs to it (D56)."""
    if version is None or version not in DEFAULT_MODELS:
        return None
    values = parse_qs(urlsplit(url).query, keep_blank_values=True).get("model")
    return values[-1] if values else None


def no_raw_audio(options: Mapping[str, Any]) -> None:
    """stream_conversation refuses audio_format: a Conversation over raw PCM is not built, as
    no source gives the time base a seam's media_offset needs (D55, D56)."""
    if options.get("audio_format") is not None:
        raise ValueError(
            "audio_format: a conversation over raw PCM is not supported (no source gives the "
            "PCM time base a seam needs, D56); stream it as one session with stream()"
        )


def default_conversation(
    url: str, options: Mapping[str, Any], record: Record | None = None
) -> Conversation:
    """stream_conversation's Conversation when none is given: its connections speak the
    `version` among the client options (v1 when none), on the model the URL names (v2), and
    write to `record` when given."""
    connection: dict[str, Any] = {}
    version = options.get("version")
    if version is not None:
        connection["version"] = version
        model = url_model(url, version)
        if model is not None:
            connection["model"] = model
    if record is not None:
        connection["record"] = record
    return Conversation(connection_options=connection or None)


def check_version(connection: ClientConnection, version: str | None) -> None:
    """With connection=, the connection's protocol version wins: a `version` also given must
    be the same (ValueError otherwise)."""
    if version is not None and version != connection.version:
        raise ValueError(
            f"version={version!r} but the connection given speaks {connection.version!r}"
        )


def client_connection(
    url: str,
    connection: ClientConnection | None,
    version: str | None,
    audio_format: Any,
    *,
    fold: SummaryFold | None,
    record: Record | None,
    strict: bool = False,
) -> tuple[ClientConnection, SummaryFold]:
    """A StreamClient's connection and its fold: a new one of `version` on the URL's model
    with these settings, or the `connection=` given (new, its own settings, the same
    version); an audio_format it could not send is refused before anything connects."""
    if connection is None:
        fold = fold if fold is not None else SummaryFold()
        connection = ClientConnection(
            strict, fold=fold, record=record, version=version or "v1", model=url_model(url, version)
        )
    else:
        check_version(connection, version)
        fold = check_new_connection(connection, strict=strict, record=record, fold=fold)
    check_audio_format(connection, audio_format)
    return connection, fold


def check_new_connection(connection: ClientConnection, **given: object) -> SummaryFold:
    """A connection handed to a client is new, carries its own settings and a SummaryFold
    (the client's summary); returns that fold."""
    mixed = sorted(name for name, value in given.items() if value not in (None, False))
    if mixed:
        raise ValueError(f"with connection=, {', '.join(mixed)} belong to that connection")
    if connection.state is not SessionState.AWAITING_READY or connection.segments_sent:
        raise ValueError(
            f"connection= takes a new ClientConnection, not one in state "
            f"{connection.state.value!r} with {len(connection.segments_sent)} segments sent"
        )
    fold = connection.fold
    if not isinstance(fold, SummaryFold):
        raise ValueError(
            f"connection= needs a SummaryFold attached (ClientConnection(fold=SummaryFold())), "
            f"not {type(fold).__name__}"
        )
    return fold


class ConversationRun:
    """What both clients' stream_conversation keep between sessions, without I/O: where the
    next session's media starts, how far the media sent got, the last session's failure."""

    def __init__(self, conversation: Conversation, source: MediaSource, began: float):
        self.conversation = conversation
        self.source = source
        self.began = began  # the clock's time when the conversation began
        self.sent_to = 0.0  # where the media sent so far ends, on the source's timeline
        self.failure: BaseException | None = None

    def restart(self, now: float) -> MediaStream:
        """The next session's stream: a file from where the media sent so far ends, a live
        source at the conversation's clock (D47)."""
        return self.source.restart(now - self.began if self.source.live else self.sent_to)

    def out_of_media(self) -> None:
        """The restarted stream has no chunk: the media is over (ValueError when there was
        none at all)."""
        if not self.conversation.sessions:
            raise ValueError("the source gave no media to stream")
        self.conversation.finish()

    def sent(self, chunk: Chunk) -> None:
        self.sent_to = max(self.sent_to, chunk.end)

    def outcome(self) -> tuple[SessionSummary, str | None]:
        """The stitched summary, and why the conversation failed (None: it is complete)."""
        summary = self.conversation.summary()
        return summary, None if summary.complete else self.conversation.over or "stopped"


class ConversationStopped(Exception):
    """stream_conversation stopped without one complete summary: `reason` is the
    Conversation's (a fatal error, the retry budget spent, or the last session not ending
    gracefully), `summary` the stitched summary so far, `conversation` the Conversation
    (its sessions, errors and decisions); the last session's own failure is __cause__.
    Each client's ConversationFailed is one, and that client's StreamError too."""

    def __init__(self, reason: str, summary: SessionSummary, conversation: Conversation) -> None:
        super().__init__(f"the conversation stopped: {reason}")
        self.reason = reason
        self.summary: SessionSummary | None = summary
        self.conversation = conversation
