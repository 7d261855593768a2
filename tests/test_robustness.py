"""Untrusted bytes never fail with anything but the documented errors (a modest budget here;
`nox -s fuzz` runs a million inputs, coverage-guided)."""

from __future__ import annotations

import contextlib
import random

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
