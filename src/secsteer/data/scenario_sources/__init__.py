"""Adapters that read scenario sets in their upstream layouts into `Scenario` records."""
