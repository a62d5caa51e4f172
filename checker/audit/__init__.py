"""The audit trail: every decision, execution, build and bundle load, hash-chained.

``chain`` (records and their hashes), ``store`` (SQLite and PostgreSQL, one chain across
concurrent writers), ``verify`` (which record was edited, removed or reordered; checkpoints
against truncation), ``journal`` (the service's recorder: a local journal on the request
path, shipped to the store), ``recorders`` (the direct recorder of one-shot commands).
"""
