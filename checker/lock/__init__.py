"""Locking skills: resolve for the sandbox target, fetch artifacts, render trees.

Nothing here runs package code on the host: resolution is pip's, restricted to
wheels (``--only-binary :all:``), artifacts are downloaded and hash-checked only,
and trees are drawn from what the lock file records.
"""
