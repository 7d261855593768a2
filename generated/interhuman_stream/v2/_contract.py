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

from .._contract import EFFECTS as SHARED_EFFECTS
from .._contract import RULES as SHARED_RULES
from .._contract import Effect, Guard, Rule, Section, SessionState
from ._vocab import ENGAGEMENT_STATES, GOAL_DIMENSIONS, INCLUDE_FLAGS, KNOWN_MODELS, PROBABILITIES

RULES: Final[Mapping[str, Rule]] = MappingProxyType(
    {
        **SHARED_RULES,
        "signal-updated-changed": Rule(
            id="signal-updated-changed",
            breaker="server",
            says="signal.updated is only sent when probability or rationale differs from the last value reported for that signal type.",
            hint="Nothing changed; the update can be ignored.",
            sources=("DOC-V1", "PYSDK", "SK-V2"),
        ),
        "model-before-media": Rule(
            id="model-before-media",
            breaker="client",
            says="A config changes the model only before the first media frame; after it, a config leaves model out (the model in force stays) or names the model in force.",
            hint="Leave model out of later configs; to analyse with another model, open a new session (handshake.endpoint_url('v2', model=...)).",
            sources=("PYSDK", "SK-V2"),
        ),
        "audio-format-audio-model": Rule(
            id="audio-format-audio-model",
            breaker="client",
            says="audio_format is sent only on a session whose model takes raw PCM audio (inter-2-audio); a model the sources do not name is not judged.",
            hint="Open the session on inter-2-audio (handshake.endpoint_url('v2', model='inter-2-audio')), or switch model to it in the same config, before the first media frame.",
            sources=("PYSDK",),
        ),
        "audio-format-before-media": Rule(
            id="audio-format-before-media",
            breaker="client",
            says="audio_format is fixed once the first media frame went: after it, a config leaves audio_format out (the format in force stays) or repeats the format in force.",
            hint="Declare audio_format in a config before the first binary frame and leave it out of later ones; to change it, open a new session.",
            sources=("PYSDK",),
        ),
    }
)
"""v1's rules, with the ones this version adds or words differently."""

GUARDS: Final[tuple[Guard, ...]] = (
    Guard(rule=RULES["one-correlation-id"], event="*", check="same_correlation_id"),
    Guard(rule=RULES["signal-detected-inactive"], event="signal.detected", check="signal_inactive"),
    Guard(
        rule=RULES["documented-values"],
        event="signal.detected",
        check="values_documented",
        fields=("probability",),
        documented=MappingProxyType({"probability": PROBABILITIES}),
    ),
    Guard(rule=RULES["signal-updated-active"], event="signal.updated", check="signal_active"),
    Guard(
        rule=RULES["signal-updated-changed"],
        event="signal.updated",
        check="signal_reading_changed",
        fields=("probability", "rationale"),
    ),
    Guard(
        rule=RULES["documented-values"],
        event="signal.updated",
        check="values_documented",
        fields=("probability",),
        documented=MappingProxyType({"probability": PROBABILITIES}),
    ),
    Guard(rule=RULES["signal-ended-active"], event="signal.ended", check="signal_active"),
    Guard(rule=RULES["engagement-changed"], event="engagement.updated", check="engagement_changed"),
    Guard(
        rule=RULES["documented-values"],
        event="engagement.updated",
        check="values_documented",
        fields=("state",),
        documented=MappingProxyType({"state": ENGAGEMENT_STATES}),
    ),
    Guard(rule=RULES["updated-answers-config"], event="session.updated", check="config_pending"),
    Guard(
        rule=RULES["documented-values"],
        event="session.updated",
        check="values_documented_or_offered",
        fields=("include", "goal_dimensions"),
        options="supported_session_config_options",
        documented=MappingProxyType({"include": INCLUDE_FLAGS, "goal_dimensions": GOAL_DIMENSIONS}),
    ),
    Guard(
        rule=RULES["updated-answers-config"],
        event="error",
        check="config_pending",
        codes=frozenset(("ih6001",)),
    ),
    Guard(
        rule=RULES["quality-needs-flag"],
        event="conversation_quality.updated",
        check="acknowledged_include_any",
        flags=frozenset(("conversation_quality_overall", "conversation_quality_timeline")),
    ),
    Guard(
        rule=RULES["quality-has-sections"],
        event="conversation_quality.updated",
        check="requested_sections_present",
        sections=(
            Section(flag="conversation_quality_overall", field="overall"),
            Section(flag="conversation_quality_timeline", field="timeline", items=1),
        ),
    ),
    Guard(
        rule=RULES["quality-period-order"],
        event="conversation_quality.updated",
        check="quality_periods_advance",
    ),
    Guard(rule=RULES["error-names-sent-segment"], event="error", check="segment_was_sent"),
    Guard(
        rule=RULES["ended-after-closing"],
        event="session.ended",
        check="end_reason_not",
        reasons=frozenset(("client_shutdown",)),
        states=frozenset(
            {SessionState.CLOSE_BEFORE_READY, SessionState.STREAMING, SessionState.CLOSE_SENT}
        ),
    ),
    Guard(
        rule=RULES["final-signals-ended"],
        event="session.ended",
        check="no_active_signals",
        states=frozenset({SessionState.DRAINING}),
    ),
    Guard(rule=RULES["segment-not-empty"], event="segment", check="segment_not_empty"),
    Guard(
        rule=RULES["segment-size"],
        event="segment",
        check="segment_at_most",
        limit="max_segment_size_bytes",
        server_reply="ih6002",
        switch="check_segment_sizes",
        unless="audio_format",
    ),
    Guard(
        rule=RULES["segment-size"],
        event="segment",
        check="segment_at_least",
        limit="min_segment_size_bytes",
        switch="check_segment_sizes",
        unless="audio_format",
    ),
    Guard(
        rule=RULES["segment-container"],
        event="segment",
        check="segment_starts_like_container",
        switch="sniff_containers",
        unless="audio_format",
        checked_by=frozenset(("client",)),
    ),
    Guard(rule=RULES["config-backlog"], event="config", check="config_backlog_within_cap"),
    Guard(
        rule=RULES["config-well-formed"],
        event="config",
        check="config_well_formed",
        fields=("include", "goal_dimensions"),
        checked_by=frozenset(("client",)),
    ),
    Guard(
        rule=RULES["config-supported"],
        event="config",
        check="config_values_supported",
        fields=("include", "goal_dimensions"),
        options="supported_session_config_options",
        server_reply="ih6001",
        documented=MappingProxyType({"include": INCLUDE_FLAGS, "goal_dimensions": GOAL_DIMENSIONS}),
    ),
    Guard(
        rule=RULES["time-forward"],
        event="signal.detected",
        check="signal_time_forward",
        fields=("start",),
    ),
    Guard(
        rule=RULES["time-forward"],
        event="signal.updated",
        check="signal_time_forward",
        fields=("start",),
    ),
    Guard(
        rule=RULES["time-forward"],
        event="signal.ended",
        check="signal_time_forward",
        fields=("end",),
    ),
    Guard(rule=RULES["time-forward"], event="engagement.updated", check="engagement_time_forward"),
    Guard(rule=RULES["resource-cap"], event="signal.detected", check="signal_types_within_cap"),
    Guard(rule=RULES["resource-cap"], event="signal.updated", check="signal_types_within_cap"),
    Guard(
        rule=RULES["model-before-media"],
        event="config",
        check="config_key_unchanged_after_media",
        fields=("model",),
    ),
    Guard(
        rule=RULES["audio-format-before-media"],
        event="config",
        check="config_key_unchanged_after_media",
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

EFFECTS: Final[tuple[Effect, ...]] = (
    *SHARED_EFFECTS,
    Effect(event="config", effect="keep_session_keys", fields=("model", "audio_format")),
)
"""v1's effects, then the ones this version adds."""
