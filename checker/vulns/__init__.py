"""Known vulnerabilities: an offline OSV database, its matcher, and the engines that use it.

``osv_model`` holds the record model, ``osv_import`` reads OSV data (directories of
YAML/JSON, ``all.zip``, a URL), ``vuln_index`` is the compact sqlite index, ``matcher``
applies OSV's matching rules for PyPI, ``engines`` defines the engine interface with one
module per engine (``ours_engine``, ``pip_audit_engine``), ``osv_server`` answers OSV
queries for pip-audit's ``--osv-url``, and ``waivers`` applies reviewed exceptions.
"""
