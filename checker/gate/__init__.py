"""``skillgate gate``: every stage CI needs, each yielding an exit code."""

from checker.gate.stages import GateOptions, StageResult, run_gate, worst

__all__ = ["GateOptions", "StageResult", "run_gate", "worst"]
