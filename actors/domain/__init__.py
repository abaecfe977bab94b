"""The pure domain: rules and value types with no I/O, tested without any server."""
