"""Stateful Ray actors and the pure domain they host."""
