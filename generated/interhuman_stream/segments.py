# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json, spec/handshake.json, spec/segments.json, spec/errors.json
# Template: codegen/templates/namespace.py.jinja2

"""Binary video segments: the documented limits, the accepted containers and how a segment's first bytes are recognised. From spec/segments.json."""

from ._segments import (
    CONTAINER_FORMATS,
    DOCUMENTED_MAX_SEGMENT_SIZE_BYTES,
    DOCUMENTED_MIN_SEGMENT_DURATION_SECONDS,
    DOCUMENTED_MIN_SEGMENT_SIZE_BYTES,
    POSSIBLE_SEGMENT_INDEX_BASES,
    SEGMENT_INDEX_BASE,
    BytePattern,
    ContainerFormat,
    sniff_container,
)

__all__ = [
    "BytePattern",
    "CONTAINER_FORMATS",
    "ContainerFormat",
    "DOCUMENTED_MAX_SEGMENT_SIZE_BYTES",
    "DOCUMENTED_MIN_SEGMENT_DURATION_SECONDS",
    "DOCUMENTED_MIN_SEGMENT_SIZE_BYTES",
    "POSSIBLE_SEGMENT_INDEX_BASES",
    "SEGMENT_INDEX_BASE",
    "sniff_container",
]
