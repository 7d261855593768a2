"""`nox -s fuzz`: the large budgets.

1. Differential: for every message schema, N valid instances and N mutated ones (default
   10,000 each) from the schema-driven strategies; prints how often spec and models agreed
   (they must always agree; any disagreement fails the run).
2. Fuzzing: at least 1,000,000 inputs - raw bytes and structure-aware mutations of the golden
   messages - through decode_server_message and a strict ClientConnection. Coverage-guided
   with atheris (libFuzzer) where it installs, else a seeded random mutational loop. Only
   DecodeError and RemoteProtocolError may escape; a per-input timeout catches hangs and an
   RSS limit catches unbounded memory.
3. Interleavings (run before 2, which libFuzzer ends the process after): N random calls
   (default 1,000,000) of a client's and a server's caller and peer on joined connections -
   good and bad arguments, the server role's frames and hostile ones, odd clocks - in every
   mode (fuzz/targets.py, random_step). Prints the step count, the undocumented exceptions and
   the non-atomic refusals (a refused call that changed the connection); either must be 0.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CRASHES = ROOT / "fuzz" / "crashes"  # where libFuzzer writes an input that broke a check
sys.path.insert(0, str(ROOT / "tests"))


COLUMNS = ("valid instances", "decoded", "REFUSED", "mutations", "both accept", "both reject")
COLUMNS += ("DISAGREE",)


def differential(examples: int) -> int:
    """Run the differential properties with a large budget; print the agreement counts."""
    from hypothesis import HealthCheck, settings
    from test_messages import CLIENT, SERVER

    budget = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    counts: Counter[tuple[str, str]] = Counter()
    failures = 0
    for name in SERVER + CLIENT:
        valid, mutations = _properties(name, budget, counts)
        for run in (valid, mutations):
            try:
                run()
            except AssertionError as error:
                failures += 1
                print(f"{name}: {error}", file=sys.stderr)
        row = ", ".join(f"{counts[name, k]} {k}" for k in COLUMNS if counts[name, k])
        print(f"{name:28} {row}", flush=True)
    return failures


def _properties(name: str, budget: Any, counts: Counter[tuple[str, str]]) -> tuple[Any, Any]:
    """The two differential properties for one schema, counting what they see."""
    from hypothesis import given
    from hypothesis import strategies as st
    from schema_strategies import defs, mutated, strategy_for
    from test_messages import decode

    from conftest import validator_for

    @budget
    @given(st.data())
    def valid(data: st.DataObject) -> None:
        document = data.draw(strategy_for(name))
        counts[name, "valid instances"] += 1
        decoded = decode(name, json.dumps(document).encode())
        counts[name, "decoded" if decoded is not None else "REFUSED"] += 1
        assert decoded is not None, document

    @budget
    @given(st.data())
    def mutations(data: st.DataObject) -> None:
        document = data.draw(strategy_for(name))
        kind, changed = data.draw(mutated(defs()[name], document))
        schema_says = validator_for(name).is_valid(changed)
        models_say = decode(name, json.dumps(changed).encode()) is not None
        counts[name, "mutations"] += 1
        verdict = "both accept" if schema_says else "both reject"
        counts[name, verdict if schema_says == models_say else "DISAGREE"] += 1
        assert schema_says == models_say, (kind, changed)

    return valid, mutations


def fuzz(inputs: int, seconds: int, seed: int) -> int:
    """At least `inputs` fuzz inputs within `seconds`; returns the exit status."""
    from fuzz import targets

    done = Counter[str]()

    def report() -> None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"fuzz inputs: {done['inputs']:,} ({done['frames']:,} frames), peak RSS {peak} MB")

    try:
        import atheris
    except ImportError:
        atheris = None
    if atheris is not None:
        # Coverage for every Python function already loaded: the package and the targets.
        atheris.instrument_all()

        def test_one_input(data: bytes) -> None:
            provider = atheris.FuzzedDataProvider(data)
            frames = _frames_from(provider, targets)
            for frame in frames:
                targets.check_frame(frame)
            done["frames"] += targets.check_session(frames)
            done["inputs"] += 1
            if done["inputs"] == inputs or done["inputs"] % 100_000 == 0:
                report()  # libFuzzer ends the process right after its last run

        CRASHES.mkdir(exist_ok=True)
        print(f"atheris: {inputs:,} runs, at most {seconds} s", flush=True)
        atheris.Setup(
            [
                sys.argv[0],
                f"-runs={inputs}",
                f"-max_total_time={seconds}",
                "-rss_limit_mb=2048",
                "-timeout=10",
                f"-seed={seed}",
                "-print_final_stats=1",
                f"-artifact_prefix={CRASHES}/",
            ],
            test_one_input,
        )
        atheris.Fuzz()  # exits the process when done; report() prints the counts
        return 0
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    slowest = 0.0
    print(f"random mutational fuzzing (atheris unavailable): {inputs:,} inputs", flush=True)
    while done["inputs"] < inputs and time.monotonic() < deadline:
        frames = [
            (targets.structured_input if rng.random() < 0.7 else targets.raw_input)(rng)
            for _ in range(rng.randint(1, 4))
        ]
        started = time.monotonic()
        for frame in frames:
            targets.check_frame(frame)
        done["frames"] += targets.check_session(frames)
        slowest = max(slowest, time.monotonic() - started)
        done["inputs"] += 1
    report()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    # The same bounds libFuzzer enforces: a hang is an input over 10 s, memory over 2 GB.
    if slowest > 10 or peak_mb > 2048:
        print(f"FAILED: slowest input {slowest:.1f} s, peak RSS {peak_mb} MB", file=sys.stderr)
        return 1
    return 0 if done["inputs"] >= inputs else 1


def interleavings(steps: int, seed: int) -> int:
    """`steps` random calls over fresh client/server interleavings; returns the exit status."""
    from fuzz import targets

    rng = random.Random(seed)
    started = time.monotonic()
    done = 0
    outcomes: Counter[tuple[str, str]] = Counter()
    kinds: Counter[str] = Counter()
    first: dict[tuple[str, str, str], targets.Finding] = {}
    print(f"interleavings: {steps:,} steps", flush=True)
    while done < steps:
        world = targets.random_interleaving(rng)
        for _ in range(min(rng.randint(1, 120), steps - done)):
            targets.random_step(world, rng)
            done += 1
        outcomes.update(world.outcomes)
        for finding in world.findings:
            kinds[finding.kind] += 1
            where = finding.call.split("(", 1)[0]
            first.setdefault((finding.kind, where, finding.error[:60]), finding)
    calls = {o: sum(n for (_, seen), n in outcomes.items() if seen == o) for o in _OUTCOMES}
    print(
        f"interleavings: {done:,} steps, {sum(calls.values()):,} calls "
        f"({', '.join(f'{n:,} {o}' for o, n in calls.items())}), "
        f"{time.monotonic() - started:.0f} s"
    )
    print(f"undocumented exceptions: {kinds['undocumented']:,}")
    print(f"non-atomic refusals: {kinds['non-atomic']:,}")
    for finding in list(first.values())[:20]:
        print(finding.report(), file=sys.stderr)
    return 1 if kinds else 0


_OUTCOMES = ("ok", "refused", "remote", "UNDOCUMENTED")


def _frames_from(provider: Any, targets: Any) -> list[bytes]:
    """Frames read from libFuzzer's bytes: raw, or goldens with members replaced."""
    if provider.ConsumeIntInRange(0, 3) == 0:
        return [provider.ConsumeBytes(provider.remaining_bytes())]
    frames = []
    for _ in range(provider.ConsumeIntInRange(1, 3)):
        document = json.loads(
            targets.GOLDENS[provider.ConsumeIntInRange(0, len(targets.GOLDENS) - 1)]
        )
        for _ in range(provider.ConsumeIntInRange(1, 3)):
            paths = targets.members(document)
            if not paths:
                break
            path = paths[provider.ConsumeIntInRange(0, len(paths) - 1)]
            parent = targets.member_at(document, path[:-1])
            choice = provider.ConsumeIntInRange(0, 4)
            if choice == 0:
                index = provider.ConsumeIntInRange(0, len(targets.HOSTILE) - 1)
                value: Any = copy.deepcopy(targets.HOSTILE[index])
            elif choice == 1:
                value = provider.ConsumeUnicodeNoSurrogates(24)
            elif choice == 2:
                value = provider.ConsumeInt(8)
            elif choice == 3:
                value = provider.ConsumeFloat()
            else:
                value = targets.TYPES[provider.ConsumeIntInRange(0, len(targets.TYPES) - 1)]
            parent[path[-1]] = value
        frames.append(json.dumps(document).encode())
    return frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.run", description=__doc__)
    parser.add_argument("--differential-examples", type=int, default=10_000)
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=1800, help="time bound for the fuzzing")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--skip-differential", action="store_true")
    parser.add_argument(
        "--steps", type=int, default=1_000_000, help="random calls over interleavings"
    )
    args = parser.parse_args(argv)
    if not args.skip_differential:
        started = time.monotonic()
        failures = differential(args.differential_examples)
        print(f"differential: {failures} disagreement(s), {time.monotonic() - started:.0f} s")
        if failures:
            return 1
    if args.steps and interleavings(args.steps, args.seed):
        return 1
    return fuzz(args.inputs, args.seconds, args.seed)


if __name__ == "__main__":
    sys.exit(main())
