"""The HTTP load generator: keep-alive HTTP/1.1 on raw asyncio streams, in a process of its own."""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

#: The child's command line: ``python -m tests.bench.loadgen`` reads a spec on stdin.
MODULE = "tests.bench.loadgen"


@dataclass(frozen=True)
class Call:
    """One HTTP request, rendered once and sent as is."""

    method: str
    path: str
    token: str | None = None
    body: dict[str, Any] | None = None

    def render(self, host: str, port: int) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}"]
        if self.token:
            lines.append(f"Authorization: Bearer {self.token}")
        payload = b""
        if self.body is not None:
            payload = json.dumps(self.body, separators=(",", ":")).encode()
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(payload)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass(frozen=True)
class Summary:
    """A closed-loop run: completed requests in the measured window and their latencies."""

    requests: int
    seconds: float
    rate: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # non-2xx answers and failed connections, in the window
    statuses: dict[str, int] = field(default_factory=dict)
    generator_cpu_seconds: float = 0.0  # of the generator's own process, the whole run


@dataclass(frozen=True)
class Ack:
    """One paced request: when it was due, when its answer arrived (CLOCK_MONOTONIC, which is
    system-wide on Linux, so the parent can compare it with its own clock), and the status."""

    index: int
    due: float
    acked: float
    status: int


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (sorted or not); NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


# -- the parent's side


async def run_closed(
    host: str,
    port: int,
    calls: list[Call],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> Summary:
    """Closed loop: `concurrency` connections, each sending its next call when the last one is
    answered; connection i cycles through calls i, i + concurrency, ... Only answers that
    arrive after `warmup` seconds count."""
    spec = {
        "mode": "closed",
        "host": host,
        "port": port,
        "calls": [asdict(call) for call in calls],
        "concurrency": concurrency,
        "duration": duration,
        "warmup": warmup,
    }
    return Summary(**await _child(spec))


async def run_paced(
    host: str, port: int, calls: list[Call], *, rate: float, connections: int
) -> list[Ack]:
    """Open loop: call k is due at start + k / rate, whatever happened to the earlier ones, sent
    on whichever of `connections` keep-alive connections is free."""
    spec = {
        "mode": "paced",
        "host": host,
        "port": port,
        "calls": [asdict(call) for call in calls],
        "rate": rate,
        "connections": connections,
    }
    return [Ack(*row) for row in await _child(spec)]


async def _child(spec: dict[str, Any]) -> Any:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        MODULE,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=os.getcwd(),
    )
    out, err = await process.communicate(json.dumps(spec).encode())
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed ({process.returncode}):\n{err.decode()}")
    return json.loads(out)


# -- the child's side


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, raw: bytes) -> int:
        """Send one rendered request, read the whole answer, return its status."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        try:
            self._writer.write(raw)
            head = await self._reader.readuntil(b"\r\n\r\n")
            status, length, chunked, close = _parse_head(head)
            if chunked:
                await _read_chunked(self._reader)
            elif length:
                await self._reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            self.close()
            raise
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def _parse_head(head: bytes) -> tuple[int, int, bool, bool]:
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, close = 0, False, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = value.strip().lower() == b"close"
    return status, length, chunked, close


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


async def _closed(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    raw = [Call(**call).render(host, port) for call in spec["calls"]]
    concurrency: int = spec["concurrency"]
    start = time.perf_counter()
    counted_from = start + spec["warmup"]
    stop = counted_from + spec["duration"]
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0

    async def client(index: int) -> None:
        nonlocal errors
        mine = raw[index % len(raw) :: concurrency] or [raw[index % len(raw)]]
        connection = Connection(host, port)
        sent = 0
        while (began := time.perf_counter()) < stop:
            try:
                status = await connection.send(mine[sent % len(mine)])
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                status = 0
            sent += 1
            ended = time.perf_counter()
            if counted_from <= ended <= stop:
                latencies.append(ended - began)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if not 200 <= status < 300:
                    errors += 1
        connection.close()

    await asyncio.gather(*(client(i) for i in range(concurrency)))
    seconds = spec["duration"]
    return asdict(
        Summary(
            requests=len(latencies),
            seconds=seconds,
            rate=len(latencies) / seconds,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            max_ms=max(latencies, default=math.nan) * 1000,
            errors=errors,
            statuses=statuses,
            generator_cpu_seconds=time.process_time(),
        )
    )


async def _paced(spec: dict[str, Any]) -> list[tuple[int, float, float, int]]:
    host, port = spec["host"], spec["port"]
    raw = [Call(**call).render(host, port) for call in spec["calls"]]
    interval = 1.0 / spec["rate"]
    due: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    acks: list[tuple[int, float, float, int]] = []

    async def client() -> None:
        connection = Connection(host, port)
        while (item := await due.get()) is not None:
            index, at = item
            try:
                status = await connection.send(raw[index])
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                status = 0
            acks.append((index, at, time.monotonic(), status))
        connection.close()

    clients = [asyncio.ensure_future(client()) for _ in range(spec["connections"])]
    start = time.monotonic()
    for index in range(len(raw)):
        at = start + index * interval
        if (wait := at - time.monotonic()) > 0:
            await asyncio.sleep(wait)  # pacing: the schedule, not a condition, says when
        due.put_nowait((index, at))
    for _ in clients:
        due.put_nowait(None)
    await asyncio.gather(*clients)
    return sorted(acks)


def main() -> None:
    spec = json.loads(sys.stdin.buffer.read())
    try:
        import uvloop

        run = uvloop.run
    except ImportError:  # the plain loop works, it only costs more per request
        run = asyncio.run
    result = run(_closed(spec) if spec["mode"] == "closed" else _paced(spec))
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
