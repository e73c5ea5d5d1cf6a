"""TLS over a raw socket through memory buffers, so the socket stays ours to read with ``recvmsg``.

Reading the socket ourselves is what keeps kernel receive timestamps; ``ssl.SSLSocket`` would
hide them. The handshake is awaited; after it, encrypting and decrypting are plain calls.
"""

from __future__ import annotations

import asyncio
import socket
import ssl

from appstore_sandbox.outbound.errors import TlsFailed

_READ_SIZE = 65536


class TlsChannel:
    def __init__(self, context: ssl.SSLContext, host: str) -> None:
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_hostname=host)
        self.closed = False  # the server ended the TLS session (close_notify)

    async def handshake(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        """Complete the handshake; raises TlsFailed (or the OSError) if it cannot."""
        while not self._step():
            await self._flush(loop, sock)
            data = await loop.sock_recv(sock, _READ_SIZE)
            if not data:
                raise TlsFailed("the server closed the connection during the handshake")
            self._incoming.write(data)
        await self._flush(loop, sock)

    def _step(self) -> bool:
        """Advance the handshake with what has arrived; True once it is complete."""
        try:
            self._tls.do_handshake()
        except ssl.SSLWantReadError:
            return False
        except ssl.SSLError as error:
            raise TlsFailed(_reason(error)) from None
        return True

    def encrypt(self, data: bytes) -> bytes:
        self._tls.write(data)
        return self._outgoing.read()

    def decrypt(self, data: bytes) -> bytes:
        """The plaintext ``data`` completes (maybe none yet); sets ``closed`` at close_notify."""
        self._incoming.write(data)
        chunks = []
        while True:
            try:
                chunk = self._tls.read(_READ_SIZE)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self.closed = True
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    async def _flush(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        data = self._outgoing.read()
        if data:
            await loop.sock_sendall(sock, data)


def _reason(error: ssl.SSLError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        return f"certificate verify failed: {error.verify_message}"
    return str(error.reason or error)
