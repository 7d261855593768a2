# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/segments.json
# Template: codegen/templates/_segments.py.jinja2

"""Binary video segments as data (segments.json, D8, D18).

The limits a session enforces are the ones its session.ready announces; the DOCUMENTED_*
values are only the documented defaults.
"""

from typing import Final

from msgspec import Struct

SEGMENT_INDEX_BASE: Final = 0
"""The base assumed for error.segment (the index of the first binary frame sent on a
connection) when a connection is not told its base: no source states it (D8, D36)."""
POSSIBLE_SEGMENT_INDEX_BASES: Final = frozenset((0, 1))
"""Every base the sources leave open: an index one of them explains is not a breach (D36)."""
DOCUMENTED_MIN_SEGMENT_DURATION_SECONDS: Final = 3
DOCUMENTED_MIN_SEGMENT_SIZE_BYTES: Final = 1
DOCUMENTED_MAX_SEGMENT_SIZE_BYTES: Final = 33554432
PACKETS_TO_CHECK: Final = 3
"""How many leading packets a packet-aligned pattern must match in."""
MIN_WHOLE_PACKETS: Final = 2
"""How many whole packets data must hold to be recognised as a packet stream."""


class BytePattern(Struct, frozen=True, kw_only=True):
    """Bytes expected at an offset; with packet_size, at that offset of every leading packet."""

    offset: int
    magic: bytes
    packet_size: int | None = None


class ContainerFormat(Struct, frozen=True, kw_only=True):
    """An accepted container and the ways its first bytes can look.

    A segment starts like this container when all patterns of any one signature match.
    """

    name: str
    description: str
    signatures: tuple[tuple[BytePattern, ...], ...]


CONTAINER_FORMATS: Final[tuple[ContainerFormat, ...]] = (
    ContainerFormat(
        name="mp4",
        description="ISO base media file (MPEG-4 Part 14): a box with a four-character type at byte 4.",
        signatures=(
            (BytePattern(offset=4, magic=b"ftyp"),),
            (BytePattern(offset=4, magic=b"styp"),),
            (BytePattern(offset=4, magic=b"moov"),),
            (BytePattern(offset=4, magic=b"moof"),),
        ),
    ),
    ContainerFormat(
        name="mov",
        description="QuickTime file: same box structure as mp4, and may open with a wide, free, skip or mdat atom.",
        signatures=(
            (BytePattern(offset=4, magic=b"ftyp"),),
            (BytePattern(offset=4, magic=b"moov"),),
            (BytePattern(offset=4, magic=b"wide"),),
            (BytePattern(offset=4, magic=b"free"),),
            (BytePattern(offset=4, magic=b"skip"),),
            (BytePattern(offset=4, magic=b"mdat"),),
        ),
    ),
    ContainerFormat(
        name="avi",
        description="RIFF file whose form type is AVI.",
        signatures=(
            (
                BytePattern(offset=0, magic=b"RIFF"),
                BytePattern(offset=8, magic=b"AVI "),
            ),
        ),
    ),
    ContainerFormat(
        name="mkv",
        description="Matroska: an EBML header.",
        signatures=((BytePattern(offset=0, magic=b"\x1aE\xdf\xa3"),),),
    ),
    ContainerFormat(
        name="webm",
        description="WebM: a Matroska subset, same EBML header (DocType webm).",
        signatures=((BytePattern(offset=0, magic=b"\x1aE\xdf\xa3"),),),
    ),
    ContainerFormat(
        name="mpeg-ts",
        description="MPEG transport stream: 188-byte packets, each starting with the sync byte 0x47.",
        signatures=((BytePattern(offset=0, magic=b"G", packet_size=188),),),
    ),
    ContainerFormat(
        name="mpeg-2-ts",
        description="MPEG-2 transport stream in 192-byte packets (BDAV/M2TS: a 4-byte timecode, then the 188-byte packet with its 0x47 sync byte).",
        signatures=((BytePattern(offset=4, magic=b"G", packet_size=192),),),
    ),
)


def _matches(pattern: BytePattern, data: bytes) -> bool:
    if pattern.packet_size is None:
        return data.startswith(pattern.magic, pattern.offset)
    whole_packets = len(data) // pattern.packet_size
    if whole_packets < MIN_WHOLE_PACKETS:
        return False
    packets = min(PACKETS_TO_CHECK, whole_packets)
    return all(
        data.startswith(pattern.magic, pattern.offset + k * pattern.packet_size)
        for k in range(packets)
    )


def sniff_container(data: bytes) -> ContainerFormat | None:
    """The first accepted container whose signature the data starts with, or None.

    Recognises a chunk that carries a container header; continuation chunks of a recorder
    stream (a WebM cluster, a fragmented-MP4 moof) are not expected to match.
    """
    for container in CONTAINER_FORMATS:
        for signature in container.signatures:
            if all(_matches(pattern, data) for pattern in signature):
                return container
    return None
