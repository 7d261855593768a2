"""Cutting media files into segments (interhuman_stream.clients.media): the first segment
carries the container header and the rest continue the same stream, as MediaRecorder cuts."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import ready_frame

import interhuman_stream as ih
from interhuman_stream.clients import media
from transports.media import encode


@pytest.mark.parametrize(
    ("container", "options", "name"),
    [
        ("webm", {"cluster_time_limit": "1000"}, "talk.webm"),
        ("mp4", {"movflags": "frag_keyframe+empty_moov+default_base_moof"}, "talk.mp4"),
        ("mp4", {}, "plain.mp4"),  # not fragmented: remuxed with PyAV first
    ],
)
def test_a_file_becomes_recorder_style_segments(
    tmp_path: Path, container: str, options: dict[str, str], name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(encode(container, 10.0, options))
    segments = media.segments_of(path)
    assert len(segments) >= 2
    assert ih.segments.sniff_container(segments[0]) is not None  # the header comes first
    header = (b"\x1a\x45\xdf\xa3", b"ftyp")
    assert all(not s.startswith(header[0]) and s[4:8] != header[1] for s in segments[1:])
    if name != "plain.mp4":  # cut, not remuxed: every byte of the file, in order
        assert b"".join(segments) == path.read_bytes()
    # A connection takes them as one stream: header first, continuation chunks after.
    client = ih.ClientConnection()
    client.receive_message(_ready(max(len(s) for s in segments)))
    for segment in segments:
        client.send_segment(segment)
    assert client.violations == ()


def test_what_is_not_media_is_a_media_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 3)
    with pytest.raises(media.MediaError):
        media.segments_of(path)


def _ready(largest: int) -> bytes:
    return ready_frame(max_segment_size_bytes=max(largest, 34000)).encode()
