"""skillgate checker: load, validate, compile and decide over a policy repository.

This package deliberately imports nothing at package level: ``checker.runtime`` must
stay importable with only the standard library and ``packaging`` installed.
"""
