# Hand-written runtime: edit codegen/runtime/clients/media.py (regen copies it verbatim).

"""Cutting media into the segments the service takes: the first carries the container
header, each later one continues the same stream, about 3 seconds each, as a browser's
MediaRecorder delivers them (the vendor SDK's rule: send the recorder's chunks in order and
unmodified).

A WebM/Matroska file is cut at its clusters and a fragmented MP4 at its fragments, with the
standard library alone. Any other file (a plain MP4, a MOV, ...) is first remuxed - not
re-encoded - into a fragmented MP4 with PyAV (`pip install "interhuman-stream[media]"`).

A conversation streams one recording over successive sessions, each opening with a fresh
container stream start: `FileSource` restarts a file at a cut point and `LiveSource` a
recorder at the live clock, both as a `MediaStream` of timed `Chunk`s (`MediaSource`).
"""

from __future__ import annotations

import io
import itertools
import math
import mmap
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, ClassVar, Final, NamedTuple, Protocol, TypeAlias

__all__ = [
    "Chunk",
    "FileSource",
    "LiveSource",
    "MediaError",
    "MediaSource",
    "MediaStream",
    "fragmented_mp4_chunks",
    "remux_to_fragmented_mp4",
    "segments_of",
    "webm_chunks",
]

_SEGMENT: Final = 0x18538067
_CLUSTER: Final = 0x1F43B675
_EBML: Final = b"\x1a\x45\xdf\xa3"


Buffer: TypeAlias = bytes | mmap.mmap
"""Media bytes in memory or a file mapped into it (slicing either gives bytes)."""


def _mapped(path: Path) -> Buffer:
    """A file's bytes, mapped read-only rather than read (an empty file cannot be mapped)."""
    with path.open("rb") as handle:
        if not os.fstat(handle.fileno()).st_size:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


class MediaError(ValueError):
    """The media cannot be cut into segments (and why)."""


def _ebml_number(data: Buffer, position: int, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length number at `position`: (value, length in bytes)."""
    if position >= len(data):
        raise MediaError(f"the WebM data ends inside an element header (byte {position})")
    first = data[position]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise MediaError(f"not a WebM element at byte {position}")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[position + 1 : position + length]:
        value = (value << 8) | byte
    return value, length


def webm_chunks(data: bytes, clusters_per_chunk: int = 3) -> list[bytes]:
    """A WebM/Matroska file cut at cluster boundaries: the header with the first clusters,
    then `clusters_per_chunk` clusters each (a muxer writes about one cluster a second)."""
    position = 0
    _element, length = _ebml_number(data, position, keep_marker=True)
    size, size_length = _ebml_number(data, position + length, keep_marker=False)
    position += length + size_length + size  # the EBML header
    element, length = _ebml_number(data, position, keep_marker=True)
    if element != _SEGMENT:
        raise MediaError("not a Matroska segment after the EBML header")
    _size, size_length = _ebml_number(data, position + length, keep_marker=False)
    position += length + size_length
    clusters = []
    while position < len(data):
        element, length = _ebml_number(data, position, keep_marker=True)
        size, size_length = _ebml_number(data, position + length, keep_marker=False)
        if element == _CLUSTER:
            clusters.append(position)
        position += length + size_length + size
    if not clusters:
        raise MediaError("the WebM file holds no cluster (no media)")
    cuts = clusters[clusters_per_chunk::clusters_per_chunk]
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _boxes(data: bytes) -> list[tuple[bytes, int]]:
    boxes = []
    position = 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        if size < 8:
            raise MediaError(f"bad MP4 box size at byte {position}")
        boxes.append((kind, position))
        position += size
    return boxes


def fragmented_mp4_chunks(data: bytes, fragments_per_chunk: int = 3) -> list[bytes]:
    """A fragmented MP4 cut at fragments: ftyp+moov with the first fragments, then
    `fragments_per_chunk` moof+mdat pairs each."""
    boxes = _boxes(data)
    moofs = [start for kind, start in boxes if kind == b"moof"]
    if not moofs:
        raise MediaError("not a fragmented MP4 (no moof box): remux it first")
    cuts = moofs[fragments_per_chunk::fragments_per_chunk]
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def remux_to_fragmented_mp4(path: Path) -> bytes:
    """Any file PyAV reads, remuxed (streams copied, not re-encoded) into a fragmented MP4."""
    return _remux(str(path), path.name)


def _remux(source: str | BinaryIO, name: str) -> bytes:
    """remux_to_fragmented_mp4 for a path or for bytes in memory (`name` for the errors)."""
    try:
        import av  # noqa: PLC0415 - an optional extra, imported only when it is needed
    except ImportError:
        raise MediaError(
            f"{name} is not WebM or fragmented MP4; to cut it, install PyAV: "
            'pip install "interhuman-stream[media]"'
        ) from None
    out = io.BytesIO()
    with (
        av.open(source, "r") as source_file,
        av.open(
            out,
            "w",
            format="mp4",
            options={"movflags": "frag_keyframe+empty_moov+default_base_moof"},
        ) as target,
    ):
        mapping = {}
        for stream in source_file.streams:
            if stream.type in ("video", "audio"):
                mapping[stream.index] = target.add_stream_from_template(stream)
        if not any(s.type == "video" for s in source_file.streams):
            raise MediaError(f"{name} holds no video stream")
        for packet in source_file.demux(*[s for s in source_file.streams if s.index in mapping]):
            if packet.dts is None:
                continue
            packet.stream = mapping[packet.stream.index]
            target.mux(packet)
    return out.getvalue()


def segments_of(path: Path) -> list[bytes]:
    """The segments to stream a media file as: cut as it is when it is WebM or fragmented
    MP4, remuxed into fragmented MP4 first otherwise."""
    data = path.read_bytes()
    if data.startswith(_EBML):
        return webm_chunks(data)
    if data[4:8] == b"ftyp" and any(kind == b"moof" for kind, _ in _boxes(data)):
        return fragmented_mp4_chunks(data)
    return fragmented_mp4_chunks(remux_to_fragmented_mp4(path))


# Restarting a stream at a seam.
#
# A conversation streams one recording over successive sessions, and every session must
# open with a fresh container stream start. The sources below restart their media at an
# offset: each restart is a stream of its own, as if a recorder had been started again.


class Chunk(NamedTuple):
    """One segment to send, and the media it covers on the source's timeline (the original
    file's seconds, or the live clock's)."""

    data: bytes
    start: float
    end: float


class MediaStream(NamedTuple):
    """A restarted stream: its first chunk carries the container header. `offset` is where
    that chunk starts on the source's timeline (what `Conversation.start_session` takes as
    `media_offset`). `chunks` is a sync or an async iterable, as the source's media is."""

    offset: float
    chunks: Iterable[Chunk] | AsyncIterable[Chunk]


class MediaSource(Protocol):
    """Media that can be restarted at an offset: a file (`FileSource`) or a live recorder
    (`LiveSource`)."""

    @property
    def live(self) -> bool:
        """True when the media is produced as it is streamed (restart follows the clock)."""
        ...

    def restart(self, at: float) -> MediaStream:
        """A fresh stream start for the media from `at` seconds on the source's timeline."""
        ...


def _check_at(at: float) -> None:
    if not 0.0 <= at < math.inf:  # also false for NaN
        raise MediaError(f"restart at {at!r}: a media time must be a finite number >= 0")


class _Stamp(NamedTuple):
    """A timestamp to rebase: where its bytes are (counted from the start of its piece)."""

    position: int
    length: int
    value: int
    track: int


class _Piece(NamedTuple):
    """A cut point's unit: one WebM cluster or one fragmented-MP4 fragment (moof+mdat)."""

    start: int  # where it starts in the file
    spans: tuple[tuple[int, int], ...]  # its bytes in the file, what a restart sends
    seconds: float  # when it starts on the file's timeline
    stamps: tuple[_Stamp, ...]
    # Whether its video starts with a keyframe (or it holds no video): a restart can start
    # here (D46).
    keyframe: bool


_SEEK_HEAD: Final = 0x114D9B74
_INFO: Final = 0x1549A966
_TRACKS: Final = 0x1654AE6B
_CUES: Final = 0x1C53BB6B
_TOP_LEVEL: Final = frozenset(
    {_SEEK_HEAD, _INFO, _TRACKS, _CLUSTER, _CUES, 0x1941A469, 0x1043A770, 0x1254C367, 0x1A45DFA3}
)  # also Attachments, Chapters, Tags, and the EBML header of a next stream
_TIMECODE_SCALE: Final = 0x2AD7B1
_DURATION: Final = 0x4489
_TIMECODE: Final = 0xE7
_SIMPLE_BLOCK: Final = 0xA3
_BLOCK_GROUP: Final = 0xA0
_BLOCK: Final = 0xA1
_BLOCK_DURATION: Final = 0x9B
_REFERENCE_BLOCK: Final = 0xFB
_TRACK_ENTRY: Final = 0xAE
_TRACK_NUMBER: Final = 0xD7
_TRACK_TYPE: Final = 0x83
_VOID: Final = 0xEC


def _unknown_size(size: int, size_length: int) -> bool:
    return size == (1 << (7 * size_length)) - 1


def _uint(data: Buffer, start: int, end: int) -> int:
    return int.from_bytes(data[start:end], "big")


class _Layout(NamedTuple):
    """What a restart needs to know about a file, found once."""

    header: bytes  # the container header a restart at a later cut point sends
    pieces: tuple[_Piece, ...]
    duration: float
    scales: dict[int, int]  # per track, timestamp units per second (a rebase's fallback)
    # Why a restart at a later cut point would be invalid ("" when it is valid).
    unrestartable: str


def _webm_elements(
    data: Buffer, position: int, end: int, stop: frozenset[int] = frozenset()
) -> Iterator[tuple[int, int, int, int]]:
    """The elements in data[position:end]: (ID, start, body start, end). An unknown-size
    Cluster ends where the next top-level element begins; walking stops before an ID in
    `stop` (the end of an unknown-size parent)."""
    while position < end:
        element, length = _ebml_number(data, position, keep_marker=True)
        if element in stop:
            return
        size, size_length = _ebml_number(data, position + length, keep_marker=False)
        body = position + length + size_length
        if _unknown_size(size, size_length):
            if element != _CLUSTER:
                raise MediaError(
                    f"the WebM element {element:#x} at byte {position} has an unknown size; "
                    "only clusters (and the segment) may"
                )
            element_end = body
            for *_rest, child_end in _webm_elements(data, body, end, _TOP_LEVEL):
                element_end = child_end
        else:
            element_end = min(body + size, len(data))  # a cut-off last element: what is left
        yield element, position, body, element_end
        position = element_end


def _webm_layout(data: Buffer) -> _Layout:
    _element, length = _ebml_number(data, 0, keep_marker=True)
    size, size_length = _ebml_number(data, length, keep_marker=False)
    segment = length + size_length + size
    element, length = _ebml_number(data, segment, keep_marker=True)
    if element != _SEGMENT:
        raise MediaError("not a Matroska segment after the EBML header")
    size, size_length = _ebml_number(data, segment + length, keep_marker=False)
    body = segment + length + size_length
    end = len(data) if _unknown_size(size, size_length) else min(body + size, len(data))
    # The segment's size counts bytes a restart does not send: "unknown", same length.
    header = bytearray(data[: segment + length])
    header += ((1 << (7 * size_length + 1)) - 1).to_bytes(size_length, "big")
    scale = 1_000_000  # nanoseconds per timecode tick, Matroska's default
    video: set[int] = set()  # the video tracks' numbers
    clusters: list[tuple[int, int, int]] = []  # start, body start, end
    for element, start, child_body, child_end in _webm_elements(data, body, end):
        if element == _CLUSTER:
            clusters.append((start, child_body, child_end))
        elif not clusters and element == _INFO:
            info = bytearray(data[start:child_end])
            for kind, at, value_at, value_end in _webm_elements(data, child_body, child_end):
                if kind == _TIMECODE_SCALE:
                    scale = _uint(data, value_at, value_end) or scale
                elif kind == _DURATION:
                    # A recorder's stream has no duration, and the file's is not the
                    # restarted stream's: a Void element of the same length takes its place.
                    void = _void(value_end - at)
                    info[at - start : value_end - start] = void
            header += info
        elif not clusters and element not in (_SEEK_HEAD, _CUES):
            # SeekHead and Cues point at byte positions a restart moves.
            header += data[start:child_end]
            if element == _TRACKS:
                video |= _webm_video_tracks(data, child_body, child_end)
    if not clusters:
        raise MediaError("the WebM file holds no cluster (no media)")
    pieces = []
    for start, child_body, child_end in clusters:
        stamp = None
        for element, _at, value_at, value_end in _webm_elements(data, child_body, child_end):
            if element == _TIMECODE:
                value = _uint(data, value_at, value_end)
                stamp = _Stamp(value_at - start, value_end - value_at, value, 0)
                break
        if stamp is None:
            raise MediaError(f"the WebM cluster at byte {start} has no Timecode")
        seconds = stamp.value * scale / 1e9
        keyframe = _webm_keyframe(data, child_body, child_end, video)
        pieces.append(_Piece(start, ((start, child_end),), seconds, (stamp,), keyframe))
    ticks = _webm_end(data, clusters[-2:], [p.stamps[0].value for p in pieces[-2:]])
    if ticks is None:  # no block to go by: the last cluster as long as the one before
        last = pieces[-1].seconds
        duration = last + (last - pieces[-2].seconds if len(pieces) > 1 else 0.0)
    else:
        duration = max(ticks * scale / 1e9, pieces[-1].seconds)
    # Every cluster has its Timecode, so a rebase needs no track's scale.
    return _Layout(bytes(header), tuple(pieces), duration, {}, "")


def _webm_video_tracks(data: Buffer, body: int, end: int) -> set[int]:
    """The numbers of the video tracks (TrackType 1) in Tracks' data[body:end]."""
    video = set()
    for element, _start, entry, entry_end in _webm_elements(data, body, end):
        if element != _TRACK_ENTRY:
            continue
        number = kind = None
        for child, _at, value_at, value_end in _webm_elements(data, entry, entry_end):
            if child == _TRACK_NUMBER:
                number = _uint(data, value_at, value_end)
            elif child == _TRACK_TYPE:
                kind = _uint(data, value_at, value_end)
        if number is not None and kind == 1:
            video.add(number)
    return video


def _webm_keyframe(data: Buffer, body: int, end: int, video: set[int]) -> bool:
    """Whether the cluster data[body:end] starts its video with a keyframe: its first block
    of a video track is a SimpleBlock with the keyframe flag (0x80) or a BlockGroup without
    a ReferenceBlock. True without a video block (or a video track)."""
    if not video:
        return True
    for element, _at, block_body, block_end in _webm_elements(data, body, end):
        if element == _SIMPLE_BLOCK:
            track, length = _ebml_number(data, block_body, keep_marker=False)
            flags = block_body + length + 2  # after the track and the relative timecode
            if track in video and flags < block_end:
                return bool(data[flags] & 0x80)
        elif element == _BLOCK_GROUP:
            block = None
            referenced = False
            for kind, _a, value_at, _value_end in _webm_elements(data, block_body, block_end):
                if kind == _BLOCK:
                    block = value_at
                elif kind == _REFERENCE_BLOCK:
                    referenced = True
            if block is not None and _ebml_number(data, block, keep_marker=False)[0] in video:
                return not referenced
    return True


def _void(length: int) -> bytes:
    """A Void element `length` bytes long in all (at least 2)."""
    if length < 2:
        raise MediaError(f"no Void element is {length} byte long")
    if length - 2 < 0x7F:
        return bytes((_VOID, 0x80 | (length - 2))) + bytes(length - 2)
    size = length - 9  # an 8-byte size
    return bytes((_VOID, 0x01)) + size.to_bytes(7, "big") + bytes(size)


def _webm_end(
    data: Buffer, clusters: list[tuple[int, int, int]], timecodes: list[int]
) -> int | None:
    """Where the media of the last clusters ends, in ticks: the latest block's time plus
    its BlockDuration, or else plus its track's frame length (the smallest positive gap
    between that track's blocks in these clusters; 0 when there is none). None without a
    block."""
    blocks: dict[int, list[tuple[int, int | None]]] = {}  # track -> (time, duration)
    for (_start, body, end), timecode in zip(clusters, timecodes, strict=True):
        for element, _at, block_body, block_end in _webm_elements(data, body, end):
            duration = None
            if element == _BLOCK_GROUP:
                found = None
                for kind, _a, value_at, value_end in _webm_elements(data, block_body, block_end):
                    if kind == _BLOCK:
                        found = value_at
                    elif kind == _BLOCK_DURATION:
                        duration = _uint(data, value_at, value_end)
                if found is None:
                    continue
                block = found
            elif element == _SIMPLE_BLOCK:
                block = block_body
            else:
                continue
            track, length = _ebml_number(data, block, keep_marker=False)
            relative = int.from_bytes(data[block + length : block + length + 2], "big", signed=True)
            blocks.setdefault(track, []).append((timecode + relative, duration))
    ends: list[int] = []
    for entries in blocks.values():
        times = sorted({time for time, _ in entries})
        frame = min((b - a for a, b in itertools.pairwise(times)), default=0)
        ends.extend(time + (frame if duration is None else duration) for time, duration in entries)
    return max(ends, default=None)


def _mp4_boxes(data: Buffer, position: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """The boxes in data[position:end]: (type, start, body start, end)."""
    while position + 8 <= end:
        size = _uint(data, position, position + 4)
        kind = data[position + 4 : position + 8]
        body = position + 8
        if size == 1:  # a 64-bit size follows the type
            size = _uint(data, body, body + 8)
            body += 8
        elif size == 0:  # to the end of the file
            size = end - position
        if size < body - position:
            raise MediaError(f"bad MP4 box size {size} at byte {position}")
        yield kind, position, body, min(position + size, end)
        position += size


def _mp4_child(data: Buffer, body: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """The (body start, end) of the first `kind` box in data[body:end]."""
    for child, _start, child_body, child_end in _mp4_boxes(data, body, end):
        if child == kind:
            return child_body, child_end
    return None


class _Tracks(NamedTuple):
    """What moov says of the tracks, per track_ID."""

    scales: dict[int, int]  # timescale
    durations: dict[int, int]  # default sample duration (trex)
    flags: dict[int, int]  # default sample flags (trex)
    video: int | None  # the video track's ID (None when no handler says video)


def _mp4_tracks(data: Buffer, body: int, end: int) -> _Tracks:
    """From moov: per track_ID its timescale and its default sample duration and flags
    (trex), and the video track's ID."""
    scales: dict[int, int] = {}
    durations: dict[int, int] = {}
    flags: dict[int, int] = {}
    video = None
    for kind, _start, trak, trak_end in _mp4_boxes(data, body, end):
        if kind == b"mvex":
            for child, _s, trex, _e in _mp4_boxes(data, trak, trak_end):
                if child == b"trex":  # version/flags, track_ID, description, duration,
                    # size, flags
                    track = _uint(data, trex + 4, trex + 8)
                    durations[track] = _uint(data, trex + 12, trex + 16)
                    flags[track] = _uint(data, trex + 20, trex + 24)
        if kind != b"trak":
            continue
        tkhd = _mp4_child(data, trak, trak_end, b"tkhd")
        mdia = _mp4_child(data, trak, trak_end, b"mdia")
        mdhd = mdia and _mp4_child(data, *mdia, b"mdhd")
        if tkhd is None or mdia is None or mdhd is None:
            raise MediaError(f"the MP4 track at byte {trak} has no tkhd or mdia/mdhd box")
        wide = 8 if data[tkhd[0]] == 1 else 0  # version 1: 64-bit creation/modification
        track = _uint(data, tkhd[0] + 12 + wide, tkhd[0] + 16 + wide)
        wide = 8 if data[mdhd[0]] == 1 else 0
        scales[track] = _uint(data, mdhd[0] + 12 + wide, mdhd[0] + 16 + wide)
        if not scales[track]:
            raise MediaError(f"the MP4 track {track} has timescale 0")
        hdlr = _mp4_child(data, *mdia, b"hdlr")
        if video is None and hdlr is not None and data[hdlr[0] + 8 : hdlr[0] + 12] == b"vide":
            video = track
    if not scales:
        raise MediaError("the MP4 moov box holds no track")
    return _Tracks(scales, durations, flags, video)


_NON_SYNC: Final = 0x00010000  # sample_is_non_sync_sample, in a sample's flags


class _Fragment(NamedTuple):
    """What a moof says: each track's tfdt (a _Stamp), each track's summed sample
    durations, whether a tfhd gives an absolute base data offset, and whether the video
    track's first sample is a sync sample (True without a video track fragment)."""

    stamps: list[_Stamp]
    durations: dict[int, int]
    absolute: bool
    keyframe: bool


def _mp4_fragment(data: Buffer, moof: int, body: int, end: int, tracks: _Tracks) -> _Fragment:
    """A moof's _Fragment."""
    stamps = []
    durations: dict[int, int] = {}
    absolute = False
    first_flags = None  # the video track's first sample's flags
    for kind, _start, traf, traf_end in _mp4_boxes(data, body, end):
        if kind != b"traf":
            continue
        tfhd = _mp4_child(data, traf, traf_end, b"tfhd")
        tfdt = _mp4_child(data, traf, traf_end, b"tfdt")
        if tfhd is None or tfdt is None:
            raise MediaError(f"the MP4 fragment at byte {moof} has a traf without tfhd or tfdt")
        flags = _uint(data, tfhd[0] + 1, tfhd[0] + 4)
        track = _uint(data, tfhd[0] + 4, tfhd[0] + 8)
        absolute |= bool(flags & 0x000001)
        field = tfhd[0] + 8 + (8 if flags & 0x000001 else 0) + (4 if flags & 0x000002 else 0)
        default = (
            _uint(data, field, field + 4) if flags & 0x000008 else tracks.durations.get(track, 0)
        )
        field += (4 if flags & 0x000008 else 0) + (4 if flags & 0x000010 else 0)
        default_flags = (
            _uint(data, field, field + 4) if flags & 0x000020 else tracks.flags.get(track, 0)
        )
        length = 8 if data[tfdt[0]] == 1 else 4
        value = _uint(data, tfdt[0] + 4, tfdt[0] + 4 + length)
        stamps.append(_Stamp(tfdt[0] + 4 - moof, length, value, track))
        for child, _s, trun, _e in _mp4_boxes(data, traf, traf_end):
            if child != b"trun":
                continue
            flags = _uint(data, trun + 1, trun + 4)
            count = _uint(data, trun + 4, trun + 8)
            # sample_count, data_offset, first_sample_flags, then per sample: duration,
            # size, flags, composition time offset (each when its flag is set)
            sample = trun + 8 + (4 if flags & 0x000001 else 0) + (4 if flags & 0x000004 else 0)
            if track == tracks.video and first_flags is None and count:
                if flags & 0x000004:  # first_sample_flags
                    first_flags = _uint(data, sample - 4, sample)
                elif flags & 0x000400:  # the first sample's own flags
                    at = sample + (4 if flags & 0x000100 else 0) + (4 if flags & 0x000200 else 0)
                    first_flags = _uint(data, at, at + 4)
                else:
                    first_flags = default_flags
            if not flags & 0x000100:  # no per-sample durations: the default for each
                durations[track] = durations.get(track, 0) + count * default
                continue
            step = 4 * bin(flags & 0x000F00).count("1")
            durations[track] = durations.get(track, 0) + sum(
                _uint(data, at, at + 4) for at in range(sample, sample + count * step, step)
            )
    if not stamps:
        raise MediaError(f"the MP4 fragment at byte {moof} holds no track fragment")
    keyframe = first_flags is None or not first_flags & _NON_SYNC
    return _Fragment(stamps, durations, absolute, keyframe)


# Boxes that index the whole file by byte position or time: a restart does not send them.
_MP4_INDEXES: Final = frozenset({b"sidx", b"mfra", b"ssix"})


def _mp4_layout(data: Buffer) -> _Layout:
    boxes = list(_mp4_boxes(data, 0, len(data)))
    kinds = [kind for kind, *_ in boxes]
    if b"moov" not in kinds or b"moof" not in kinds:
        raise MediaError("not a fragmented MP4 (no moov or no moof box): remux it first")
    first_moof = kinds.index(b"moof")
    header = b"".join(
        data[s:e] for kind, s, _b, e in boxes[:first_moof] if kind in (b"ftyp", b"moov")
    )
    _kind, _start, moov, moov_end = boxes[kinds.index(b"moov")]
    tracks = _mp4_tracks(data, moov, moov_end)
    scales = tracks.scales
    video = next(iter(scales)) if tracks.video is None else tracks.video  # the timed track
    unrestartable = ""
    if b"mdat" in kinds[:first_moof]:
        unrestartable = "its moov box holds samples (an mdat comes before the first fragment)"
    pieces: list[_Piece] = []
    last_durations: dict[int, int] = {}
    for index, (kind, start, body, end) in enumerate(boxes):
        if kind != b"moof":
            continue
        fragment = _mp4_fragment(data, start, body, end, tracks)
        stamps, last_durations = fragment.stamps, fragment.durations
        for stamp in stamps:
            if stamp.track not in scales:
                raise MediaError(
                    f"the MP4 fragment at byte {start} is of track {stamp.track}, not in moov"
                )
        if fragment.absolute and not unrestartable:
            unrestartable = (
                f"the fragment at byte {start} gives absolute byte offsets "
                "(tfhd base-data-offset); remux it with movflags default_base_moof"
            )
        spans = []
        for box, box_start, _body, box_end in boxes[index:]:
            if box == b"moof" and box_start != start:
                break
            if box not in _MP4_INDEXES:
                spans.append((box_start, box_end))
        timed = next((s for s in stamps if s.track == video), stamps[0])
        seconds = timed.value / scales[timed.track]
        pieces.append(_Piece(start, tuple(spans), seconds, tuple(stamps), fragment.keyframe))
    last = pieces[-1]
    timed = next((s for s in last.stamps if s.track == video), last.stamps[0])
    if last_durations.get(timed.track):
        duration = last.seconds + last_durations[timed.track] / scales[timed.track]
    else:  # no sample durations to go by: the last fragment as long as the one before
        duration = last.seconds + (last.seconds - pieces[-2].seconds if len(pieces) > 1 else 0.0)
    return _Layout(header, tuple(pieces), duration, scales, unrestartable)


class FileSource:
    """A WebM/Matroska or fragmented-MP4 file, restartable at any cut point; any other file
    (a plain MP4, a MOV, ...) is remuxed once with PyAV into a fragmented MP4 first (PyAV-cut
    media, `pip install "interhuman-stream[media]"`).

    The cut points are the starts of the clusters (WebM) or of the fragments (moof+mdat).
    Muxers usually start those at keyframes, but that is checked, not assumed: a restart
    starts only at a keyframe cut point, one whose video starts with a keyframe (or that
    holds no video; every cut point of a file without video). For WebM the cluster's first
    block of a video track (TrackType 1 in Tracks) is a SimpleBlock with its keyframe flag
    or a BlockGroup without a ReferenceBlock; for MP4 the video track's first sample in the
    fragment is a sync sample (its flags from trun's first_sample_flags, or its own sample
    flags, or tfhd's or else trex's default sample flags). `restart(at)` starts at the last
    keyframe cut point at or before `at` (the first keyframe cut point when none is before;
    the last cut point at or before `at` when the file has no keyframe cut point at all),
    and groups `per_chunk` cut points in each chunk from there, as `webm_chunks` and
    `fragmented_mp4_chunks` do. A restart at the first cut point (`restart(0)`) sends the
    file as it is (the very chunks those cutters make). A restart at a later cut point is a
    fresh stream start that looks like a new recording: the container header, then the
    media from that cut point with its timestamps rebased to begin at 0 (D46).

    - WebM: the header is the EBML header and the Segment with its size made "unknown" (same
      length) and its elements before the first cluster, without SeekHead and Cues (they
      point at byte positions that move) and with Info's Duration replaced by a Void element
      of the same length; each cluster's Timecode is rebased in place. Clusters of unknown
      size (a live recorder's WebM) are read: each ends where the next top-level element
      begins. Top-level elements after the clusters (Cues, Tags) are not sent.
    - Fragmented MP4: the header is ftyp + moov, unchanged; each track fragment's tfdt is
      rebased in place: every track loses the same time, where the earliest track starts
      in the first fragment sent, so audio and video keep their sync. A file whose
      fragments give absolute byte offsets (tfhd base-data-offset) or whose moov holds
      samples can only be sent from 0 (a later restart raises MediaError). sidx and mfra
      boxes are not sent.

    Chunk times are seconds on the original file's timeline: a chunk starts where its first
    cluster/fragment starts (the video track's tfdt for MP4) and ends where the next chunk
    starts. The last ends at `duration`, an estimate: for WebM the last block's time (in
    the last two clusters) plus its BlockDuration, or else plus its track's smallest gap
    between blocks there (one frame); for MP4 the last fragment's start plus the summed
    sample durations of its video track. Without those, the last cluster/fragment is taken
    to be as long as the one before it.

    A file is mapped, not read (mmap): an hours-long recording is not copied into memory,
    only each chunk is, as a stream is iterated (and can be iterated again); the mapping
    stays open while the source lives. Bytes given are held as they are; PyAV-cut media
    is held remuxed, in memory.
    """

    live: ClassVar[bool] = False

    def __init__(self, source: Path | bytes, *, per_chunk: int = 3) -> None:
        if per_chunk < 1:
            raise MediaError(f"per_chunk={per_chunk}: a chunk holds at least 1 cluster/fragment")
        self.per_chunk = per_chunk
        data = _mapped(source) if isinstance(source, Path) else bytes(source)
        name = source.name if isinstance(source, Path) else "the media"
        if data[:4] == _EBML:
            self._layout = _webm_layout(data)
        elif data[4:8] == b"ftyp" and any(
            kind == b"moof" for kind, *_ in _mp4_boxes(data, 0, len(data))
        ):
            self._layout = _mp4_layout(data)
        else:
            opened: str | BinaryIO = str(source) if isinstance(source, Path) else io.BytesIO(data)
            data = _remux(opened, name)
            self._layout = _mp4_layout(data)
        self._data = data
        self._name = name
        self.duration: float = self._layout.duration

    def restart(self, at: float) -> MediaStream:
        """The media from the last keyframe cut point at or before `at` (media seconds; the
        first keyframe cut point when none is; see the class) as a fresh stream; no chunks
        (offset `at`) from `duration` on. A fragmented MP4 that can only be sent from its
        start (absolute byte offsets, samples in moov) is remuxed with PyAV, once, the first
        time it must restart later (the media is copied, its times kept: the timeline goes
        on). MediaError for a negative or non-finite `at`, or for such a file without PyAV."""
        _check_at(at)
        if at >= self.duration:
            return MediaStream(at, ())
        first = self._first_at(at)
        if first and self._layout.unrestartable:
            self._remux_to_restart(at)
            first = self._first_at(at)
        return MediaStream(self._layout.pieces[first].seconds, _FileChunks(self, first))

    def _first_at(self, at: float) -> int:
        """The piece a restart at `at` starts at: the last keyframe cut point at or before
        `at`, else the first keyframe cut point; any cut point when none is one (D46)."""
        pieces = self._layout.pieces
        keyframes = [i for i, piece in enumerate(pieces) if piece.keyframe] or range(len(pieces))
        before = [i for i in keyframes if pieces[i].seconds <= at + 1e-6]
        return before[-1] if before else keyframes[0]

    def _remux_to_restart(self, at: float) -> None:
        why = self._layout.unrestartable
        try:
            import av  # noqa: F401, PLC0415 - an optional extra, imported only when it is needed
        except ImportError:
            raise MediaError(
                f"cannot restart {self._name} at {at!r} s, only at 0: {why}; or install PyAV "
                '(pip install "interhuman-stream[media]") to have it remuxed'
            ) from None
        data = _remux(io.BytesIO(self._data), self._name)
        layout = _mp4_layout(data)
        if layout.unrestartable:
            raise MediaError(f"cannot restart {self._name} at {at!r} s: {layout.unrestartable}")
        self._data, self._layout = data, layout

    @staticmethod
    def _rebases(layout: _Layout, first: int) -> dict[int, int]:
        """What each track's timestamps lose in a restart at piece `first`, in its units."""
        piece = layout.pieces[first]
        if not layout.scales:  # WebM: the cluster's Timecode times every track
            return {stamp.track: stamp.value for stamp in piece.stamps}
        # Every track loses the same time, the earliest track's start in that fragment: the
        # tracks keep their sync (each its own start would shift audio against video by up
        # to an audio frame) and none goes below 0.
        # (Each track's floor of the earliest start in its units, in integers: exact.)
        return {
            track: min(s.value * scale // layout.scales[s.track] for s in piece.stamps)
            for track, scale in layout.scales.items()
        }


class _FileChunks:
    """A FileSource's stream from one cut point on: sliced and rebased as it is iterated."""

    def __init__(self, source: FileSource, first: int) -> None:
        self._source = source
        self._first = first
        # The file as it is now: a later remux (_remux_to_restart) must not change a stream
        # made before it.
        self._layout = source._layout
        self._data = source._data

    def __iter__(self) -> Iterator[Chunk]:
        layout = self._layout
        data = self._data
        per = self._source.per_chunk
        pieces = layout.pieces[self._first :]
        starts = [pieces[i].seconds for i in range(0, len(pieces), per)]
        ends = [*starts[1:], layout.duration]
        if self._first == 0:  # the file as it is: the cutters' chunks, byte for byte
            bounds = [0, *(p.start for p in pieces[per::per]), len(data)]
            for (a, b), start, end in zip(itertools.pairwise(bounds), starts, ends, strict=True):
                yield Chunk(data[a:b], start, end)
            return
        bases = FileSource._rebases(layout, self._first)
        for number, (start, end) in enumerate(zip(starts, ends, strict=True)):
            out = bytearray(layout.header if number == 0 else b"")
            for piece in pieces[number * per : (number + 1) * per]:
                at = len(out)
                for a, b in piece.spans:
                    out += data[a:b]
                for stamp in piece.stamps:
                    value = stamp.value - bases[stamp.track]
                    if value < 0:
                        raise MediaError(
                            f"track {stamp.track} at {piece.seconds:.3f} s starts before the "
                            f"restart point ({stamp.value} < {bases[stamp.track]})"
                        )
                    position = at + stamp.position
                    out[position : position + stamp.length] = value.to_bytes(stamp.length, "big")
            yield Chunk(bytes(out), start, end)


class LiveSource:
    """A recorder-style live source: `start()` begins a NEW recording whose first chunk
    carries the container header (like a browser's MediaRecorder started again) and yields
    its chunks as they come, each `chunk_seconds` of media (the recorder's timeslice).

    `restart(at)` calls `start()`; `at` is the caller's live clock (the conversation's
    seconds now), the stream's offset: chunk k covers [at + k*chunk_seconds,
    at + (k+1)*chunk_seconds]. A sync iterable gives sync chunks, an async one async chunks.
    """

    live: ClassVar[bool] = True

    def __init__(
        self,
        start: Callable[[], Iterable[bytes] | AsyncIterable[bytes]],
        *,
        chunk_seconds: float = 3.0,
    ) -> None:
        if not 0.0 < chunk_seconds < math.inf:
            raise MediaError(f"chunk_seconds={chunk_seconds!r}: must be a finite number > 0")
        self._start = start
        self.chunk_seconds = chunk_seconds

    def restart(self, at: float) -> MediaStream:
        """A new recording, its chunks timed from `at` on the live clock."""
        _check_at(at)
        recording = self._start()
        if isinstance(recording, AsyncIterable):
            return MediaStream(at, self._timed_async(recording, at))
        return MediaStream(at, self._timed(recording, at))

    def _timed(self, recording: Iterable[bytes], at: float) -> Iterator[Chunk]:
        step = self.chunk_seconds
        frames = iter(recording)
        try:
            for k, data in enumerate(frames):
                yield Chunk(bytes(data), at + k * step, at + (k + 1) * step)
        finally:  # the stream was closed (a seam): the recording stops too
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    async def _timed_async(
        self, recording: AsyncIterable[bytes], at: float
    ) -> AsyncIterator[Chunk]:
        step = self.chunk_seconds
        frames = aiter(recording)
        k = 0
        try:
            async for data in frames:
                yield Chunk(bytes(data), at + k * step, at + (k + 1) * step)
                k += 1
        finally:  # the stream was closed (a seam): the recording stops too
            aclose = getattr(frames, "aclose", None)
            if aclose is not None:
                await aclose()
