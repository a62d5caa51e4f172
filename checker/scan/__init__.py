"""``skillgate scan``: vulnerabilities and heuristics over every skill's lock.

``run`` orchestrates one scan; ``vuln_findings`` turns engine matches into Findings under
the gate and waivers; ``name_checks`` judges names (typosquats, OSV malicious-name records).
The gates themselves are ``policy/scanning.yaml`` (``checker.policy.scanning``).
"""
