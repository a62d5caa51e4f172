"""Thin click layer: options become objects, collaborators do the work."""
