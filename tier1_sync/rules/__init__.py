"""The rules of SPEC §4 as pure functions of data (no I/O): tiering, engagement, flags, signals.

The sync reads what they need (tier1_sync/sync/rule_state.py), calls them, and plans their
writes like any other (tier1_sync/sync/rule_steps.py); thresholds live in `[rules]` of
tier1.toml (settings.py).
"""
