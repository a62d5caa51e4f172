"""Compile: a validated repository -> the bundle the runtime loads (``build``), its git
revision and freshness (``revision``), and where a CLI gets a current engine (``current``)."""
