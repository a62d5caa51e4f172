"""Locking skills: resolve for the sandbox target, fetch artifacts, render trees.

Nothing here runs package code on the host: resolution is uv's or pip's, restricted to
wheels (``--only-binary :all:``); an sdist the team allowed to be built is read as data
here and built only inside the sandbox (``source_locks``, ``source_builds``); artifacts
are downloaded and hash-checked only, and trees are drawn from what the lock file records.
"""
