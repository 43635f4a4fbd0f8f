"""A minimal client of halond's control protocol (hosts/Halon.Transport.Tcp/Protos/halon.proto), enough to ask for a
node's status many times a second over one connection, as `halonctl status --json` does once per process.

Only what the suite needs: the handshake (with the cluster key's HMAC proof, exactly as HandshakeProtocol.cs computes
it) and GetStatus. The protobuf encoding is written out by hand (varints and length-delimited fields), so the suite
needs nothing outside Python's standard library. A reply this decoder does not understand raises WireError; the
poller then falls back to running halonctl.
"""

import hashlib
import hmac
import os
import socket
import struct

MAGIC = 0x48414C4E  # "HALN"
VERSION = 1
NONCE_BYTES = 32
HANDSHAKE_FRAME_BYTES_MAX = 1024
FRAME_BYTES_MAX = 4 * 1024 * 1024
LISTENER_LABEL = b"halon-v1 listener"
DIALLER_LABEL = b"halon-v1 dialler"


class WireError(Exception):
    """The other side broke the protocol, refused us, or closed the connection."""


class ProtocolMismatch(WireError):
    """The node speaks a protocol this client does not know (another magic or version, or a message it cannot read)."""


# ---------------------------------------------------------------------------------------------------- protobuf

def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_varint(number, value):
    return _varint(number << 3) + _varint(value)


def _field_bytes(number, data):
    return _varint((number << 3) | 2) + _varint(len(data)) + data


def _decode(data):
    """{field number: [values]}: varints as int, length-delimited fields as bytes; fixed-width fields skipped."""
    fields = {}
    position, end = 0, len(data)
    while position < end:
        key, position = _read_varint(data, position)
        number, kind = key >> 3, key & 7
        if kind == 0:
            value, position = _read_varint(data, position)
        elif kind == 2:
            length, position = _read_varint(data, position)
            if position + length > end:
                raise WireError("a length-delimited field runs past the end of its message")
            value, position = data[position:position + length], position + length
        elif kind == 1:
            value, position = None, position + 8
        elif kind == 5:
            value, position = None, position + 4
        else:
            raise WireError(f"unknown protobuf wire type {kind}")
        if value is not None:
            fields.setdefault(number, []).append(value)
    if position != end:
        raise WireError("a fixed-width field runs past the end of its message")
    return fields


def _read_varint(data, position):
    value, shift = 0, 0
    for _ in range(10):
        if position >= len(data):
            raise WireError("a varint runs past the end of its message")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
    raise WireError("a varint longer than 10 bytes")


def _int(fields, number, default=0):
    value = fields.get(number, [default])[-1]
    return value - (1 << 64) if value >= 1 << 63 else value  # int64 is two's complement on the wire


def _text(fields, number, default=""):
    values = fields.get(number)
    return values[-1].decode("utf-8", "replace") if values else default


def _message(fields, number):
    values = fields.get(number)
    return _decode(values[-1]) if values else None


# ---------------------------------------------------------------------------------------------------- status

def _satellite(data):
    f = _decode(data)
    return {"node": _text(f, 1), "acknowledged": bool(_int(f, 2)), "incarnation": _int(f, 3)}


def _status(header, satellites):
    """The fields of `halonctl status --json` that the suite reads, under the same names."""
    coordinator = _message(header, 7)
    announcer = _message(header, 9)
    peers = []
    for data in header.get(8, []):
        f = _decode(data)
        peers.append({"node": _text(f, 1), "reachable": bool(_int(f, 2)), "state": _text(f, 3)})
    return {
        "node": _text(header, 1),
        "role": _text(header, 2),
        "cluster_id": _text(header, 3, None),
        "term": _int(header, 4),
        "state": _text(header, 5),
        "leader": _text(header, 6, None),
        "coordinator": {"node": _text(coordinator, 1), "epoch": _int(coordinator, 2)} if coordinator is not None else None,
        "peers": peers,
        "announcer": None if announcer is None else {
            "station": _text(announcer, 1), "incarnation": _int(announcer, 2),
            "acknowledged": bool(_int(announcer, 3)), "epoch": _int(announcer, 4)},
        "commit_index": _int(header, 10),
        "last_log_index": _int(header, 11),
        "satellites": satellites,
    }


# ---------------------------------------------------------------------------------------------------- connection

class ControlConnection:
    """One control connection to a halond: the handshake, then any number of status requests, one at a time."""

    def __init__(self, host, port, key, timeout_seconds):
        self._key = key
        self._socket = socket.create_connection((host, port), timeout=timeout_seconds)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = bytearray()
        self._request_id = 0
        try:
            self.node = self._handshake()
        except BaseException:
            self.close()
            raise

    def close(self):
        try:
            self._socket.close()
        except OSError:
            pass

    def status(self):
        """The node's status as a dict (the names of `halonctl status --json`)."""
        self._request_id += 1
        request = _field_varint(1, self._request_id) + _field_bytes(4, b"")  # ControlRequest{request_id, get_status{}}
        self._socket.sendall(struct.pack(">I", len(request)) + request)
        satellites = []
        for _ in range(1000):  # a chunk holds up to 1,000 satellites; the suite runs a handful
            response = _decode(self._read_frame(FRAME_BYTES_MAX))
            if _int(response, 1) != self._request_id:
                raise WireError(f"answer to request {_int(response, 1)}, not {self._request_id}")
            error = _message(response, 4)
            if error is not None:
                raise WireError("the node answered with an error: " + _text(error, 1))
            chunk = _message(response, 3)
            if chunk is None:
                raise WireError("the node answered a status request with something else")
            satellites += [_satellite(data) for data in chunk.get(1, [])]
            header = _message(chunk, 2)
            if header is not None:
                return _status(header, satellites)
        raise WireError("a status answer of more than 1,000 chunks")

    def _handshake(self):
        nonce = os.urandom(NONCE_BYTES)
        hello = _field_varint(2, 1) + _field_bytes(3, nonce) + (_field_varint(4, 1) if self._key else b"")
        self._socket.sendall(struct.pack(">II", MAGIC, VERSION) + struct.pack(">I", len(hello)) + hello)
        magic, version = struct.unpack(">II", self._read_exactly(8))
        if magic != MAGIC:
            raise ProtocolMismatch(f"not a halond (magic 0x{magic:08x})")
        if version != VERSION:
            raise ProtocolMismatch(f"halond speaks protocol version {version}; this client knows version {VERSION}")
        challenge = _decode(self._read_frame(HANDSHAKE_FRAME_BYTES_MAX))
        listener = _text(challenge, 1)
        listener_nonce = challenge.get(2, [b""])[-1]
        if len(listener_nonce) != NONCE_BYTES:
            raise ProtocolMismatch("the challenge's nonce has the wrong length")
        proof = b""
        if self._key:
            expected = _prove(self._key, LISTENER_LABEL, nonce, listener_nonce, listener)
            if not hmac.compare_digest(expected, challenge.get(4, [b""])[-1]):
                raise WireError(f"{listener} does not know this cluster key")
            proof = _prove(self._key, DIALLER_LABEL, nonce, listener_nonce, listener)
        message = _field_bytes(1, proof) if proof else b""
        self._socket.sendall(struct.pack(">I", len(message)) + message)
        welcome = _decode(self._read_frame(HANDSHAKE_FRAME_BYTES_MAX))
        if not _int(welcome, 1):
            raise WireError(f"{listener} refused the connection: {_text(welcome, 3)}")
        return listener

    def _read_frame(self, bytes_max):
        (length,) = struct.unpack(">I", self._read_exactly(4))
        if length > bytes_max:
            raise WireError(f"a frame of {length} bytes (at most {bytes_max} expected)")
        return bytes(self._read_exactly(length))

    def _read_exactly(self, count):
        while len(self._buffer) < count:
            chunk = self._socket.recv(65536)
            if not chunk:
                raise WireError("the node closed the connection")
            self._buffer += chunk
        data = self._buffer[:count]
        del self._buffer[:count]
        return data


def _prove(key, label, dialler_nonce, listener_nonce, listener_id):
    """HMAC-SHA256 over the label, both nonces and both ids (a control client's id is empty), each length-prefixed."""
    transcript = bytearray()
    for part in (label, dialler_nonce, listener_nonce, b"", listener_id.encode("utf-8")):
        transcript += struct.pack(">I", len(part)) + part
    return hmac.new(key, bytes(transcript), hashlib.sha256).digest()


def load_key(path):
    """The cluster key as halond reads it: the file's bytes without trailing newlines."""
    with open(path, "rb") as f:
        return f.read().rstrip(b"\r\n")
