"""The HTTP API's routes: one router per resource, each included by the gateway."""
