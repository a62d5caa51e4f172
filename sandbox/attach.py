"""The attach stream of a container: payload in on stdin, capped stdout/stderr out.

The daemon logs nothing (log driver ``none``), so this stream is the only copy of the
output. It is drained to the end so that the container never blocks on a full pipe, but
only the first ``cap`` bytes of each stream are kept.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

_HEADER = struct.Struct(">BxxxL")
_STDOUT = 1
_STDERR = 2
_CHUNK = 65536


@dataclass(kw_only=True, slots=True)
class CappedOutput:
    """What was read from the stream: the kept bytes and whether anything was dropped."""

    cap: int
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    truncated: bool = False

    def keep(self, stream: int, data: bytes) -> None:
        target = self.stderr if stream == _STDERR else self.stdout
        room = self.cap - len(target)
        if len(data) > room:
            self.truncated = True
            data = data[: max(room, 0)]
        target += data


class AttachStream:
    """A hijacked ``/attach`` connection, opened before the container starts."""

    def __init__(self, client: Any, container_id: str, cap: int) -> None:
        raw = client.api.attach_socket(
            container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
        )
        self._raw = raw
        self._sock: socket.socket = getattr(raw, "_sock", raw)
        self.output = CappedOutput(cap=cap)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def send(self, payload: bytes) -> None:
        """Write the payload to the container's stdin and close it (EOF)."""
        try:
            if payload:
                self._sock.sendall(payload)
            self._sock.shutdown(socket.SHUT_WR)
        except OSError:
            # The process may exit without reading its input; its exit code says so.
            pass

    @property
    def open(self) -> bool:
        """True while the container's output stream is open (its process still runs)."""
        return self._reader.is_alive()

    def finish(self, timeout: float) -> CappedOutput:
        """Wait for the stream to end (the container has exited) and return the output."""
        self._reader.join(timeout)
        self.close()
        self._reader.join(1.0)
        return self.output

    def close(self) -> None:
        """Close the connection; the reader thread ends with it."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._sock.close()
        with contextlib.suppress(OSError):
            self._raw.close()

    def _drain(self) -> None:
        try:
            while True:
                header = self._recv_exact(_HEADER.size)
                if header is None:
                    return
                stream, size = _HEADER.unpack(header)
                while size:
                    chunk = self._sock.recv(min(size, _CHUNK))
                    if not chunk:
                        return
                    size -= len(chunk)
                    self.output.keep(stream, chunk)
        except OSError:
            return

    def _recv_exact(self, size: int) -> bytes | None:
        buffer = bytearray()
        while len(buffer) < size:
            chunk = self._sock.recv(size - len(buffer))
            if not chunk:
                return None
            buffer += chunk
        return bytes(buffer)
