"""``skillgate gate``: every stage CI needs, each yielding an exit code (``stages``)."""
