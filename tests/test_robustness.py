"""Untrusted bytes never fail with anything but the documented errors (a modest budget here;
`nox -s fuzz` runs a million inputs, coverage-guided)."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import interhuman_stream as ih
from fuzz import targets

BUDGET = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@BUDGET
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    targets.check_frame(data)
    targets.check_session([data])


@BUDGET
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    targets.check_frame(text.encode("utf-8", "surrogatepass"))
    with contextlib.suppress(ih.DecodeError):
        ih.decode_server_message(text)


@BUDGET
@given(st.randoms(use_true_random=False), st.integers(1, 6))
def test_structure_aware_mutations_of_the_goldens(rng: random.Random, count: int) -> None:
    frames = [
        (targets.structured_input if rng.random() < 0.8 else targets.raw_input)(rng)
        for _ in range(count)
    ]
    for frame in frames:
        targets.check_frame(frame)
    targets.check_session(frames)


def test_deep_nesting_and_huge_documents_stay_documented_errors() -> None:
    for frame in (b"[" * 200_000, b'{"a":' * 100_000, b'"' + b"x" * 5_000_000 + b'"'):
        targets.check_frame(frame)
    targets.check_session([b"[" * 200_000 + b"]" * 200_000])


def test_an_integral_float_inside_deep_nesting_is_a_documented_error() -> None:
    # The 3.0-for-an-integer retry walks the document; deep nesting must not escape it.
    for depth in (400, 600, 950, 5000):
        nested = "[" * depth + "]" * depth
        frame = (
            '{"type": "error", "timestamp": "2025-01-01T00:00:00Z", "correlation_id": '
            '"550e8400-e29b-41d4-a716-446655440000", "data": {"code": "ih1", "message": "m", '
            f'"segment": 1.0, "extra": {nested}}}}}'
        ).encode()
        targets.check_frame(frame)
        targets.check_session([frame])


CRASHES = sorted((Path(__file__).resolve().parent.parent / "fuzz" / "crashes").glob("crash-*"))


@pytest.mark.parametrize("path", CRASHES, ids=[p.name for p in CRASHES])
def test_inputs_the_fuzzer_once_broke_on(path: Path) -> None:
    # libFuzzer writes a breaking input to fuzz/crashes/; commit it with its fix.
    data = path.read_bytes()
    targets.check_frame(data)
    targets.check_session([data])
