"""wire.py against the C# code: the key id, the transcript hash, the derived proofs and session keys, and sealed frames
both ways, for fixed inputs, must be the bytes that Halon.Transport.Tcp computes (ClusterKey.IdBytes,
HandshakeProtocol.Transcript, ClusterKeys.Entry.Expand, FrameSealer); and a frame that does not open, a refusal or a
protocol this client does not speak must be a clear error. No network: the handshake runs over a socketpair against a
scripted node. Run: python3 -m unittest discover -s bench/nemesis -v

The expected values were printed once by a throwaway C# program (assembly named Halon.Transport.Tests, to see the
internals) that called those methods on the inputs below; change them only together with the C# code.
"""

import json
import os
import socket
import struct
import tempfile
import threading
import unittest
from types import SimpleNamespace
from unittest import mock

import poller
import wire

# The inputs.
KEY = b"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"  # a key file's bytes (openssl rand -hex 32)
DIALLER_NONCE = bytes(range(0, 32))
LISTENER_NONCE = bytes(range(32, 64))
LISTENER = "127.0.0.1:9070"

# What the C# code computed from them.
KEY_ID = bytes.fromhex("7b0067ce4f536632")
OPENING = bytes.fromhex("48414c4e0000000301")  # Frames.Opening(SecurityMode.ClusterKey): both sides' openings
HELLO = bytes.fromhex("10011a20000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f22087b0067ce4f536632")
TRANSCRIPT = bytes.fromhex("6dafae5bb15948cd019da4b7de3881fe034ea586b5f9aab77655b9f28cac4ec6")
LISTENER_PROOF = bytes.fromhex("181a6b803c0e4dbcd9ef1151b43153bc1bfec287548ff709c31c1cbb0ef55a0c")
DIALLER_PROOF = bytes.fromhex("ec3b044238a1f823a0f17563310097deb00584098a9136985ededa653f9183d4")
DIALLER_TO_LISTENER = bytes.fromhex("5a2cf1639cbcca58b4e4f32b8c562e8637d473c7743152aa8784ad6742b1fc98")
LISTENER_TO_DIALLER = bytes.fromhex("b618ccc323b96f7ab247fe06ad329ea938cb0a6dad58941ef1523838b3dab79c")
# ControlRequest{request_id 1 (then 2), get_status{}}, plain and as frames 0 and 1 sealed under DIALLER_TO_LISTENER.
REQUEST_1 = bytes.fromhex("08012200")
REQUEST_2 = bytes.fromhex("08022200")
SEALED_REQUEST_1 = bytes.fromhex("0000001466812f6059ba7c581cb8b9cfce0da14eac2bb12e")
SEALED_REQUEST_2 = bytes.fromhex("000000144cafa51a8665662555471017eaa980328517c8c0")
# The answer to request 1 as frames 0 and 1 sealed under LISTENER_TO_DIALLER: a chunk with one satellite, then the
# chunk with the header.
SEALED_RESPONSE_0 = bytes.fromhex(
    "0000002a048674e4d4a2aba18eb76d698ae564e762afce8bdaff52b597e88ee1f3c7aeccf74a3ba24136584369a3")
SEALED_RESPONSE_1 = bytes.fromhex(
    "0000008343719ee12119cc846ed5268ee8f3a90fc66d03ef130287c54b56facec3f1e42699fa6478ff5fc6f60ea9b72e1d6f06245bc83a"
    "053c2887dbfae3c61be9dc19f27d3d998ff39858807a380b849dba6f88892624b9fc72be53a9795ecbbd6fd375268dc4c766385b2ef934"
    "7579ddd4c4900073cb87556f27ca104aa757d82e126f5d1cd2")
STATUS = {
    "node": LISTENER, "role": "station", "cluster_id": "c1", "term": 7, "state": "master", "leader": LISTENER,
    "coordinator": {"node": LISTENER, "epoch": 3},
    "peers": [{"node": "127.0.0.2:9070", "reachable": True, "state": "follower"}],
    "announcer": None, "commit_index": 12, "last_log_index": 12,
    "satellites": [{"node": "127.0.0.9:9070", "acknowledged": True, "incarnation": 5}],
}

needs_aes_gcm = unittest.skipIf(wire.AESGCM is None, wire.SEALING_UNAVAILABLE)


def frame(message):
    return struct.pack(">I", len(message)) + message


def challenge(proof=LISTENER_PROOF, key_id=KEY_ID):
    return frame(wire._field_bytes(1, LISTENER.encode()) + wire._field_bytes(2, LISTENER_NONCE)
                 + wire._field_bytes(3, key_id) + wire._field_bytes(4, proof))


WELCOME = frame(wire._field_varint(1, 1))


def flip(data, index):
    return data[:index] + bytes([data[index] ^ 1]) + data[index + 1:]


class KeyTests(unittest.TestCase):
    def test_the_key_id_is_the_one_halond_computes(self):
        self.assertEqual(KEY_ID, wire.key_id(KEY))

    def test_the_transcript_hash_is_the_one_halond_computes(self):
        self.assertEqual(TRANSCRIPT, wire.transcript(OPENING, OPENING, HELLO, LISTENER, LISTENER_NONCE, KEY_ID))

    def test_the_proofs_and_session_keys_are_the_ones_halond_derives(self):
        self.assertEqual((LISTENER_PROOF, DIALLER_PROOF, DIALLER_TO_LISTENER, LISTENER_TO_DIALLER),
                         wire.derive(KEY, TRANSCRIPT))

    def test_the_transcript_binds_every_part(self):
        parts = [OPENING, OPENING, HELLO, LISTENER, LISTENER_NONCE, KEY_ID]
        for i in range(len(parts)):
            altered = list(parts)
            altered[i] = altered[i] + ("x" if isinstance(altered[i], str) else b"x")
            self.assertNotEqual(TRANSCRIPT, wire.transcript(*altered), f"part {i}")


@needs_aes_gcm
class FrameTests(unittest.TestCase):
    def test_sealed_requests_are_the_frames_halond_expects(self):
        sealer = wire.FrameSealer(DIALLER_TO_LISTENER)
        self.assertEqual(SEALED_REQUEST_1, sealer.seal(REQUEST_1))
        self.assertEqual(SEALED_REQUEST_2, sealer.seal(REQUEST_2))  # frame 1: the counter is the nonce

    def test_the_answers_halond_seals_open(self):
        opener = wire.FrameOpener(LISTENER_TO_DIALLER)
        first = wire._decode(opener.open(SEALED_RESPONSE_0[:4], SEALED_RESPONSE_0[4:]))
        second = wire._decode(opener.open(SEALED_RESPONSE_1[:4], SEALED_RESPONSE_1[4:]))
        self.assertEqual([1, 1], [wire._int(first, 1), wire._int(second, 1)])
        chunk = wire._message(second, 3)
        satellites = [wire._satellite(d) for d in wire._message(first, 3).get(1, [])]
        self.assertEqual(STATUS, wire._status(wire._message(chunk, 2), satellites))

    def test_a_tampered_frame_does_not_open_and_spends_the_opener(self):
        for what, index in (("ciphertext", 5), ("tag", len(SEALED_RESPONSE_0) - 1), ("length prefix", 3)):
            with self.subTest(what):
                opener = wire.FrameOpener(LISTENER_TO_DIALLER)
                altered = flip(SEALED_RESPONSE_0, index)
                with self.assertRaisesRegex(wire.WireError, "frame 0 from the node failed authentication"):
                    opener.open(altered[:4], altered[4:])
                with self.assertRaisesRegex(wire.WireError, "failed authentication on this connection already"):
                    opener.open(SEALED_RESPONSE_0[:4], SEALED_RESPONSE_0[4:])

    def test_a_frame_out_of_order_replayed_or_reflected_does_not_open(self):
        with self.assertRaisesRegex(wire.WireError, "frame 0 .* failed authentication"):
            wire.FrameOpener(LISTENER_TO_DIALLER).open(SEALED_RESPONSE_1[:4], SEALED_RESPONSE_1[4:])  # frame 1 as frame 0
        opener = wire.FrameOpener(LISTENER_TO_DIALLER)
        opener.open(SEALED_RESPONSE_0[:4], SEALED_RESPONSE_0[4:])
        with self.assertRaisesRegex(wire.WireError, "frame 1 .* failed authentication"):
            opener.open(SEALED_RESPONSE_0[:4], SEALED_RESPONSE_0[4:])  # replayed
        with self.assertRaisesRegex(wire.WireError, "frame 0 .* failed authentication"):
            wire.FrameOpener(LISTENER_TO_DIALLER).open(SEALED_REQUEST_1[:4], SEALED_REQUEST_1[4:])  # our own, reflected

    def test_a_frame_shorter_than_a_tag_does_not_open(self):
        with self.assertRaisesRegex(wire.WireError, "fewer than a sealed frame's tag"):
            wire.FrameOpener(LISTENER_TO_DIALLER).open(struct.pack(">I", 15), bytes(15))


class ScriptedNode:
    """A socketpair whose far end plays the node: what it will send is written before the client runs (the client's
    nonce is fixed, so the node's side is known in advance); what the client sent is read afterwards."""

    def __init__(self, test, *sent):
        self.near, self.far = socket.socketpair()
        self.near.settimeout(2)
        self.far.settimeout(2)
        test.addCleanup(self.near.close)
        test.addCleanup(self.far.close)
        self.far.sendall(b"".join(sent))

    def connect(self, address, timeout):
        return self.near

    def received(self):
        self.far.setblocking(False)
        data = b""
        try:
            while chunk := self.far.recv(65536):
                data += chunk
        except BlockingIOError:
            pass
        return data

    def dial(self, key=KEY):
        with mock.patch.object(wire, "_nonce", lambda: DIALLER_NONCE):
            return wire.ControlConnection("127.0.0.1", 9070, key, 2, connect=self.connect)


class HandshakeTests(unittest.TestCase):
    @needs_aes_gcm
    def test_the_handshake_and_a_status_request_are_the_bytes_halond_expects(self):
        node = ScriptedNode(self, OPENING, challenge(), WELCOME, SEALED_RESPONSE_0, SEALED_RESPONSE_1)
        connection = node.dial()
        self.assertEqual(LISTENER, connection.node)
        self.assertEqual(STATUS, connection.status())
        expected = OPENING + frame(HELLO) + frame(wire._field_bytes(1, DIALLER_PROOF)) + SEALED_REQUEST_1
        self.assertEqual(expected.hex(), node.received().hex())

    @needs_aes_gcm
    def test_a_tampered_answer_is_a_wire_error_and_spends_the_connection(self):
        node = ScriptedNode(self, OPENING, challenge(), WELCOME, flip(SEALED_RESPONSE_0, 10))
        connection = node.dial()
        with self.assertRaisesRegex(wire.WireError, "failed authentication"):
            connection.status()
        with self.assertRaisesRegex(wire.WireError, "connect again"):
            connection.status()

    @needs_aes_gcm
    def test_an_oversized_answer_is_a_wire_error(self):
        oversized = struct.pack(">I", wire.FRAME_BYTES_MAX + wire.TAG_BYTES + 1)
        node = ScriptedNode(self, OPENING, challenge(), WELCOME, oversized)
        with self.assertRaisesRegex(wire.WireError, "a sealed frame of 4194321 bytes"):
            node.dial().status()

    @needs_aes_gcm
    def test_a_wrong_cluster_key_is_a_clear_error_at_once(self):
        detail = b"wrong cluster key: this side offers key 1111111111111111, the node holds key 7b0067ce4f536632"
        node = ScriptedNode(self, OPENING, frame(wire._field_varint(5, 1) + wire._field_bytes(6, detail)))
        with self.assertRaisesRegex(wire.WireError, "refused the handshake \\(authentication failed\\): wrong cluster key"):
            node.dial(key=b"another key of sixteen bytes or more")

    @needs_aes_gcm
    def test_a_wrong_listener_proof_is_refused_and_said(self):
        node = ScriptedNode(self, OPENING, challenge(proof=flip(LISTENER_PROOF, 0)))
        with self.assertRaisesRegex(wire.WireError, "wrong proof for cluster key 7b0067ce4f536632"):
            node.dial()
        sent = node.received()
        self.assertEqual(frame(wire._field_varint(2, 1) + wire._field_bytes(3, b"wrong listener proof")),
                         sent[len(OPENING) + 4 + len(HELLO):])

    def test_another_version_or_tls_is_a_protocol_mismatch(self):
        for opening, message in ((struct.pack(">II", wire.MAGIC, 4), "protocol version 4"),
                                 (struct.pack(">II", 0x12345678, 3), "not a halond"),
                                 (struct.pack(">IIB", wire.MAGIC, 3, wire.MODE_TLS), "uses TLS")):
            with self.subTest(message):
                with self.assertRaisesRegex(wire.ProtocolMismatch, message):
                    ScriptedNode(self, opening).dial(key=None)

    def test_a_node_with_a_key_refuses_a_client_without_one(self):
        with self.assertRaisesRegex(wire.WireError, "uses a cluster key, but this client runs without") as raised:
            ScriptedNode(self, OPENING).dial(key=None)
        self.assertNotIsInstance(raised.exception, wire.ProtocolMismatch)

    def test_without_a_key_frames_are_plain(self):
        header = wire._field_bytes(1, LISTENER.encode())
        answer = wire._field_varint(1, 1) + wire._field_bytes(3, wire._field_bytes(2, header))  # a status chunk's header
        plain_challenge = frame(wire._field_bytes(1, LISTENER.encode()) + wire._field_bytes(2, LISTENER_NONCE))
        node = ScriptedNode(self, OPENING[:-1] + b"\0", plain_challenge, WELCOME, frame(answer))
        self.assertEqual(LISTENER, node.dial(key=None).status()["node"])
        hello = wire._field_varint(2, 1) + wire._field_bytes(3, DIALLER_NONCE)
        self.assertEqual(OPENING[:-1] + b"\0" + frame(hello) + frame(b"") + frame(REQUEST_1), node.received())

    def test_without_the_cryptography_package_a_key_is_a_protocol_mismatch_before_connecting(self):
        connect = mock.Mock()
        with mock.patch.object(wire, "AESGCM", None), mock.patch.object(wire, "SEALING_UNAVAILABLE", "no AES-GCM here"):
            with self.assertRaisesRegex(wire.ProtocolMismatch, "no AES-GCM here"):
                wire.ControlConnection("127.0.0.1", 9070, KEY, 2, connect=connect)
        connect.assert_not_called()


class PollerFallbackTests(unittest.TestCase):
    def test_the_fallback_is_said_once_however_many_threads_find_it(self):
        with tempfile.TemporaryDirectory() as directory:
            out = os.path.join(directory, "answers.jsonl")
            p = poller.Poller(SimpleNamespace(key=None, out=out, seconds_max=10))
            threads = [threading.Thread(target=p.fall_back, args=(f"p{i}: why",)) for i in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            p.out.close()
            with open(out) as f:
                lines = [json.loads(line) for line in f]
        self.assertTrue(p.use_halonctl.is_set())
        self.assertEqual(1, len(lines))
        self.assertEqual("halonctl", lines[0]["poller"])


if __name__ == "__main__":
    unittest.main()
