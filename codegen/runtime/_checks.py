# Hand-written runtime: edit codegen/runtime/_checks.py (regen copies it verbatim).

"""The registry of what the contract names: one function per check and per effect.

contract.json names a guard's `check` and an effect's `effect`; each name is a function
here, registered with @check or @effect, and its docstring is its description (regen refuses a
spec that names a function this module does not define, and checks that
spec/data.schema.json describes each one in the same words). A check answers whether a frame
keeps its rule; the explanation registered with it names the offending values (one breach
each) and is only asked for when the check failed. An effect changes what the session knows.
Checks and effects read and change the Core (_engine.py); the generated fast path
(_fastpath.py) inlines the simplest of them and falls back to these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from msgspec import UNSET

from ._contract import Effect, Guard
from ._models import SessionConfig, SessionUpdatedData
from ._segments import CONTAINER_FORMATS, sniff_container
from ._values import SentSegment

if TYPE_CHECKING:
    from ._engine import Core

Test = Callable[["Core", Guard, Any], bool]
Explain = Callable[["Core", Guard, Any], tuple[str, ...]]
Apply = Callable[["Core", Effect, Any, "float | None"], None]


class Check(NamedTuple):
    """A registered check: the test, and the explanation of a failure."""

    test: Test
    explain: Explain


CHECKS: Final[dict[str, Check]] = {}
"""Check name (contract.json guards[].check) -> the check."""
EFFECTS: Final[dict[str, Apply]] = {}
"""Effect name (contract.json effects[].effect) -> the function that applies it."""


def check(explain: Explain) -> Callable[[Test], Test]:
    """Register a check under its function's name, with the explanation of its failures."""

    def register(test: Test) -> Test:
        CHECKS[test.__name__] = Check(test, explain)
        return test

    return register


def effect(apply: Apply) -> Apply:
    """Register an effect under its function's name."""
    EFFECTS[apply.__name__] = apply
    return apply


_STRINGS: Final = frozenset({str})
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")


def is_uuid(text: str) -> bool:
    """The canonical 8-4-4-4-12 hex form (D5), as the decoder checks it."""
    return (
        len(text) == 36
        and text[8] == text[13] == text[18] == text[23] == "-"
        and text.count("-") == 4
        and _HEX_DIGITS.issuperset(text.replace("-", ""))
    )


def include_of(config: SessionUpdatedData) -> list[str]:
    """The include flags of an acknowledged config; absent means none is in force (D30)."""
    include = config.include
    return [] if include is UNSET else include


def comparable(value: Any) -> Any:
    """A reading's value as signal_reading_changed compares it: absent and null say the same
    (no value), and a list of channels is a set."""
    if value is UNSET:
        return None
    if isinstance(value, list):
        return frozenset(value)
    return value


def _listed(values: Any) -> str:
    return "[" + ", ".join(repr(value) for value in sorted(values)) + "]"


def _shown(value: Any) -> str:
    return "absent" if value is UNSET else repr(value)


def _why_signal_inactive(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    data = message.data
    since = core.signals[data.signal_type].start
    return (f"signal_type {data.signal_type!r} is already active (since {since:g} s)",)


@check(explain=_why_signal_inactive)
def signal_inactive(core: Core, guard: Guard, message: Any) -> bool:
    """data.signal_type is not an active signal."""
    return message.data.signal_type not in core.signals


def _why_signal_active(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    count = len(core.signals)
    shown = ", ".join(repr(name) for name in sorted(core.signals)[:5])
    active = f"{count} active: {shown}{', ...' if count > 5 else ''}" if count else "none active"
    return (f"signal_type {message.data.signal_type!r} is not active ({active})",)


@check(explain=_why_signal_active)
def signal_active(core: Core, guard: Guard, message: Any) -> bool:
    """data.signal_type is an active signal (a type left untracked by max_signal_types is not
    judged: resource-cap reported it once)."""
    kind = message.data.signal_type
    return kind in core.signals or (core.capped and kind not in core.track_times)


def _why_signal_reading_changed(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    data = message.data
    same = ", ".join(f"{name} {_shown(getattr(data, name))}" for name in guard.fields)
    return (f"signal_type {data.signal_type!r}: the reading is unchanged ({same})",)


@check(explain=_why_signal_reading_changed)
def signal_reading_changed(core: Core, guard: Guard, message: Any) -> bool:
    """Some of `fields` differ from the last reading of that signal type; an absent value equals
    null, and a list compares as a set."""
    last = core.signals.get(message.data.signal_type)
    if last is None:
        return True  # signal-updated-active reports this case
    data = message.data
    return any(
        comparable(getattr(data, name)) != comparable(getattr(last, name)) for name in guard.fields
    )


def _why_engagement_changed(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    return (f"state {message.data.state!r} is the level already reported",)


@check(explain=_why_engagement_changed)
def engagement_changed(core: Core, guard: Guard, message: Any) -> bool:
    """data.state differs from the last engagement level reported (or none was)."""
    last = core.engagement
    return last is None or last.state != message.data.state


def _why_config_pending(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    return ("no config frame is waiting for an answer",)


@check(explain=_why_config_pending)
def config_pending(core: Core, guard: Guard, message: Any) -> bool:
    """A config frame sent earlier has not been answered yet (answers pair with configs first in,
    first out)."""
    return bool(core.pending_configs)


def _why_acknowledged_include_any(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    acknowledged = core.acknowledged
    if acknowledged is None:
        return (f"no config was acknowledged, so none of {_listed(guard.flags)} is set",)
    include = _listed(include_of(acknowledged))
    return (f"the acknowledged include {include} has none of {_listed(guard.flags)}",)


@check(explain=_why_acknowledged_include_any)
def acknowledged_include_any(core: Core, guard: Guard, message: Any) -> bool:
    """The acknowledged config includes one of `flags`."""
    return core.acknowledged is not None and not guard.flags.isdisjoint(core.include)


def _why_requested_sections_present(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    acknowledged = core.acknowledged
    if acknowledged is None:
        return ()  # quality-needs-flag reports this case
    include = include_of(acknowledged)
    found = []
    for section in guard.sections:
        if section.flag in include:
            value = getattr(message.data, section.field)
            if value is None or value is UNSET:
                found.append(f"{section.field} is missing though {section.flag} is set")
            elif section.items is not None and len(value) != section.items:
                found.append(f"{section.field} has {len(value)} entries, not {section.items}")
    return tuple(found)


@check(explain=_why_requested_sections_present)
def requested_sections_present(core: Core, guard: Guard, message: Any) -> bool:
    """For each of `sections` whose flag the acknowledged config includes, data.<field> is present
    and not null, and holds `items` entries when given."""
    return not _why_requested_sections_present(core, guard, message)


def _why_segment_was_sent(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    count = len(core.segments)
    bases = core.bases()
    under = " or ".join(
        f"{base}..{base + count - 1} under base {base}" if count else f"none under base {base}"
        for base in bases
    )
    return (f"error.segment {message.data.segment} names no sent segment ({count} sent: {under})",)


@check(explain=_why_segment_was_sent)
def segment_was_sent(core: Core, guard: Guard, message: Any) -> bool:
    """error.segment, when present, names a segment sent on this connection: under the connection's
    segment_index_base, or, when that is not known (the default), under any of the possible
    bases in segments.json (D36)."""
    index = message.data.segment
    return index is None or index is UNSET or core.segment(index) is not None


def _why_end_reason_not(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    return (
        f"reason {message.data.reason!r} in state {core.state.value}, before "
        "session.closing arrived",
    )


@check(explain=_why_end_reason_not)
def end_reason_not(core: Core, guard: Guard, message: Any) -> bool:
    """data.reason is not one of `reasons`."""
    return message.data.reason not in guard.reasons


def _why_no_active_signals(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    return tuple(
        f"signal_type {name!r} (active since {data.start:g} s) got no signal.ended"
        for name, data in sorted(core.signals.items())
    )


@check(explain=_why_no_active_signals)
def no_active_signals(core: Core, guard: Guard, message: Any) -> bool:
    """No signal is active (each one still active is reported on its own)."""
    return not core.signals


def _why_segment_not_empty(core: Core, guard: Guard, data: bytes) -> tuple[str, ...]:
    return ("segment of 0 bytes",)


@check(explain=_why_segment_not_empty)
def segment_not_empty(core: Core, guard: Guard, data: bytes) -> bool:
    """The binary frame has at least one byte."""
    return len(data) > 0


def _why_segment_at_most(core: Core, guard: Guard, data: bytes) -> tuple[str, ...]:
    limit = getattr(core.ready, guard.limit)
    return (f"segment of {len(data):,} bytes is over {guard.limit} {limit:,} from session.ready",)


@check(explain=_why_segment_at_most)
def segment_at_most(core: Core, guard: Guard, data: bytes) -> bool:
    """The binary frame is at most session.ready's `limit` bytes long (not checked before
    session.ready)."""
    ready = core.ready
    return ready is None or len(data) <= getattr(ready, guard.limit)


def _why_segment_at_least(core: Core, guard: Guard, data: bytes) -> tuple[str, ...]:
    limit = getattr(core.ready, guard.limit)
    return (f"segment of {len(data):,} bytes is under {guard.limit} {limit:,} from session.ready",)


@check(explain=_why_segment_at_least)
def segment_at_least(core: Core, guard: Guard, data: bytes) -> bool:
    """The binary frame is at least session.ready's `limit` bytes long (not checked before
    session.ready)."""
    ready = core.ready
    return ready is None or len(data) >= getattr(ready, guard.limit)


def _why_segment_starts_like_container(core: Core, guard: Guard, data: bytes) -> tuple[str, ...]:
    names = ", ".join(container.name for container in CONTAINER_FORMATS)
    return (
        f"the first segment starts with {bytes(data[:8]).hex(' ')!s}, which matches none of "
        f"the accepted containers ({names})",
    )


@check(explain=_why_segment_starts_like_container)
def segment_starts_like_container(core: Core, guard: Guard, data: bytes) -> bool:
    """A segment was already sent (later ones may continue its stream), or the frame starts like a
    container of segments.json."""
    # After a first segment that carried the container header, later ones may be
    # continuation chunks of the same recorder stream.
    return bool(core.segments) or sniff_container(data) is not None


def _why_config_values_supported(
    core: Core, guard: Guard, config: SessionConfig
) -> tuple[str, ...]:
    found = []
    for name in guard.fields:
        wanted = getattr(config, name)
        if wanted is UNSET or not isinstance(wanted, list):
            continue  # config-well-formed reports a value that is not a list
        offered = offered_values(core, guard, name)
        if offered is not None:
            allowed: Any = offered
            where = f"offered in session.ready: {_listed(offered)}"
        else:
            allowed = guard.documented[name]
            why = "before session.ready" if core.ready is None else "session.ready lists none"
            where = f"documented ({why}): {_listed(allowed)}"
        found += [
            f"{name} value {value!r} is not {where}"
            for value in wanted
            if isinstance(value, str) and value not in allowed
        ]
    return tuple(found)


# -- effects (contract.json "effect" names) -----------------------------------------


@check(explain=_why_config_values_supported)
def config_values_supported(core: Core, guard: Guard, config: SessionConfig) -> bool:
    """Every value of each of `fields` is among the values session.ready offers for it under
    `options`, or, before session.ready and for an option session.ready leaves out or sets to
    null, among the documented values (D28, D34)."""
    for name in guard.fields:
        wanted = getattr(config, name)
        if (
            wanted is UNSET
            or wanted.__class__ is not list
            or not _STRINGS.issuperset(map(type, wanted))
        ):
            continue  # config-well-formed reports a value that is not a list of strings
        offered = offered_values(core, guard, name)
        allowed = guard.documented[name] if offered is None else frozenset(offered)
        if not allowed.issuperset(wanted):
            return False
    return True


def _why_same_correlation_id(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    return (
        f"correlation_id {message.correlation_id!r} differs from the connection's "
        f"{core.correlation_id!r}",
    )


@check(explain=_why_same_correlation_id)
def same_correlation_id(core: Core, guard: Guard, message: Any) -> bool:
    """The envelope's correlation_id is the one the connection's first envelope carried (an
    envelope whose correlation_id is not a string is not judged)."""
    known = core.correlation_id
    seen = getattr(message, "correlation_id", None)
    return known is None or not isinstance(seen, str) or seen == known


def _why_values_documented(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    data = message.data
    found = []
    for name in guard.fields:
        value = getattr(data, name)
        if value is None or value is UNSET:
            continue
        documented = guard.documented[name]
        for item in value if isinstance(value, list) else (value,):
            if item not in documented:
                found.append(f"{name} {item!r} is not one of {_listed(documented)}")
    return tuple(found)


@check(explain=_why_values_documented)
def values_documented(core: Core, guard: Guard, message: Any) -> bool:
    """Each of `fields` (a value or a list of values, absent or null allowed) takes the documented
    values of its closed set (D33)."""
    data = message.data
    for name in guard.fields:
        value = getattr(data, name)
        if value is None or value is UNSET:
            continue
        values = value if isinstance(value, list) else (value,)
        if not guard.documented[name].issuperset(values):
            return False
    return True


def _why_values_documented_or_offered(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    data = message.data
    found = []
    for name in guard.fields:
        values = getattr(data, name)
        if values is None or values is UNSET:
            continue
        documented = guard.documented[name]
        offered = offered_values(core, guard, name) or ()
        for value in values:
            if value not in documented and value not in offered:
                found.append(
                    f"{name} value {value!r} is neither documented ({_listed(documented)}) "
                    f"nor offered in session.ready ({_listed(offered)})"
                )
    return tuple(found)


@check(explain=_why_values_documented_or_offered)
def values_documented_or_offered(core: Core, guard: Guard, message: Any) -> bool:
    """Each value of each of `fields` is documented, or offered for that field under `options` in
    session.ready (D33, D34)."""
    return not _why_values_documented_or_offered(core, guard, message)


def _why_quality_periods_advance(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    timeline = message.data.timeline
    if timeline is None or timeline is UNSET:
        return ()
    found = []
    last = core.last_period_end
    for period in timeline:
        if not period.start < period.end:
            found.append(
                f"timeline period {period.start:g}..{period.end:g} s does not start before it ends"
            )
        elif last is not None and period.start < last:
            found.append(
                f"timeline period {period.start:g}..{period.end:g} s starts before the "
                f"previous period's end {last:g} s"
            )
        last = period.end if last is None else max(last, period.end)
    return tuple(found)


@check(explain=_why_quality_periods_advance)
def quality_periods_advance(core: Core, guard: Guard, message: Any) -> bool:
    """Each timeline period starts before it ends and no earlier than the end of the previous
    period the session saw."""
    return not _why_quality_periods_advance(core, guard, message)


MAX_PENDING_CONFIGS: Final = 64
"""Config frames that may wait for an answer at once (D39): far beyond any real client."""


def _why_config_backlog_within_cap(core: Core, guard: Guard, config: Any) -> tuple[str, ...]:
    return (
        f"{len(core.pending_configs)} config frames already wait for an answer, the most "
        f"kept is {MAX_PENDING_CONFIGS}: this one is not followed",
    )


@check(explain=_why_config_backlog_within_cap)
def config_backlog_within_cap(core: Core, guard: Guard, config: Any) -> bool:
    """Fewer than MAX_PENDING_CONFIGS config frames wait for an answer (D39)."""
    return len(core.pending_configs) < MAX_PENDING_CONFIGS


def _why_config_well_formed(core: Core, guard: Guard, config: SessionConfig) -> tuple[str, ...]:
    found = []
    for name in guard.fields:
        value = getattr(config, name)
        if value is UNSET:
            continue
        if isinstance(value, str):
            found.append(
                f"{name} is the bare string {value!r}, not a list of strings "
                f"(write {name}=[{value!r}])"
            )
        elif not isinstance(value, list):
            found.append(f"{name} is {type(value).__name__}, not a list of strings")
        else:
            found += [
                f"{name} item {item!r} is {type(item).__name__}, not a string"
                for item in value
                if not isinstance(item, str)
            ]
    return tuple(found)


@check(explain=_why_config_well_formed)
def config_well_formed(core: Core, guard: Guard, config: SessionConfig) -> bool:
    """Each of `fields` is absent or a list of strings (not a bare string, not other values)."""
    for name in guard.fields:
        value = getattr(config, name)
        if value is not UNSET and (
            value.__class__ is not list or not _STRINGS.issuperset(map(type, value))
        ):
            return False
    return True


def forget_unvalued_keys(core: Core) -> None:
    """A key left with no value (its config rejected, or its format dropped) is no longer
    fixed by the frames that went while it had one: they went as container media."""
    for name in [name for name in core.keyed_frames if not key_values(core, name)]:
        del core.keyed_frames[name]


def key_values(core: Core, name: str) -> list[Any]:
    """The values sticky config key `name` may have now (D52, D56): the one in force (the
    handshake's model, or what the last session.updated answering a config naming it
    committed), then those the configs not yet answered asked for, oldest first. Empty
    when it has none."""
    found = [core.session_keys[name]] if name in core.session_keys else []
    for config in core.pending_configs:
        value = getattr(config, name, UNSET)
        if value is not UNSET and value not in found:
            found.append(value)
    return found


def _why_config_key_kept_after_frames(core: Core, guard: Guard, config: Any) -> tuple[str, ...]:
    found = []
    for name in guard.fields:
        value = getattr(config, name, UNSET)
        values = key_values(core, name)
        if value is UNSET or not core.keyed_frames.get(name) or not values or value in values:
            continue
        shown = " or ".join(_key_value(v) for v in values)
        found.append(
            f"{name} {_key_value(value)} after {core.keyed_frames[name]:,} binary frame(s) "
            f"under {name} {shown}"
        )
    return tuple(found)


@check(explain=_why_config_key_kept_after_frames)
def config_key_kept_after_frames(core: Core, guard: Guard, config: Any) -> bool:
    """Each of the config's `fields` is left out, or no binary frame went yet while that key had
    a value, or it has none now, or it equals a value of the key: the one in force or one a
    config not yet answered asked for."""
    for name in guard.fields:
        value = getattr(config, name, UNSET)
        if value is UNSET or not core.keyed_frames.get(name):
            continue
        values = key_values(core, name)
        if values and value not in values:
            return False
    return True


def _models_applying(core: Core, config: Any) -> list[Any]:
    model = getattr(config, "model", UNSET)
    return key_values(core, "model") if model is UNSET else [model]


def takes_raw_audio(guard: Guard, models: list[Any]) -> bool:
    """Whether a session on one of `models` may take raw audio: one of the guard's `models`,
    or a model its documented set does not name (not judged, D56)."""
    known = guard.documented["model"]
    return any(model in guard.models or model not in known for model in models)


def _why_audio_format_on_audio_model(core: Core, guard: Guard, config: Any) -> tuple[str, ...]:
    models = " or ".join(repr(model) for model in _models_applying(core, config))
    audio_format = getattr(config, "audio_format", UNSET)
    if audio_format is UNSET:
        values = " or ".join(_key_value(v) for v in key_values(core, "audio_format"))
        return (
            f"model {models} while audio_format {values} has a value: {models} is not one of "
            f"{_listed(guard.models)}",
        )
    return (
        f"audio_format {_key_value(audio_format)} on model {models}, which is not "
        f"one of {_listed(guard.models)}",
    )


@check(explain=_why_audio_format_on_audio_model)
def audio_format_on_audio_model(core: Core, guard: Guard, config: Any) -> bool:
    """A config that carries audio_format, or names a model while audio_format has a value,
    leaves the session on a model that takes raw audio: its own model, else the one in force
    or one a config not yet answered asked for, is one of `models` or a model the documented
    set does not name."""
    if getattr(config, "audio_format", UNSET) is UNSET and (
        getattr(config, "model", UNSET) is UNSET or not key_values(core, "audio_format")
    ):
        return True
    return takes_raw_audio(guard, _models_applying(core, config))


def _key_value(value: Any) -> str:
    """A sticky key's value as an explanation shows it (a Struct as its fields)."""
    fields = getattr(value, "__struct_fields__", None)
    if fields is None:
        return repr(value)
    return "{" + ", ".join(f"{name}={getattr(value, name)!r}" for name in fields) + "}"


def _why_signal_time_forward(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    data = message.data
    name = guard.fields[0]
    return (
        f"{name} {getattr(data, name):g} s of {data.signal_type!r} is before "
        f"{core.track_times[data.signal_type]:g} s, already reported for it",
    )


@check(explain=_why_signal_time_forward)
def signal_time_forward(core: Core, guard: Guard, message: Any) -> bool:
    """The time in `fields` (start or end) is not before the latest time already reported for
    data.signal_type."""
    data = message.data
    latest = core.track_times.get(data.signal_type)
    return latest is None or getattr(data, guard.fields[0]) >= latest


def _why_engagement_time_forward(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    last = core.engagement
    assert last is not None
    return (f"start {message.data.start:g} s is before the last engagement start {last.start:g} s",)


@check(explain=_why_engagement_time_forward)
def engagement_time_forward(core: Core, guard: Guard, message: Any) -> bool:
    """data.start is not before the start of the last engagement level reported."""
    last = core.engagement
    return last is None or message.data.start >= last.start


def _why_signal_types_within_cap(core: Core, guard: Guard, message: Any) -> tuple[str, ...]:
    return (
        f"signal_type {message.data.signal_type!r} is beyond max_signal_types "
        f"{core.max_signal_types:,}: it and any later new type are not tracked",
    )


@check(explain=_why_signal_types_within_cap)
def signal_types_within_cap(core: Core, guard: Guard, message: Any) -> bool:
    """data.signal_type is tracked already, or fewer than max_signal_types types are (false once
    per connection: the first type beyond the cap)."""
    return (
        core.capped
        or message.data.signal_type in core.track_times
        or len(core.track_times) < core.max_signal_types
    )


@effect
def store_ready(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """Keep data as the session's ready contract, and start its clocks."""
    core.ready = message.data
    core.ready_at = now


@effect
def queue_config(core: Core, effect: Effect, config: SessionConfig, now: float | None) -> None:
    """Add the config frame to those waiting for an answer (at most MAX_PENDING_CONFIGS:
    D39)."""
    if len(core.pending_configs) < MAX_PENDING_CONFIGS:
        core.pending_configs.append(config)


@effect
def acknowledge_config(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """Answer the oldest waiting config; data becomes the acknowledged config. Each of
    `fields` (sticky config keys, D52) comes in force: the value data names, else the one the
    answered config carried; a key neither names keeps its value, and an audio_format does
    not stay in force on a model that takes no raw audio (a refused switch to the audio
    model)."""
    answered = core.pending_configs.pop(0) if core.pending_configs else None
    core.acknowledged = message.data
    core.include = frozenset(include_of(message.data))
    if effect.fields:
        _commit_session_keys(core, effect.fields, message.data, answered)


def _commit_session_keys(core: Core, names: tuple[str, ...], data: Any, answered: Any) -> None:
    for name in names:
        value = getattr(data, name, None)
        if value is None or value is UNSET:
            value = getattr(answered, name, UNSET)
        if value is not UNSET and value is not None:
            core.session_keys[name] = value
    audio = next((g for g in core.version.guards if g.check == "audio_format_on_audio_model"), None)
    model = core.session_keys.get("model")
    if audio is not None and model is not None and not takes_raw_audio(audio, [model]):
        core.session_keys.pop("audio_format", None)
    forget_unvalued_keys(core)


@effect
def reject_config(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """For an error with one of `codes`: answer the oldest waiting config (it was rejected); a
    sticky key it leaves with no value is no longer fixed (D56)."""
    if message.data.code in effect.codes and core.pending_configs:
        del core.pending_configs[0]
        if core.keyed_frames:
            forget_unvalued_keys(core)


@effect
def count_keyed_frames(core: Core, effect: Effect, data: bytes, now: float | None) -> None:
    """Count the binary frame for each of `fields` that has a value now (in force, or asked for
    by a config not yet answered)."""
    for name in effect.fields:
        if key_values(core, name):
            core.keyed_frames[name] = core.keyed_frames.get(name, 0) + 1


@effect
def record_segment(core: Core, effect: Effect, data: bytes, now: float | None) -> None:
    """Count the binary frame: its position gives the next error.segment value (D8, D36)."""
    base = core.next_segment_base()
    core.segments.append(
        SentSegment(index=base + len(core.segments), size=len(data), sent_at=now, base=base)
    )


@effect
def open_signal(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """Make data.signal_type active with this reading (a new type only within max_signal_types)."""
    if tracks(core, message.data.signal_type):
        core.signals[message.data.signal_type] = message.data


@effect
def close_signal(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """Make data.signal_type inactive."""
    core.signals.pop(message.data.signal_type, None)


@effect
def set_engagement(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """Keep data as the current engagement level."""
    core.engagement = message.data


@effect
def remember_correlation_id(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """Keep the envelope's correlation_id when it is the connection's first."""
    if core.correlation_id is None:
        seen = getattr(message, "correlation_id", None)
        # An unknown type's id is not checked by the decoder: only a UUID becomes the id.
        if isinstance(seen, str) and is_uuid(seen):
            core.correlation_id = seen


@effect
def store_closing(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """Keep data (the drain limit) and start the drain clock."""
    core.closing = message.data
    core.closing_at = now


@effect
def record_quality_period(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """Keep the end of the latest timeline period."""
    timeline = message.data.timeline
    if timeline is None or timeline is UNSET or not timeline:
        return
    end = max(period.end for period in timeline)
    last = core.last_period_end
    core.last_period_end = end if last is None else max(last, end)


@effect
def record_signal_time(core: Core, effect: Effect, message: Any, now: float | None) -> None:
    """Keep the time in `fields` as the latest reported for data.signal_type (a new type only
    within max_signal_types)."""
    data = message.data
    if tracks(core, data.signal_type):
        time = getattr(data, effect.fields[0])
        core.track_times[data.signal_type] = max(time, core.track_times.get(data.signal_type, time))


def offered_values(core: Core, guard: Guard, name: str) -> list[str] | None:
    """The values session.ready offers for config option `name`; None when it lists none
    (no session.ready yet, or the option absent or null: D28)."""
    ready = core.ready
    if ready is None:
        return None
    values = getattr(getattr(ready, guard.options), name, UNSET)
    return None if values is UNSET or values is None else list(values)


def tracks(core: Core, signal_type: str) -> bool:
    """Whether a signal type is, or may become, tracked (max_signal_types)."""
    if signal_type in core.track_times or len(core.track_times) < core.max_signal_types:
        return True
    core.capped = True
    return False
