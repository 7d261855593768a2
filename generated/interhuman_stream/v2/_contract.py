# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/contract.json, spec/v2.overlay.json
# Template: codegen/templates/_contract.py.jinja2

"""The session contract (contract.json) as Python data, for the engine in _engine.py. Every
entry is computed by codegen/_model.py; this module only holds them.

This version's contract is v1's with its overlay applied, which may change rules, guards and
effects: the states, moves and deadlines, and the classes, are v1's (imported); the rules
are v1's with this version's changes, the guards and effects this version's."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from msgspec.structs import replace

from .._contract import EFFECTS as SHARED_EFFECTS
from .._contract import GUARDS as SHARED_GUARDS
from .._contract import RULES as SHARED_RULES
from .._contract import Effect, Guard, Rule
from ._vocab import KNOWN_MODELS

RULES: Final[Mapping[str, Rule]] = MappingProxyType(
    {
        **SHARED_RULES,
        "signal-updated-changed": replace(
            SHARED_RULES["signal-updated-changed"],
            says="signal.updated is only sent when probability or rationale differs from the last value reported for that signal type.",
        ),
        "model-before-media": Rule(
            id="model-before-media",
            breaker="client",
            says="A config changes the model only before the first media frame; after it, a config leaves model out (the model in force stays) or names the model in force (or one a config not yet answered asked for).",
            hint="Leave model out of later configs; to analyse with another model, open a new session (handshake.endpoint_url('v2', model=...)).",
            sources=("PYSDK", "SK-V2"),
        ),
        "audio-format-audio-model": Rule(
            id="audio-format-audio-model",
            breaker="client",
            says="audio_format is sent only on a session whose model takes raw PCM audio (inter-2-audio), and a config does not switch such a session to a model that takes none while audio_format has a value; a model the sources do not name is not judged.",
            hint="Open the session on inter-2-audio (handshake.endpoint_url('v2', model='inter-2-audio')), or switch model to it in the same config, before the first media frame.",
            sources=("PYSDK",),
        ),
        "audio-format-fixed": Rule(
            id="audio-format-fixed",
            breaker="client",
            says="audio_format is fixed once a raw audio frame went under it: after that, a config leaves audio_format out (the format in force stays) or repeats the format in force (or one a config not yet answered asked for).",
            hint="Leave audio_format out of later configs; to change the format, open a new session.",
            sources=("PYSDK",),
        ),
    }
)
"""v1's rules, with the ones this version adds or words differently."""

_SHARED_GUARDS: Final = {(g.rule.id, g.event, g.check): g for g in SHARED_GUARDS}
_CHANGED_GUARDS: Final[Mapping[tuple[str, str, str], Guard]] = MappingProxyType(
    {
        ("signal-updated-changed", "signal.updated", "signal_reading_changed"): replace(
            _SHARED_GUARDS[("signal-updated-changed", "signal.updated", "signal_reading_changed")],
            rule=RULES["signal-updated-changed"],
            fields=("probability", "rationale"),
        ),
        ("segment-not-empty", "segment", "segment_not_empty"): replace(
            _SHARED_GUARDS[("segment-not-empty", "segment", "segment_not_empty")],
            unless="audio_format",
        ),
        ("segment-size", "segment", "segment_at_most"): replace(
            _SHARED_GUARDS[("segment-size", "segment", "segment_at_most")], unless="audio_format"
        ),
        ("segment-size", "segment", "segment_at_least"): replace(
            _SHARED_GUARDS[("segment-size", "segment", "segment_at_least")], unless="audio_format"
        ),
        ("segment-container", "segment", "segment_starts_like_container"): replace(
            _SHARED_GUARDS[("segment-container", "segment", "segment_starts_like_container")],
            unless="audio_format",
        ),
    }
)
"""v1's guards this version changes, by rule, event and check."""

GUARDS: Final[tuple[Guard, ...]] = (
    *(_CHANGED_GUARDS.get((g.rule.id, g.event, g.check), g) for g in SHARED_GUARDS),
    Guard(
        rule=RULES["model-before-media"],
        event="config",
        check="config_key_kept_after_frames",
        fields=("model",),
    ),
    Guard(
        rule=RULES["audio-format-fixed"],
        event="config",
        check="config_key_kept_after_frames",
        fields=("audio_format",),
    ),
    Guard(
        rule=RULES["audio-format-audio-model"],
        event="config",
        check="audio_format_on_audio_model",
        models=frozenset(("inter-2-audio",)),
        documented=MappingProxyType({"model": KNOWN_MODELS}),
    ),
)
"""v1's guards (those this version changes replaced), then the ones it adds."""

_CHANGED_EFFECTS: Final[Mapping[tuple[str, str], Effect]] = MappingProxyType(
    {
        ("acknowledge_config", "session.updated"): replace(
            next(
                e
                for e in SHARED_EFFECTS
                if (e.effect, e.event) == ("acknowledge_config", "session.updated")
            ),
            fields=("model", "audio_format"),
        ),
    }
)
"""v1's effects this version changes, by effect and event."""

EFFECTS: Final[tuple[Effect, ...]] = (
    *(_CHANGED_EFFECTS.get((e.effect, e.event), e) for e in SHARED_EFFECTS),
    Effect(event="segment", effect="count_keyed_frames", fields=("model", "audio_format")),
)
"""v1's effects (those this version changes replaced), then the ones it adds."""
