"""W5 "async-echo", Python servers (bench/README.md, bench/w5/workload.hpp):
TCP echo over 127.0.0.1, driven by the neutral client bench/w5/client.cpp.

Systems (one thread, one event loop; uvloop through
asyncio.Runner(loop_factory=uvloop.new_event_loop), Debian python3-uvloop):
  py-asyncio-streams, py-uvloop-streams
      asyncio.start_server; the handler loops data = await reader.read(65536);
      writer.write(data); await writer.drain() until EOF.
  py-asyncio-protocol, py-uvloop-protocol
      loop.create_server with an asyncio.Protocol whose data_received calls
      self.transport.write(data).
TCP_NODELAY on every connection (asyncio and uvloop set it themselves; set
again here so that it does not depend on that).

Contract: bind 127.0.0.1 port 0, print the port on the first stdout line (and
nothing else on stdout), echo, exit with status 0 after C connections have
closed or with status 1 after a 120 s guard.
Usage: /usr/bin/python3 bench/w5/python_server.py <system> [C]   (C = 100; or --list)
Pins itself to W5_PIN's first CPU (default 0; "none": no pinning).
"""

import asyncio
import os
import socket
import sys

SYSTEMS = ["py-asyncio-streams", "py-uvloop-streams", "py-asyncio-protocol", "py-uvloop-protocol"]
READ_BYTES = 65536
GUARD_SECONDS = 120
BACKLOG = 1024


def pin_self():
    spec = os.environ.get("W5_PIN", "0,1")
    if spec == "none" or (os.cpu_count() or 1) < 2 or "," not in spec:
        return
    os.sched_setaffinity(0, {int(spec.split(",", 1)[0])})


def set_nodelay(transport):
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Closed:
    """Counts closed connections; `done` is set at the C-th."""

    def __init__(self, to_close):
        self.to_close = to_close
        self.count = 0
        self.done = asyncio.Event()

    def one(self):
        self.count += 1
        if self.count == self.to_close:
            self.done.set()


async def streams_server(closed):
    async def handle(reader, writer):
        try:
            set_nodelay(writer.transport)
            while True:
                data = await reader.read(READ_BYTES)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
            closed.one()

    return await asyncio.start_server(handle, "127.0.0.1", 0, backlog=BACKLOG)


async def protocol_server(closed):
    class Echo(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            set_nodelay(transport)

        def data_received(self, data):
            self.transport.write(data)

        def connection_lost(self, exc):
            closed.one()

    loop = asyncio.get_running_loop()
    return await loop.create_server(Echo, "127.0.0.1", 0, backlog=BACKLOG)


async def serve(kind, to_close):
    closed = Closed(to_close)
    server = await (streams_server if kind == "streams" else protocol_server)(closed)
    print(server.sockets[0].getsockname()[1], flush=True)
    try:
        await asyncio.wait_for(closed.done.wait(), GUARD_SECONDS)
    except asyncio.TimeoutError:
        print(f"python_server: guard: {GUARD_SECONDS} s passed with {closed.count} of "
              f"{to_close} connections closed", file=sys.stderr, flush=True)
        return 1
    finally:
        server.close()
    await server.wait_closed()
    return 0


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--list":
        print("\n".join(SYSTEMS))
        return 0
    if len(sys.argv) not in (2, 3) or sys.argv[1] not in SYSTEMS:
        sys.exit(f"usage: {sys.argv[0]} <system> [connections=100]   (or --list)")
    system = sys.argv[1]
    to_close = int(sys.argv[2]) if len(sys.argv) == 3 else 100
    _, flavour, kind = system.split("-")
    loop_factory = None
    if flavour == "uvloop":
        try:
            import uvloop
        except ImportError:
            sys.exit(f"{system}: uvloop is not installed (Debian python3-uvloop)")
        loop_factory = uvloop.new_event_loop
    pin_self()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(serve(kind, to_close))


if __name__ == "__main__":
    sys.exit(main())
