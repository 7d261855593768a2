"""ih.segments: the container a segment's first bytes announce, as send_segment sniffs it
(real encoded files are sniffed in test_transports.py)."""

from __future__ import annotations

import pytest

import interhuman_stream as ih


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"G" + bytes(100), None),  # under two packets: not a transport stream
        ((b"G" + bytes(187)) * 3, "mpeg-ts"),
        ((bytes(4) + b"G" + bytes(187)) * 3, "mpeg-2-ts"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"\x00\x00\x00\x18ftypmp42", "mp4"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x08mdat", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86", "mkv"),
        (b"", None),
    ],
)
def test_container_sniffing(data: bytes, found: str | None) -> None:
    container = ih.segments.sniff_container(data)
    assert (container.name if container else None) == found
