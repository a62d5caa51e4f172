"""``skillgate gate``: every stage CI needs, each yielding an exit code."""

from checker.gate.stages import GateOptions, GateReport, StageResult, run_gate

__all__ = ["GateOptions", "GateReport", "StageResult", "run_gate"]
