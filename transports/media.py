"""Sample media for tests and the demo: real video in real containers, made with PyAV.

A few seconds of a moving colour pattern (and a tone) are encoded and muxed at run time, then
cut into chunks the way a browser's MediaRecorder delivers them: the first chunk carries the
container header, each later chunk continues the same stream (a WebM cluster, or a
fragmented-MP4 moof+mdat pair). Nothing here is random bytes.
"""

from __future__ import annotations

import io
import math
from array import array
from fractions import Fraction

import av

from interhuman_stream.clients.media import fragmented_mp4_chunks, webm_chunks

WIDTH, HEIGHT, FPS = 160, 120, 10
SAMPLE_RATE = 48_000

# Container name in segments.json -> (muxer, video codec, muxer options, audio codec).
CONTAINERS: dict[str, tuple[str, str, dict[str, str], str | None]] = {
    "webm": ("webm", "libvpx", {}, "libopus"),
    "mkv": ("matroska", "libx264", {}, "libopus"),
    "mp4": ("mp4", "libx264", {}, "aac"),
    "mov": ("mov", "libx264", {}, "aac"),
    "avi": ("avi", "mpeg4", {}, None),
    "mpeg-ts": ("mpegts", "mpeg2video", {}, None),
    "mpeg-2-ts": ("mpegts", "mpeg2video", {"mpegts_m2ts_mode": "1"}, None),
}


def _picture(index: int) -> bytes:
    """An RGB frame: vertical colour bars sliding one step per frame."""
    bars = [(235, 235, 235), (235, 235, 16), (16, 235, 235), (16, 235, 16),
            (235, 16, 235), (235, 16, 16), (16, 16, 235), (16, 16, 16)]  # fmt: skip
    row = bytearray()
    for x in range(WIDTH):
        row += bytes(bars[((x + 4 * index) * len(bars) // WIDTH) % len(bars)])
    return bytes(row) * HEIGHT


def _tone(start_sample: int, count: int) -> bytes:
    samples = array(
        "h",
        (
            int(8000 * math.sin(2 * math.pi * 440 * (start_sample + i) / SAMPLE_RATE))
            for i in range(count)
        ),
    )
    return samples.tobytes()


def encode(
    container: str, seconds: float = 9.0, muxer_options: dict[str, str] | None = None
) -> bytes:
    """Encode `seconds` of the pattern into one of the accepted containers."""
    muxer, codec, options, audio_codec = CONTAINERS[container]
    buffer = io.BytesIO()
    output = av.open(buffer, mode="w", format=muxer, options={**options, **(muxer_options or {})})
    video = output.add_stream(codec, rate=FPS)
    assert isinstance(video, av.VideoStream)
    video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    video.options = {"g": str(FPS)}  # a keyframe every second, so the stream can be cut
    audio: av.AudioStream | None = None
    if audio_codec is not None:
        added = output.add_stream(audio_codec, rate=SAMPLE_RATE, layout="mono")
        assert isinstance(added, av.AudioStream)
        audio = added
    frames = int(seconds * FPS)
    samples_per_frame = SAMPLE_RATE // FPS
    for index in range(frames):
        picture = av.VideoFrame(WIDTH, HEIGHT, "rgb24")
        picture.planes[0].update(_picture(index))
        picture.pts = index
        picture.time_base = Fraction(1, FPS)
        for packet in video.encode(picture.reformat(format="yuv420p")):
            output.mux(packet)
        if audio is not None:
            sound = av.AudioFrame(format="s16", layout="mono", samples=samples_per_frame)
            # The encoder resamples to its own sample format.
            sound.planes[0].update(_tone(index * samples_per_frame, samples_per_frame))
            sound.sample_rate = SAMPLE_RATE
            sound.pts = index * samples_per_frame
            sound.time_base = Fraction(1, SAMPLE_RATE)
            for packet in audio.encode(sound):
                output.mux(packet)
    output.mux(video.encode(None))
    if audio is not None:
        output.mux(audio.encode(None))
    output.close()
    return buffer.getvalue()


def webm_recorder_chunks(data: bytes, seconds_per_chunk: float = 3.0) -> list[bytes]:
    """Cut a WebM/Matroska file like MediaRecorder: header (and first clusters) first, then
    whole clusters, about `seconds_per_chunk` of media each (the muxer here writes one
    cluster a second). The cutting is the package's own (clients.media)."""
    return webm_chunks(data, clusters_per_chunk=max(1, round(seconds_per_chunk)))


def recorder_chunks(container: str = "webm", seconds: float = 9.0) -> list[bytes]:
    """A short recording cut into ~3 s chunks, header in the first (webm or fragmented mp4)."""
    if container == "webm":
        return webm_recorder_chunks(encode("webm", seconds, {"cluster_time_limit": "1000"}))
    if container == "mp4":
        fragmented = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}
        return fragmented_mp4_chunks(encode("mp4", seconds, fragmented))
    raise ValueError(f"recorder chunks are made for webm and mp4, not {container!r}")
