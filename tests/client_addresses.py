"""HTTP clients from loopback addresses of their own. The API throttles per client address, and
each address of 127.0.0.0/8 reaches the server as a peer of its own, with nothing in the
system told to believe a header: a test chooses its address as a real client would."""

import random

import httpx


def any_loopback() -> str:
    """A random address of 127.0.0.0/8 other than 127.0.0.1, where the servers themselves talk."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def client_from(base_url: str, address: str, timeout: float = 30) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout)
