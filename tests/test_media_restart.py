"""Restarting media at a seam (interhuman_stream.clients.media, issue 15): every session of a
conversation opens with a fresh container stream start, so a file restarts at a cut point as
a new recording would, and a live source starts a new recording."""

from __future__ import annotations

import asyncio
import io
import itertools
import math
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path

import av
import pytest
from harness import ready_frame

import interhuman_stream as ih
from interhuman_stream.clients import media
from transports.media import FPS, encode

SECONDS = 10.0
FRAGMENTED = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}
KINDS = ["webm", "fmp4", "plain"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each kind of media once per module: WebM, fragmented MP4, and a plain MP4."""
    return {
        "webm": encode("webm", SECONDS, {"cluster_time_limit": "1000"}),
        "fmp4": encode("mp4", SECONDS, FRAGMENTED),
        "plain": encode("mp4", SECONDS, {}),
    }


@pytest.fixture(scope="module")
def sources(
    files: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, media.FileSource]:
    plain = tmp_path_factory.mktemp("media") / "plain.mp4"
    plain.write_bytes(files["plain"])
    return {
        "webm": media.FileSource(files["webm"]),
        "fmp4": media.FileSource(files["fmp4"]),
        "plain": media.FileSource(plain),  # PyAV-cut: remuxed into fragmented MP4 once
    }


def _chunks(stream: media.MediaStream) -> list[media.Chunk]:
    assert isinstance(stream.chunks, Iterable)
    return list(stream.chunks)


def _boundary(source: media.FileSource) -> float:
    """The start of restart(0)'s second chunk: a cut point."""
    return _chunks(source.restart(0.0))[1].start


@pytest.mark.parametrize(
    ("kind", "cutter"), [("webm", media.webm_chunks), ("fmp4", media.fragmented_mp4_chunks)]
)
def test_a_restart_at_0_is_the_cutters_chunks_byte_for_byte(
    files: dict[str, bytes],
    sources: dict[str, media.FileSource],
    kind: str,
    cutter: Callable[[bytes], list[bytes]],
) -> None:
    chunks = _chunks(sources[kind].restart(0.0))
    assert [c.data for c in chunks] == cutter(files[kind])
    assert chunks[0].start == 0.0
    assert all(c.start < c.end for c in chunks)
    assert all(a.end == b.start for a, b in itertools.pairwise(chunks))
    assert chunks[-1].end == sources[kind].duration
    assert abs(sources[kind].duration - SECONDS) < 1.0  # within one cluster/fragment


@pytest.mark.parametrize("kind", KINDS)
def test_a_restart_at_a_chunk_boundary_is_a_fresh_stream_rebased_to_0(
    sources: dict[str, media.FileSource], kind: str
) -> None:
    source = sources[kind]
    at = _boundary(source)
    stream = source.restart(at)
    chunks = _chunks(stream)
    assert stream.offset == at
    assert chunks[0].start == at
    assert ih.segments.sniff_container(chunks[0].data) is not None
    assert _starts_a_stream(chunks[0].data)
    # A continuation does not open a stream (MP4's signatures also match a moof, so the
    # check is on the header itself: the EBML header or ftyp).
    assert not any(_starts_a_stream(c.data) for c in chunks[1:])
    client = ih.ClientConnection()
    client.receive_message(ready_frame(max(34000, *(len(c.data) for c in chunks))))
    for chunk in chunks:
        client.send_segment(chunk.data)
    assert client.violations == ()
    first_pts, frames = _decode(b"".join(c.data for c in chunks))
    original_pts, _ = _decode(b"".join(c.data for c in _chunks(source.restart(0.0))))
    assert abs(first_pts - original_pts) < 0.05  # starts as the recording did, not at `at`
    assert abs(frames - (source.duration - stream.offset) * FPS) <= 2


def _starts_a_stream(data: bytes) -> bool:
    return data.startswith(b"\x1a\x45\xdf\xa3") or data[4:8] == b"ftyp"


def _decode(data: bytes) -> tuple[float, int]:
    """The first video packet's time and the number of video frames decoded."""
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        first = next(p for p in container.demux(video) if p.pts is not None)
        assert first.time_base is not None
        first_pts = float(first.pts * first.time_base)
    with av.open(io.BytesIO(data)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    return first_pts, frames


@pytest.mark.parametrize("kind", KINDS)
def test_a_restart_keeps_audio_and_video_in_sync(
    sources: dict[str, media.FileSource], kind: str
) -> None:
    source = sources[kind]
    whole = _packet_times(b"".join(c.data for c in _chunks(source.restart(0.0))))
    restarted = _packet_times(b"".join(c.data for c in _chunks(source.restart(3.0))))
    assert set(restarted) == {"audio", "video"}
    # Every packet keeps its time less one shift, the same for every track.
    shifts = [
        original - time
        for track, times in restarted.items()
        for original, time in zip(whole[track][-len(times) :], times, strict=True)
    ]
    assert max(shifts) - min(shifts) < 0.001
    assert 0.0 < shifts[0] <= 3.0


def _packet_times(data: bytes) -> dict[str, list[float]]:
    """Each track's packet decode times, in seconds."""
    times: dict[str, list[float]] = {}
    with av.open(io.BytesIO(data)) as container:
        for packet in container.demux():
            if packet.dts is not None and packet.time_base is not None:
                times.setdefault(packet.stream.type, []).append(
                    float(packet.dts * packet.time_base)
                )
    return times


@pytest.mark.parametrize("kind", ["webm", "fmp4"])
def test_a_restart_inside_a_cluster_starts_at_that_cluster(
    files: dict[str, bytes], kind: str
) -> None:
    source = media.FileSource(files[kind], per_chunk=1)
    clusters = _chunks(source.restart(0.0))
    inside = clusters[4]
    at = (inside.start + inside.end) / 2
    stream = source.restart(at)
    assert inside.start == stream.offset <= at < inside.end
    assert _chunks(stream)[0].end == inside.end


@pytest.mark.parametrize("kind", ["webm", "fmp4"])
def test_a_restart_at_or_after_the_end_has_no_chunks(
    sources: dict[str, media.FileSource], kind: str
) -> None:
    source = sources[kind]
    for at in (source.duration, source.duration + 5.0):
        stream = source.restart(at)
        assert stream.offset == at and _chunks(stream) == []


@pytest.mark.parametrize("at", [-0.5, math.nan, math.inf])
def test_a_restart_at_no_media_time_is_a_media_error(
    sources: dict[str, media.FileSource], at: float
) -> None:
    with pytest.raises(media.MediaError, match=str(at)):
        sources["webm"].restart(at)


def _ebml(data: bytes, position: int) -> tuple[int, int, int]:
    """An element at `position`: (ID, size, where its body starts)."""
    length = 1
    while not data[position] & (0x80 >> (length - 1)):
        length += 1
    element = int.from_bytes(data[position : position + length], "big")
    first = data[position + length]
    size_length = 1
    while not first & (0x80 >> (size_length - 1)):
        size_length += 1
    size = first & (0xFF >> size_length)
    for byte in data[position + length + 1 : position + length + size_length]:
        size = (size << 8) | byte
    return element, size, position + length + size_length


def _top_level(data: bytes) -> tuple[int, list[int]]:
    """The Segment's size field and the IDs of its children (the header only: to the first
    Cluster)."""
    _element, size, body = _ebml(data, 0)
    _segment, segment_size, position = _ebml(data, body + size)
    children = []
    while position < len(data):
        element, size, body = _ebml(data, position)
        children.append(element)
        if element == 0x1F43B675:
            break
        position = body + size
    return segment_size, children


def test_a_restarted_webm_header_has_no_seek_head_cues_or_duration_and_an_unknown_size(
    files: dict[str, bytes], sources: dict[str, media.FileSource]
) -> None:
    seek_head, cues, info = 0x114D9B74, 0x1C53BB6B, 0x1549A966
    original_size, original = _top_level(files["webm"])
    assert seek_head in original and original_size < 2**56 - 1
    assert b"\x44\x89" in files["webm"][: files["webm"].index(b"\x1f\x43\xb6\x75")]
    header = _chunks(sources["webm"].restart(_boundary(sources["webm"])))[0].data
    size, children = _top_level(header)
    assert size == 2**56 - 1  # the 8-byte size field, all ones: unknown
    assert seek_head not in children and cues not in children and info in children
    assert b"\x44\x89" not in header[: header.index(b"\x1f\x43\xb6\x75")]  # Duration voided


def test_webm_clusters_of_unknown_size_are_cut_where_the_next_cluster_begins(
    files: dict[str, bytes], sources: dict[str, media.FileSource]
) -> None:
    live = bytearray(files["webm"])
    position = live.index(b"\x1f\x43\xb6\x75")
    while position >= 0:  # each Cluster's 2-byte size made "unknown", as a recorder writes
        assert live[position + 4] & 0xC0 == 0x40
        live[position + 4 : position + 6] = b"\x7f\xff"
        position = live.find(b"\x1f\x43\xb6\x75", position + 6)
    source = media.FileSource(bytes(live))
    known = sources["webm"]
    at = _boundary(known)
    times = [(c.start, c.end) for c in _chunks(source.restart(at))]
    assert times == [(c.start, c.end) for c in _chunks(known.restart(at))]
    _first_pts, frames = _decode(b"".join(c.data for c in _chunks(source.restart(at))))
    assert abs(frames - (source.duration - at) * FPS) <= 2


def test_a_fragmented_mp4_with_absolute_offsets_is_remuxed_to_restart_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = encode("mp4", 4.0, {"movflags": "frag_keyframe+empty_moov"})  # no default_base_moof
    tfhd = data.index(b"tfhd")
    assert data[tfhd + 7] & 0x01  # base-data-offset-present: absolute byte offsets
    source = media.FileSource(data)
    assert [c.data for c in _chunks(source.restart(0.0))] == media.fragmented_mp4_chunks(data)
    # Without PyAV a later restart cannot be made valid, and says how to fix it.
    without = media.FileSource(data)
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(media.MediaError, match=r"only at 0: .*default_base_moof.*install PyAV"):
        without.restart(2.5)
    monkeypatch.undo()
    # With it, the file is remuxed once and restarts like any fragmented MP4: same timeline.
    stream = source.restart(2.5)
    chunks = _chunks(stream)
    assert 0.0 < stream.offset <= 2.5 and chunks[0].start == stream.offset
    assert chunks[-1].end == pytest.approx(4.0, abs=0.1)
    assert chunks[0].data[4:8] == b"ftyp"
    joined = b"".join(c.data for c in chunks)
    with av.open(io.BytesIO(joined)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames > 0


@pytest.mark.parametrize("per_chunk", [1, 3])
@pytest.mark.parametrize("kind", ["webm", "fmp4"])
def test_restarts_at_every_cut_point_continue_the_timeline_without_overlap_or_hole(
    files: dict[str, bytes], kind: str, per_chunk: int
) -> None:
    source = media.FileSource(files[kind], per_chunk=per_chunk)
    whole = _chunks(source.restart(0.0))
    for cut in [c.start for c in whole[1:]]:
        stitched = [c for c in whole if c.end <= cut] + _chunks(source.restart(cut))
        assert stitched[0].start == 0.0 and stitched[-1].end == source.duration
        assert all(a.end == b.start for a, b in itertools.pairwise(stitched))


class _Recorder:
    """A recorder that can be started again: each start is a new recording (header first)."""

    def __init__(self) -> None:
        self.recordings = 0

    def start(self) -> Iterator[bytes]:
        self.recordings += 1  # when started, not when first read
        return iter([b"\x1a\x45\xdf\xa3header" + bytes([self.recordings]), b"cluster"])

    def start_async(self) -> AsyncIterator[bytes]:
        chunks = self.start()

        async def recording() -> AsyncIterator[bytes]:
            for chunk in chunks:
                await asyncio.sleep(0)
                yield chunk

        return recording()


def test_a_live_source_starts_a_new_recording_at_each_restart() -> None:
    recorder = _Recorder()
    source = media.LiveSource(recorder.start, chunk_seconds=2.0)
    first, second = source.restart(0.0), source.restart(75.5)
    assert recorder.recordings == 2 and source.live
    assert (first.offset, second.offset) == (0.0, 75.5)
    assert _chunks(second) == [
        media.Chunk(b"\x1a\x45\xdf\xa3header\x02", 75.5, 77.5),
        media.Chunk(b"cluster", 77.5, 79.5),
    ]
    assert _chunks(first)[0].data.endswith(b"header\x01")


def test_an_async_live_source_gives_async_chunks() -> None:
    recorder = _Recorder()
    source = media.LiveSource(recorder.start_async)
    stream = source.restart(30.0)
    assert recorder.recordings == 1 and stream.offset == 30.0
    assert not isinstance(stream.chunks, Iterable)

    async def collect() -> list[media.Chunk]:
        assert not isinstance(stream.chunks, Iterable)
        return [chunk async for chunk in stream.chunks]

    chunks = asyncio.run(collect())
    assert [(c.start, c.end) for c in chunks] == [(30.0, 33.0), (33.0, 36.0)]
    assert chunks[0].data.startswith(b"\x1a\x45\xdf\xa3")
    source.restart(40.0)
    assert recorder.recordings == 2


def test_file_and_live_sources_are_media_sources(sources: dict[str, media.FileSource]) -> None:
    live: media.MediaSource = media.LiveSource(_Recorder().start)
    file: media.MediaSource = sources["webm"]
    assert (file.live, live.live) == (False, True)
    assert {"FileSource", "LiveSource", "MediaSource", "MediaStream", "Chunk"} <= set(media.__all__)


# Restarts start at keyframes (D46): a cut point counts only when its video starts with one.


@pytest.mark.parametrize("kind", ["webm", "fmp4"])
def test_every_cut_point_a_muxer_makes_is_a_keyframe_cut_point(
    files: dict[str, bytes], kind: str
) -> None:
    source = media.FileSource(files[kind], per_chunk=1)
    pieces = _chunks(source.restart(0.0))
    assert len(pieces) > 5
    for piece in pieces:
        stream = source.restart(piece.start)
        assert stream.offset == piece.start  # every cut point is one a restart starts at
        assert _first_video_packet_is_a_keyframe(b"".join(c.data for c in _chunks(stream)))
    assert all(p.keyframe for p in source._layout.pieces)


def _first_video_packet_is_a_keyframe(data: bytes) -> bool:
    """True also without a video packet (a last cluster of audio only)."""
    with av.open(io.BytesIO(data)) as container:
        first = next((p for p in container.demux(video=0) if p.size), None)
        return first is None or first.is_keyframe


def _webm_children(data: bytes, position: int, end: int) -> Iterator[tuple[int, int, int]]:
    """The elements in data[position:end]: (ID, body start, end)."""
    while position < end:
        element, size, body = _ebml(data, position)
        yield element, body, body + size
        position = body + size


def _webm_without_a_keyframe_at(data: bytes, cluster: int) -> bytes:
    """The WebM file with the keyframe flag of the first video SimpleBlock of the cluster
    starting at byte `cluster` cleared."""
    _element, size, body = _ebml(data, 0)
    _segment, size, body = _ebml(data, body + size)
    tracks = {e: (b, x) for e, b, x in _webm_children(data, body, body + size)}[0x1654AE6B]
    video = set()
    for element, entry, entry_end in _webm_children(data, *tracks):
        if element == 0xAE:  # TrackEntry
            fields = {e: data[b:x] for e, b, x in _webm_children(data, entry, entry_end)}
            if fields[0x83] == b"\x01":  # TrackType video
                video.add(int.from_bytes(fields[0xD7], "big"))
    out = bytearray(data)
    element, size, body = _ebml(data, cluster)
    assert element == 0x1F43B675
    for element, block, _end in _webm_children(data, body, body + size):
        if element == 0xA3 and data[block] & 0x7F in video:  # a 1-byte track number
            assert data[block + 3] & 0x80
            out[block + 3] &= 0x7F
            return bytes(out)
    raise AssertionError("no video SimpleBlock in the cluster")


def _fmp4_without_a_keyframe_at(data: bytes, moof: int) -> bytes:
    """The fragmented MP4 with sample_is_non_sync_sample set in the trun first_sample_flags
    of the video track fragment of the moof at byte `moof` (PyAV writes them)."""
    assert data[moof + 4 : moof + 8] == b"moof"
    end = moof + int.from_bytes(data[moof : moof + 4], "big")
    traf = data.index(b"traf", moof, end) - 4
    tfhd = data.index(b"tfhd", traf, end) - 4
    assert int.from_bytes(data[tfhd + 12 : tfhd + 16], "big") == 1  # video: the first track
    trun = data.index(b"trun", traf, end) - 4
    flags = int.from_bytes(data[trun + 9 : trun + 12], "big")
    assert flags & 0x000005 == 0x000005  # data_offset, first_sample_flags
    first_sample_flags = trun + 20
    out = bytearray(data)
    assert not out[first_sample_flags + 1] & 0x01  # a sync sample
    out[first_sample_flags + 1] |= 0x01  # 0x00010000: sample_is_non_sync_sample
    return bytes(out)


@pytest.mark.parametrize("per_chunk", [1, 3])
@pytest.mark.parametrize("kind", ["webm", "fmp4"])
def test_a_restart_starts_before_a_cut_point_whose_video_does_not_start_with_a_keyframe(
    files: dict[str, bytes], kind: str, per_chunk: int
) -> None:
    whole = _chunks(media.FileSource(files[kind], per_chunk=1).restart(0.0))
    middle = len(whole) // 2
    position = sum(len(c.data) for c in whole[:middle])  # restart(0) is the file as it is
    if kind == "webm":
        broken = _webm_without_a_keyframe_at(files[kind], position)
    else:
        broken = _fmp4_without_a_keyframe_at(files[kind], position)
    source = media.FileSource(broken, per_chunk=per_chunk)
    cut, before, after = whole[middle], whole[middle - 1], whole[middle + 1]
    for at in (cut.start, (cut.start + cut.end) / 2, cut.end - 0.01):
        stream = source.restart(at)
        chunks = _chunks(stream)
        assert stream.offset == before.start == chunks[0].start
        assert len(chunks) == math.ceil((len(whole) - middle + 1) / per_chunk)
        assert _first_video_packet_is_a_keyframe(b"".join(c.data for c in chunks))
    # The cut points around it are still restarted at, and restart(0) is the file as it is.
    assert source.restart(after.start).offset == after.start
    assert source.restart(before.start).offset == before.start
    assert b"".join(c.data for c in _chunks(source.restart(0.0))) == broken


def _webm_with_a_block_group_at(data: bytes, cluster: int, referenced: bool) -> bytes:
    """The WebM file with the first SimpleBlock of track 1 (video) of the cluster starting at
    byte `cluster` made a BlockGroup: its Block, and a ReferenceBlock when `referenced` (the
    frame depends on an earlier one). The Cluster's and the Segment's sizes grow to match."""
    element, size, body = _ebml(data, cluster)
    assert element == 0x1F43B675 and body - cluster == 6  # a 2-byte size
    children = [
        (start, end, *_ebml(data, start)) for start, end in _webm_spans(data, body, body + size)
    ]
    start, end, _element, _size, at = next(
        child for child in children if child[2] == 0xA3 and data[child[4]] == 0x81
    )  # the first SimpleBlock of track 1
    payload = bytearray(data[at:end])
    payload[3] &= 0x7F  # a Block has no keyframe flag
    inner = b"\xa1" + _size8(len(payload)) + bytes(payload)
    if referenced:
        inner += b"\xfb\x81\xff"  # ReferenceBlock: the frame one tick before
    group = b"\xa0" + _size8(len(inner)) + inner
    grown = size + len(group) - (end - start)
    assert grown < 0x3FFF
    out = bytearray(data[:start] + group + data[end:])
    out[cluster + 4 : cluster + 6] = (0x4000 | grown).to_bytes(2, "big")
    _header, header_size, header_body = _ebml(data, 0)
    segment = header_body + header_size
    assert out[segment + 4] == 0x01  # an 8-byte size
    segment_size = int.from_bytes(out[segment + 5 : segment + 12], "big")
    out[segment + 5 : segment + 12] = (segment_size + len(group) - (end - start)).to_bytes(7, "big")
    return bytes(out)


def _webm_spans(data: bytes, position: int, end: int) -> Iterator[tuple[int, int]]:
    """Each element's (start, end) in data[position:end]."""
    while position < end:
        _element, size, body = _ebml(data, position)
        yield position, body + size
        position = body + size


def _size8(size: int) -> bytes:
    return b"\x01" + size.to_bytes(7, "big")


@pytest.mark.parametrize("referenced", [True, False])
def test_a_webm_cluster_starting_with_a_block_group_is_a_keyframe_cut_point_without_reference(
    files: dict[str, bytes], referenced: bool
) -> None:
    whole = _chunks(media.FileSource(files["webm"], per_chunk=1).restart(0.0))
    middle = len(whole) // 2
    position = sum(len(c.data) for c in whole[:middle])
    source = media.FileSource(_webm_with_a_block_group_at(files["webm"], position, referenced))
    assert [c.start for c in _chunks(source.restart(0.0))] == [c.start for c in whole][::3]
    cut, before = whole[middle], whole[middle - 1]
    stream = source.restart((cut.start + cut.end) / 2)
    assert stream.offset == (before.start if referenced else cut.start)


@pytest.mark.parametrize("kind", ["webm", "fmp4"])
def test_a_file_is_mapped_not_read_into_memory(
    files: dict[str, bytes], kind: str, tmp_path: Path
) -> None:
    # An hours-long recording is not copied into memory: the source keeps the file mapped
    # and its layout; a stream's chunks are made one by one as they are iterated.
    import tracemalloc

    path = tmp_path / f"talk.{kind}"
    path.write_bytes(files[kind])
    size = path.stat().st_size
    tracemalloc.start()
    try:
        source = media.FileSource(path)
        built = tracemalloc.get_traced_memory()[0]
        chunks = iter(source.restart(0).chunks)
        first = next(chunks)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert built < size / 4, (built, size)
    assert held - built < 2 * len(first.data) + (64 << 10)
    assert [c.data for c in source.restart(0).chunks] == [
        c.data for c in media.FileSource(files[kind]).restart(0).chunks
    ]
