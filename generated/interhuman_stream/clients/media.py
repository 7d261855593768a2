# Hand-written runtime: edit codegen/runtime/clients/media.py (regen copies it verbatim).

"""Cutting media into the segments the service takes: the first carries the container
header, each later one continues the same stream, about 3 seconds each, as a browser's
MediaRecorder delivers them (the vendor SDK's rule: send the recorder's chunks in order and
unmodified).

A WebM/Matroska file is cut at its clusters and a fragmented MP4 at its fragments, with the
standard library alone. Any other file (a plain MP4, a MOV, ...) is first remuxed - not
re-encoded - into a fragmented MP4 with PyAV (`pip install "interhuman-stream[media]"`).
"""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Final

_SEGMENT: Final = 0x18538067
_CLUSTER: Final = 0x1F43B675
_EBML: Final = b"\x1a\x45\xdf\xa3"


class MediaError(ValueError):
    """The media cannot be cut into segments (and why)."""


def _ebml_number(data: bytes, position: int, keep_marker: bool) -> tuple[int, int]:
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
    try:
        import av  # noqa: PLC0415 - an optional extra, imported only when it is needed
    except ImportError:
        raise MediaError(
            f"{path.name} is not WebM or fragmented MP4; to cut it, install PyAV: "
            'pip install "interhuman-stream[media]"'
        ) from None
    out = io.BytesIO()
    with (
        av.open(str(path)) as source,
        av.open(
            out,
            "w",
            format="mp4",
            options={"movflags": "frag_keyframe+empty_moov+default_base_moof"},
        ) as target,
    ):
        mapping = {}
        for stream in source.streams:
            if stream.type in ("video", "audio"):
                mapping[stream.index] = target.add_stream_from_template(stream)
        if not any(s.type == "video" for s in source.streams):
            raise MediaError(f"{path.name} holds no video stream")
        for packet in source.demux(*[s for s in source.streams if s.index in mapping]):
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
