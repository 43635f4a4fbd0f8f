"""A minimal client of halond's control protocol, version 3 (hosts/Halon.Transport.Tcp: WireProtocol.cs,
Handshake/HandshakeProtocol.cs, Framing/, Protos/halon.proto), enough to ask for a node's status many times a second
over one connection, as `halonctl status --json` does once per process.

Only what the suite needs: the handshake as halonctl dials it (no key, or the cluster key; not TLS) and GetStatus.
Each side opens with 9 bytes (magic, version, security mode); then come frames, a 4-byte big-endian length and a
protobuf message. The handshake (Hello, Challenge, Proof, Welcome) travels in plain frames; with a cluster key both
sides hash its transcript, prove the key with HKDF-SHA256 outputs bound to that hash (the node first), and seal every
frame after the Welcome with AES-256-GCM under one session key per direction, exactly as the C# code does.

The protobuf encoding and HKDF are written out by hand (varints and length-delimited fields; hmac and hashlib);
AES-GCM comes from the `cryptography` package. Without that package SEALING_UNAVAILABLE says why, and a connection
with a cluster key raises ProtocolMismatch at once, as does a node of another protocol version or one that uses TLS:
the poller then falls back to running halonctl. Anything else this client cannot read or open raises WireError.
"""

import hashlib
import hmac
import os
import socket
import struct

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    SEALING_UNAVAILABLE = None
except Exception as e:  # ImportError, or a broken install (a native library that does not load)
    AESGCM = InvalidTag = None
    SEALING_UNAVAILABLE = (f"python package cryptography not available ({type(e).__name__}: {e}): "
                           "control protocol 3 seals its frames with AES-GCM")

MAGIC = 0x48414C4E  # "HALN"
VERSION = 3
MODE_INSECURE, MODE_CLUSTER_KEY, MODE_TLS = 0, 1, 2  # the byte that ends the opening (SecurityMode.cs)
MODE_NAMES = {MODE_INSECURE: "runs without a cluster key or TLS", MODE_CLUSTER_KEY: "uses a cluster key",
              MODE_TLS: "uses TLS"}
NONCE_BYTES = 32
KEY_ID_BYTES = 8
SECRET_BYTES = 32  # proofs and session keys: HKDF-SHA256 outputs
TAG_BYTES = 16
HANDSHAKE_FRAME_BYTES_MAX = 1024
FRAME_BYTES_MAX = 4 * 1024 * 1024
SEALED_BYTES_PER_KEY_MAX = 64 * 1024 ** 3  # ControlClient's data budget per session key: far above what the suite sends

KEY_ID_SALT = b"halon key id"
KEY_ID_LABEL = b"halon-v2 key id"
KEY_SALT = b"halon-v2"
TRANSCRIPT_LABEL = b"halon-v2 transcript"
LISTENER_PROOF_LABEL = b"halon-v2 listener proof"
DIALLER_PROOF_LABEL = b"halon-v2 dialler proof"
DIALLER_TO_LISTENER_LABEL = b"halon-v2 dialler-to-listener key"
LISTENER_TO_DIALLER_LABEL = b"halon-v2 listener-to-dialler key"

REJECT_REASONS = {1: "authentication failed", 2: "bad hello", 3: "busy"}


class WireError(Exception):
    """The other side broke the protocol, refused us, or closed the connection; or a frame did not open."""


class ProtocolMismatch(WireError):
    """The node speaks a protocol this client does not know (another magic or version, TLS), or cannot speak it here."""


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


# ---------------------------------------------------------------------------------------------------- keys

def _hkdf_extract(salt, key):
    """HKDF-Extract with SHA-256 (RFC 5869): the pseudo-random key."""
    return hmac.new(salt, key, hashlib.sha256).digest()


def _hkdf_expand(prk, info, length):
    """HKDF-Expand with SHA-256 (RFC 5869)."""
    output, block, counter = b"", b"", 1
    while len(output) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
        counter += 1
    return output[:length]


def key_id(key):
    """The key's 8-byte id, offered in the Hello (ClusterKey.IdBytes; shown as 16 hex digits in status and logs)."""
    return _hkdf_expand(_hkdf_extract(KEY_ID_SALT, key), KEY_ID_LABEL, KEY_ID_BYTES)


def transcript(dialler_opening, listener_opening, hello, listener, listener_nonce, chosen_key_id):
    """The transcript hash (HandshakeProtocol.Transcript): SHA-256 over a label, both openings, the Hello as sent, the
    listener's id and nonce and the chosen key id, each prefixed with its 4-byte big-endian length. Every value the
    handshake derives is bound to it, so an altered Hello, Challenge or key choice makes a proof fail."""
    digest = hashlib.sha256()
    for part in (TRANSCRIPT_LABEL, dialler_opening, listener_opening, hello, listener.encode("utf-8"), listener_nonce,
                 chosen_key_id):
        digest.update(struct.pack(">I", len(part)) + part)
    return digest.digest()


def derive(key, transcript_hash):
    """The four values of a handshake (ClusterKeys.Entry.Expand): HKDF-Expand of the key's PRK (HKDF-Extract with salt
    "halon-v2") with info label | transcript hash, 32 bytes each. Returns (listener proof, dialler proof,
    dialler-to-listener key, listener-to-dialler key)."""
    prk = _hkdf_extract(KEY_SALT, key)
    return tuple(_hkdf_expand(prk, label + transcript_hash, SECRET_BYTES) for label in (
        LISTENER_PROOF_LABEL, DIALLER_PROOF_LABEL, DIALLER_TO_LISTENER_LABEL, LISTENER_TO_DIALLER_LABEL))


def _frame_nonce(number):
    """The 12-byte AES-GCM nonce of frame `number` of a direction: four zero bytes, then the number, big-endian."""
    return b"\0\0\0\0" + struct.pack(">Q", number)


class FrameSealer:
    """Seals the frames of one direction (FrameSealer.cs): AES-256-GCM under the direction's session key, the frame's
    number in that direction as nonce (never sent: the keys are new for every connection), the 4-byte length prefix
    (ciphertext and tag) as associated data, the 16-byte tag after the ciphertext."""

    def __init__(self, key, sealed_bytes_max=SEALED_BYTES_PER_KEY_MAX):
        self._aead = AESGCM(key)
        self._sealed_bytes_max = sealed_bytes_max
        self._frames = 0
        self._sealed_bytes = 0

    def seal(self, payload):
        """One frame on the wire: the length prefix, then the sealed payload."""
        if self._sealed_bytes >= self._sealed_bytes_max:
            raise WireError("the session key carried its data budget; connect again")
        header = struct.pack(">I", len(payload) + TAG_BYTES)
        sealed = self._aead.encrypt(_frame_nonce(self._frames), bytes(payload), header)
        self._frames += 1
        self._sealed_bytes += len(sealed)
        return header + sealed


class FrameOpener:
    """Opens the frames of one direction (FrameOpener.cs), numbered 0, 1, 2, ... in order: a frame altered, forged,
    replayed, reordered, reflected or sealed with another key fails its tag, and raises WireError without yielding a
    byte of it. After a failure the opener is spent: the connection must be closed."""

    def __init__(self, key, sealed_bytes_max=SEALED_BYTES_PER_KEY_MAX):
        self._aead = AESGCM(key)
        self._sealed_bytes_max = sealed_bytes_max
        self._frames = 0
        self._sealed_bytes = 0
        self._failed = False

    def open(self, header, sealed):
        """The payload of the frame whose length prefix was `header` and whose body (ciphertext and tag) is `sealed`."""
        if self._failed:
            raise WireError("a frame failed authentication on this connection already")
        number = self._frames
        if len(sealed) < TAG_BYTES:
            self._failed = True
            raise WireError(f"frame {number} has {len(sealed)} bytes, fewer than a sealed frame's tag")
        if self._sealed_bytes >= self._sealed_bytes_max:
            self._failed = True
            raise WireError(f"frame {number} comes after the session key carried its data budget")
        try:
            payload = self._aead.decrypt(_frame_nonce(number), bytes(sealed), bytes(header))
        except InvalidTag:
            self._failed = True
            raise WireError(f"frame {number} from the node failed authentication (altered, forged, replayed, "
                            "reordered or reflected in transit, or sealed with another key)") from None
        self._frames += 1
        self._sealed_bytes += len(sealed)
        return payload


# ---------------------------------------------------------------------------------------------------- connection

def _nonce():
    """A fresh handshake nonce (a function, so that a test can fix it)."""
    return os.urandom(NONCE_BYTES)


class ControlConnection:
    """One control connection to a halond: the handshake, then any number of status requests, one at a time.
    `key` is the cluster key (None for a node without one); `connect` opens the socket (a test passes its own)."""

    def __init__(self, host, port, key, timeout_seconds, connect=socket.create_connection):
        if key and AESGCM is None:
            raise ProtocolMismatch(SEALING_UNAVAILABLE)
        self._key = key
        self._address = f"{host}:{port}"
        self._socket = connect((host, port), timeout=timeout_seconds)
        if self._socket.family in (socket.AF_INET, socket.AF_INET6):
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = bytearray()
        self._request_id = 0
        self._sealer = self._opener = None
        self._broken = False
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
        """The node's status as a dict (the names of `halonctl status --json`). After any failure the connection is
        spent (an answer may still be on its way, or the stream is out of step): close it and connect again."""
        if self._broken:
            raise WireError(f"{self._address}: the connection failed earlier; connect again")
        self._broken = True
        self._request_id += 1
        self._send(_field_varint(1, self._request_id) + _field_bytes(4, b""))  # ControlRequest{request_id, get_status{}}
        satellites = []
        for _ in range(1000):  # a chunk holds up to 1,000 satellites; the suite runs a handful
            response = _decode(self._receive(FRAME_BYTES_MAX))
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
                self._broken = False
                return _status(header, satellites)
        raise WireError("a status answer of more than 1,000 chunks")

    def _handshake(self):
        """The dialler's side (HandshakeProtocol.DialAsync) as halonctl runs it: opening and Hello in one write, the
        node's opening and Challenge (its proof first), our Proof, its Welcome. Returns the node's id."""
        mode = MODE_CLUSTER_KEY if self._key else MODE_INSECURE
        opening = struct.pack(">IIB", MAGIC, VERSION, mode)
        nonce = _nonce()
        offered = key_id(self._key) if self._key else b""
        # Hello{client, nonce, key_ids}: a control client has no node id and does not read replies.
        hello = _field_varint(2, 1) + _field_bytes(3, nonce) + (_field_bytes(4, offered) if self._key else b"")
        self._socket.sendall(opening + struct.pack(">I", len(hello)) + hello)

        # A node of another version sends its preamble (then closes): read it before the mode byte.
        magic, version = struct.unpack(">II", self._read_exactly(8))
        if magic != MAGIC:
            raise ProtocolMismatch(f"not a halond (magic 0x{magic:08x})")
        if version != VERSION:
            raise ProtocolMismatch(f"halond speaks protocol version {version}; this client speaks version {VERSION}")
        (listener_mode,) = self._read_exactly(1)
        if listener_mode == MODE_TLS:
            raise ProtocolMismatch(f"{self._address} uses TLS, which this client does not speak")
        if listener_mode != mode:
            theirs = MODE_NAMES.get(listener_mode, f"names an unknown security mode {listener_mode}")
            raise WireError(f"authentication failed: {self._address} {theirs}, but this client {MODE_NAMES[mode]}")

        challenge = _decode(self._read_frame(HANDSHAKE_FRAME_BYTES_MAX))
        if _int(challenge, 5):
            raise WireError(f"{self._address} refused the handshake "
                            f"({REJECT_REASONS.get(_int(challenge, 5), _int(challenge, 5))}): {_text(challenge, 6)}")
        listener = _text(challenge, 1)
        listener_nonce = challenge.get(2, [b""])[-1]
        if len(listener_nonce) != NONCE_BYTES:
            raise WireError(f"the challenge's nonce has {len(listener_nonce)} bytes, not {NONCE_BYTES}")
        proof = b""
        if self._key:
            chosen = challenge.get(3, [b""])[-1]
            if chosen != offered:
                raise WireError(f"{listener} chose key {chosen.hex()}, which this client did not offer")
            listener_opening = struct.pack(">IIB", magic, version, listener_mode)
            listener_proof, dialler_proof, to_listener, to_dialler = derive(
                self._key, transcript(opening, listener_opening, hello, listener, listener_nonce, chosen))
            if not hmac.compare_digest(listener_proof, challenge.get(4, [b""])[-1]):
                self._farewell(_field_varint(2, 1) + _field_bytes(3, b"wrong listener proof"))  # Proof{listener_rejected}
                raise WireError(f"{listener} sent a wrong proof for cluster key {chosen.hex()}: "
                                "the handshake was altered in transit")
            proof = _field_bytes(1, dialler_proof)
            self._sealer, self._opener = FrameSealer(to_listener), FrameOpener(to_dialler)
        self._socket.sendall(struct.pack(">I", len(proof)) + proof)

        welcome = _decode(self._read_frame(HANDSHAKE_FRAME_BYTES_MAX))
        if not _int(welcome, 1):
            reason = _int(welcome, 2)
            raise WireError(f"{listener} refused the connection ({REJECT_REASONS.get(reason, reason)}): {_text(welcome, 3)}")
        return listener

    def _farewell(self, message):
        """Tells the node why this side gives up; it may be gone already, and the caller raises a better error anyway."""
        try:
            self._socket.sendall(struct.pack(">I", len(message)) + message)
        except OSError:
            pass

    def _send(self, payload):
        """One frame: sealed after a handshake with a cluster key, else as it is."""
        if self._sealer is None:
            self._socket.sendall(struct.pack(">I", len(payload)) + payload)
        else:
            self._socket.sendall(self._sealer.seal(payload))

    def _receive(self, bytes_max):
        """The payload of one frame, opened after a handshake with a cluster key (it may then be a tag longer)."""
        if self._opener is None:
            return self._read_frame(bytes_max)
        header = bytes(self._read_exactly(4))
        (length,) = struct.unpack(">I", header)
        if length > bytes_max + TAG_BYTES:
            raise WireError(f"a sealed frame of {length} bytes (at most {bytes_max + TAG_BYTES} expected)")
        return self._opener.open(header, self._read_exactly(length))

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


def load_key(path):
    """The cluster key as halond reads it: the file's bytes without trailing newlines."""
    with open(path, "rb") as f:
        return f.read().rstrip(b"\r\n")
