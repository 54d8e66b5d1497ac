"""End-to-end tests of the e2e server's `/socket.io/` with the Python client.

python-socketio's threaded client over websocket and over polling: connect
and refusals, the `auth` echo, acks both ways, binary (bytes) arguments,
rooms, and disconnections from both sides. The server's address comes from
env `SIO_URL` (default http://127.0.0.1:3000); tests/run-e2e.sh sets it.
"""

import os
import queue
import secrets

import pytest
import socketio

URL = os.environ.get("SIO_URL", "http://127.0.0.1:3000").rstrip("/")
WAIT = 5  # seconds: bound of every wait

TRANSPORTS = {"websocket": ["websocket"], "polling": ["polling"]}


def fresh_namespace(label):
    """A namespace of the contract's dynamic family that no other test uses."""
    return f"/dyn-py-{label}-{secrets.token_hex(4)}"


class Peer:
    """One python-socketio client on one namespace, with its events queued."""

    def __init__(self, namespace, transports):
        self.namespace = namespace
        self.transports = transports
        self.client = socketio.Client(reconnection=False)
        self.events = {}
        self.on("auth")
        self.on("message-back")
        self.on("connect_error")
        self.client.on("disconnect", self._on_disconnect, namespace=namespace)

    def _queue(self, event):
        return self.events.setdefault(event, queue.Queue())

    def _on_disconnect(self, reason=None):
        self._queue("disconnect").put(reason)

    def on(self, event, answer=None):
        """Queues every `event`'s arguments; `answer(*args)` gives the ack's value."""
        events = self._queue(event)

        def handler(*args):
            events.put(args)
            return answer(*args) if answer else None

        self.client.on(event, handler, namespace=self.namespace)

    def next(self, event):
        """The arguments of the next `event` (fails after WAIT seconds)."""
        try:
            return self._queue(event).get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"no '{event}' within {WAIT} s")

    def connect(self, auth=None):
        """Connects and returns the payload of the server's `auth` event."""
        self.client.connect(
            URL,
            namespaces=[self.namespace],
            transports=self.transports,
            auth=auth,
            wait_timeout=WAIT,
        )
        (payload,) = self.next("auth")
        return payload

    def call(self, event, *args):
        """Emits `event` with an ack request and returns the ack's arguments as a list."""
        reply = self.client.call(event, args, namespace=self.namespace, timeout=WAIT)
        if reply is None:
            return []
        return list(reply) if isinstance(reply, tuple) else [reply]

    def emit(self, event, *args):
        self.client.emit(event, args, namespace=self.namespace)

    @property
    def sid(self):
        return self.client.get_sid(self.namespace)

    def close(self):
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture(params=sorted(TRANSPORTS))
def peers(request):
    """Makes connected peers over the parametrized transport; closes them all."""
    made = []

    def make(namespace, auth=None):
        peer = Peer(namespace, TRANSPORTS[request.param])
        made.append(peer)
        peer.auth = peer.connect(auth)
        return peer

    yield make
    for peer in made:
        peer.close()


def test_connect_without_auth_gets_empty_auth(peers):
    peer = peers("/")
    assert peer.auth == {}
    assert peer.client.connected
    assert peer.client.transport() in ("websocket", "polling")


def test_auth_payload_comes_back(peers):
    auth = {"token": "abc", "nested": {"list": [1, 2, None], "flag": True}}
    assert peers("/custom", auth).auth == auth


def test_admin_needs_the_token(peers):
    assert peers("/admin", {"token": "secret"}).auth == {"token": "secret"}
    for transports in TRANSPORTS.values():
        refused = Peer("/admin", transports)
        with pytest.raises(socketio.exceptions.ConnectionError) as info:
            refused.connect({"token": "wrong"})
        assert "/admin" in str(info.value)
        (error,) = refused.next("connect_error")
        assert error == {"message": "unauthorized", "data": {"code": 401}}
        refused.close()


def test_unknown_namespace_is_refused():
    refused = Peer("/unknown", ["websocket"])
    with pytest.raises(socketio.exceptions.ConnectionError) as info:
        refused.connect()
    assert "/unknown" in str(info.value)
    assert refused.next("connect_error") == ({"message": "Invalid namespace"},)
    refused.close()


def test_acks_both_ways(peers):
    peer = peers(fresh_namespace("ack"))
    assert peer.call("message-with-ack", "a", 1, {"b": [True, None]}) == [
        "a",
        1,
        {"b": [True, None]},
    ]
    peer.emit("message", "x", 2)
    assert peer.next("message-back") == ("x", 2)
    peer.on("question", answer=lambda n: n * 2)
    assert peer.call("ask", "question", 21) == [None, 42]
    assert peer.next("question") == (21,)


def test_binary_round_trips(peers):
    peer = peers(fresh_namespace("bin"))
    data = bytes(range(256)) * 40
    nested = {"blob": b"\x00\xff\x10", "list": [b"abc", {"deeper": data}]}
    assert peer.call("message-with-ack", data, nested) == [data, nested]
    peer.emit("message", b"", b"\x01")
    assert peer.next("message-back") == (b"", b"\x01")


def test_rooms(peers):
    namespace = fresh_namespace("rooms")
    a, b = peers(namespace), peers(namespace)
    assert a.call("rooms") == [[a.sid]]
    assert a.call("join", ["red", "blue"]) == [sorted([a.sid, "red", "blue"])]
    assert a.call("leave", "blue") == [sorted([a.sid, "red"])]
    a.on("news")
    b.emit("to", "red", "news", "hello", b"\x07")
    assert a.next("news") == ("hello", b"\x07")
    assert b.call("sockets", "red") == [[a.sid]]
    assert b.call("count") == [2]


def test_server_disconnect(peers):
    peer = peers(fresh_namespace("bye"))
    peer.emit("disconnect-me", False)
    assert peer.next("disconnect") == peer.client.reason.SERVER_DISCONNECT


def test_client_disconnect_is_seen_by_the_server(peers):
    namespace = fresh_namespace("leave")
    stay, leave = peers(namespace), peers(namespace)
    assert stay.call("count") == [2]
    leave.close()
    assert leave.next("disconnect") == leave.client.reason.CLIENT_DISCONNECT
    # the server learns of it when it reads the DISCONNECT: ask until it has
    count = 2
    for _ in range(50):
        [count] = stay.call("count")
        if count == 1:
            break
    assert count == 1
