"""One HTTP/1.1 connection on a raw non-blocking socket, read with ``recvmsg`` on the running loop.

An asyncio transport reads with ``recv`` and calls its protocol later, so a reply's arrival could
only be timed when the interpreter got round to it. Reading the socket in a reader callback with
``recvmsg`` keeps the kernel's receive timestamp of the bytes that complete a reply, and costs
one system call per read.

The socket stays registered for reading for the connection's whole life: a server closing an
idle connection is noticed at once, and no request pays for (un)registering.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass

from appstore_sandbox.outbound import timestamps
from appstore_sandbox.outbound.errors import (
    ClosedBeforeReply,
    ClosedMidReply,
    ConnectFailed,
    Refused,
    StaleConnection,
    TimedOut,
)
from appstore_sandbox.outbound.policy import OutboundPolicy
from appstore_sandbox.outbound.reply import Reply, ReplyReader
from appstore_sandbox.outbound.target import Origin
from appstore_sandbox.outbound.tls import TlsChannel

READ_SIZE = 65536
_Address = tuple[str, int] | tuple[str, int, int, int] | tuple[int, bytes]


@dataclass(slots=True)
class Stopwatch:
    """One POST's clock across its redirects: when its first request was sent, and its deadline.

    The connection that sends the first request's last byte starts it.
    """

    timeout_ns: int
    sent_ns: int = 0
    deadline_ns: int = 0


class Connection:
    """Carries one request at a time; ``request`` returns a future of the whole reply."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        tls: TlsChannel | None,
        reader: ReplyReader,
    ) -> None:
        self._loop = loop
        self._sock = sock
        self._fd = sock.fileno()
        self._tls = tls
        self._reader = reader
        self._waiter: asyncio.Future[Reply] | None = None
        self._watch = Stopwatch(0)
        self._deadline_ns = 0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_ns = 0  # when ``_timer`` fires
        self._unsent: memoryview | None = None
        self._received = 0  # bytes of the current reply
        self._stamp_ns = 0  # when the last bytes read arrived
        self._writing_ns = 0  # when the current request's first write began
        self._kernel_stamp = False
        self.served = 0
        self.closed = False
        loop.add_reader(self._fd, self._on_readable)

    def request(self, data: bytes, watch: Stopwatch) -> asyncio.Future[Reply]:
        """Send ``data``; the future fails with a SendError, an OSError or ssl.SSLError."""
        self._waiter = waiter = self._loop.create_future()
        self._watch = watch
        self._received = 0
        try:
            if self._tls is not None:
                data = self._tls.encrypt(data)
            self._writing_ns = time.time_ns()
            sent = self._sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError as error:  # ssl.SSLError included
            self._lost(error)
            return waiter
        if sent == len(data):
            self._sent()
        else:
            self._unsent = memoryview(data)[sent:]
            self._loop.add_writer(self._fd, self._on_writable)
            self._arm(watch.deadline_ns or time.time_ns() + watch.timeout_ns)
        return waiter

    def close(self) -> None:
        """Close the socket; a request still waiting fails."""
        if self.closed:
            return
        self.closed = True
        waiter = self._waiter
        self._settle()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._loop.remove_reader(self._fd)
        self._sock.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionAbortedError("the sender closed the connection"))

    def _sent(self) -> None:
        # The clock starts when the write began, as wrk's does: stamped after the write, a
        # thread preempted right after it could see the reply's kernel timestamp come first.
        watch = self._watch
        if not watch.sent_ns:
            watch.sent_ns = self._writing_ns
            watch.deadline_ns = self._writing_ns + watch.timeout_ns
        self._arm(watch.deadline_ns)

    def _arm(self, deadline_ns: int, now_ns: int = 0) -> None:
        """Make sure a timer fires by ``deadline_ns``.

        A timer already set to fire earlier is kept: it finds the later deadline when it fires
        and sets itself again for the rest. So back-to-back requests on a kept-alive connection
        set a timer about once per timeout rather than once per request.
        """
        self._deadline_ns = deadline_ns
        if self._timer is not None:
            if self._timer_ns <= deadline_ns:
                return
            self._timer.cancel()
        self._timer_ns = deadline_ns
        delay_s = (deadline_ns - (now_ns or time.time_ns())) / 1e9
        self._timer = self._loop.call_later(delay_s, self._on_deadline)

    def _on_writable(self) -> None:
        assert self._unsent is not None
        try:
            sent = self._sock.send(self._unsent)
        except BlockingIOError:
            return
        except OSError as error:
            self._lost(error)
            return
        self._unsent = self._unsent[sent:]
        if not self._unsent:
            self._unsent = None
            self._loop.remove_writer(self._fd)
            self._sent()

    def _on_readable(self) -> None:
        self._read()

    def _read(self) -> bool:
        """Read once; False when there was nothing to read or the connection ended."""
        try:
            data, ancillary, _, _ = self._sock.recvmsg(READ_SIZE, timestamps.ANCILLARY_SIZE)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as error:
            self._lost(error)
            return False
        if not data:
            self._ended()
            return False
        stamp_ns = timestamps.received_ns(ancillary) if ancillary else 0
        self._kernel_stamp = stamp_ns != 0
        self._stamp_ns = stamp_ns or time.time_ns()
        try:
            reply = self._parse(data)
        except Exception as error:  # malformed, oversized or TLS trouble: the future says which
            self._fail(error)
            return False
        if reply is not None:
            self._complete(reply)
        if self._tls is not None and self._tls.closed:
            self._ended()
            return False
        return True

    def _parse(self, data: bytes) -> Reply | None:
        if self._tls is not None:
            data = self._tls.decrypt(data)
        if self._waiter is None:
            if data:  # bytes nobody asked for: the stream can no longer be trusted
                self.close()
            return None
        self._received += len(data)
        return self._reader.feed(data)

    def _on_deadline(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is None:
            return
        # The loop may be late: a reply that arrived in time can be waiting in the socket.
        while self._waiter is waiter and self._read():
            pass
        if self._waiter is not waiter:
            return
        now = time.time_ns()
        if now < self._deadline_ns:  # asyncio fires timers up to a clock tick early
            self._arm(self._deadline_ns, now)
            return
        self._fail(TimedOut())

    def _complete(self, reply: Reply) -> None:
        watch = self._watch
        if watch.deadline_ns and self._stamp_ns > watch.deadline_ns:
            self._fail(TimedOut())
            return
        if not watch.sent_ns:  # answered before the request was all written
            watch.sent_ns = self._stamp_ns
        reply.received_ns = self._stamp_ns
        reply.kernel_clock = self._kernel_stamp
        reusable = reply.reusable and self._unsent is None
        waiter = self._waiter
        self._settle()
        self.served += 1
        if not reusable:
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)

    def _ended(self) -> None:
        """The server closed its side."""
        if self._waiter is None:
            self.close()
        elif self._reader.ends_at_close:
            self._complete(self._reader.finish_at_close())
        elif self._received == 0:
            self._fail(StaleConnection() if self.served else ClosedBeforeReply())
        else:
            self._fail(ClosedMidReply())

    def _lost(self, error: OSError) -> None:
        if self._waiter is None:
            self.close()
        elif isinstance(error, ConnectionResetError | BrokenPipeError):
            if self._received:
                self._fail(ClosedMidReply())
            else:
                self._fail(StaleConnection() if self.served else error)
        else:
            self._fail(error)

    def _fail(self, error: BaseException) -> None:
        waiter = self._waiter
        self._settle()
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def _settle(self) -> None:
        if self._unsent is not None:
            self._loop.remove_writer(self._fd)
            self._unsent = None
        self._waiter = None


async def connect(
    origin: Origin, ssl_context: ssl.SSLContext | None, reader: ReplyReader, policy: OutboundPolicy
) -> Connection:
    """Open a connection to ``origin``, TLS included for https, to an address ``policy`` allows."""
    loop = asyncio.get_running_loop()
    sock = await _open_socket(loop, origin.host, origin.port, policy)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        timestamps.enable(sock)
        tls = None
        if origin.scheme == "https":
            tls = TlsChannel(ssl_context or ssl.create_default_context(), origin.host)
            await tls.handshake(loop, sock)
        return Connection(loop, sock, tls, reader)
    except BaseException:
        sock.close()
        raise


async def _open_socket(
    loop: asyncio.AbstractEventLoop, host: str, port: int, policy: OutboundPolicy
) -> socket.socket:
    """A connected non-blocking socket; raises ConnectFailed, or Refused when every address
    ``host`` resolves to is one the sandbox never connects to."""
    try:
        addresses = _permitted(host, await _addresses(loop, host, port), policy)
    except OSError as error:
        raise ConnectFailed(error) from None
    errors: list[OSError] = []
    for family, address in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except OSError as error:
            sock.close()
            errors.append(error)
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    refused = [error for error in errors if isinstance(error, ConnectionRefusedError)]
    raise ConnectFailed((refused or errors or [OSError("no address")])[0])


def _permitted(
    host: str, addresses: list[tuple[socket.AddressFamily, _Address]], policy: OutboundPolicy
) -> list[tuple[socket.AddressFamily, _Address]]:
    """The addresses the sandbox may connect to; a name can resolve to any address at all."""
    permitted, problem = [], None
    for family, address in addresses:
        refusal = _refusal(address, policy)
        if refusal is None:
            permitted.append((family, address))
        else:
            problem = refusal
    if not permitted and problem is not None:
        raise Refused(f"connection to {host}", problem)
    return permitted


def _refusal(address: _Address, policy: OutboundPolicy) -> str | None:
    if not isinstance(address[0], str):
        return None
    return policy.address_problem(ipaddress.ip_address(address[0]), int(address[1]))


async def _addresses(
    loop: asyncio.AbstractEventLoop, host: str, port: int
) -> list[tuple[socket.AddressFamily, _Address]]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return [(family, address) for family, _, _, _, address in infos]
    family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
    return [(family, (host, port))]
