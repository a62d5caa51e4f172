"""``skillgate scan``: vulnerabilities and heuristics over every skill's lock.

``settings`` reads ``policy/scanning.yaml``; ``vuln_gate`` turns engine matches into
Findings under the gate and waivers; ``scan_run`` orchestrates one scan.
"""
