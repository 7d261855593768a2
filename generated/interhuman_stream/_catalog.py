# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/errors.json
# Template: codegen/templates/_catalog.py.jinja2

"""The error catalog: what each documented `error` code means for the session."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from msgspec import Struct

ERROR_LINK_BASE: Final = "https://docs.interhuman.ai/api-reference/error-handling"


class ErrorInfo(Struct, frozen=True, kw_only=True):
    """One catalog entry.

    ends_session is True when the server closes the connection after this error, False when
    the session goes on, and None when no source says. close_code is the WebSocket close code
    that follows, or None when no source gives one. verdict says what to do (D41): continues,
    ends (open a new session to go on), retry_later (back off and retry), fatal (retrying
    cannot help), segment_dropped (that segment was not analysed), unknown (no source says).
    """

    code: str
    title: str
    meaning: str
    category: Literal["general", "auth", "request", "media", "websocket"]
    ends_session: bool | None
    close_code: int | None
    verdict: Literal["continues", "ends", "retry_later", "fatal", "segment_dropped", "unknown"]
    sources: tuple[str, ...]


ERROR_CATALOG: Final[Mapping[str, ErrorInfo]] = MappingProxyType(
    {
        "ih1001": ErrorInfo(
            code="ih1001",
            title="Internal server error",
            meaning="A transient failure on the server side; retry with exponential backoff.",
            category="general",
            ends_session=None,
            close_code=None,
            verdict="retry_later",
            sources=("EH",),
        ),
        "ih1003": ErrorInfo(
            code="ih1003",
            title="No analysis backend available",
            meaning="No backend can serve the session right now; the session is refused after the handshake and nothing is billed. Retry later.",
            category="general",
            ends_session=True,
            close_code=1013,
            verdict="retry_later",
            sources=("SK-V2", "PYSDK"),
        ),
        "ih2003": ErrorInfo(
            code="ih2003",
            title="Missing stream scope",
            meaning="The credential does not carry the interhumanai.stream scope.",
            category="auth",
            ends_session=True,
            close_code=4003,
            verdict="fatal",
            sources=("SK-V2", "PYSDK"),
        ),
        "ih5001": ErrorInfo(
            code="ih5001",
            title="No usable video",
            meaning="The stream carried no video the analyzer could use.",
            category="media",
            ends_session=None,
            close_code=None,
            verdict="unknown",
            sources=("SK-V2", "PYSDK"),
        ),
        "ih5004": ErrorInfo(
            code="ih5004",
            title="Malformed video segment",
            meaning="A segment could not be parsed as part of the container stream, typically because it was re-sliced, re-muxed or truncated.",
            category="media",
            ends_session=None,
            close_code=None,
            verdict="unknown",
            sources=("SK-ARCH", "SK-V2", "PITCH"),
        ),
        "ih6001": ErrorInfo(
            code="ih6001",
            title="Invalid session config",
            meaning="A session config frame was rejected; the previous configuration stays in force and the session stays open.",
            category="websocket",
            ends_session=False,
            close_code=None,
            verdict="continues",
            sources=("SK-V2",),
        ),
        "ih6002": ErrorInfo(
            code="ih6002",
            title="Message too large",
            meaning="A binary segment exceeded max_segment_size_bytes and was dropped. Whether the session goes on is in no source (D19): a large frame can also end the connection with 1006.",
            category="websocket",
            ends_session=None,
            close_code=None,
            verdict="segment_dropped",
            sources=("DOC-V1", "SK-V2"),
        ),
        "ih6003": ErrorInfo(
            code="ih6003",
            title="Session idle timeout",
            meaning="Nothing arrived for session_idle_timeout_seconds; open a new session to continue.",
            category="websocket",
            ends_session=True,
            close_code=None,
            verdict="ends",
            sources=("SK-V2",),
        ),
        "ih6004": ErrorInfo(
            code="ih6004",
            title="Maximum session duration reached",
            meaning="The session lasted session_max_duration_seconds; open a new session to continue.",
            category="websocket",
            ends_session=True,
            close_code=None,
            verdict="ends",
            sources=("SK-V2",),
        ),
    }
)


def error_info(code: str) -> ErrorInfo | None:
    """The catalog entry for an error code, or None for a code the catalog does not list."""
    return ERROR_CATALOG.get(code)
