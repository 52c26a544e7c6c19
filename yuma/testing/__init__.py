"""Testing helpers for yuma and its users: Hypothesis strategies (needs ``hypothesis``)."""
