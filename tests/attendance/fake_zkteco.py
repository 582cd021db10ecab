"""A fake ZKTeco time clock: a small TCP and UDP server speaking the part of the ZKTeco protocol pyzk uses (R-CN-3).

Packets are built with pyzk's own code (its checksum, time encoding, comm-key scrambling and record layouts),
so what pyzk reads here is what it reads from a real clock with 72-byte user and 40-byte attendance records:

* ``CMD_CONNECT`` (answers ``CMD_ACK_UNAUTH`` when a comm key is set) and ``CMD_AUTH`` (checks the scrambled key);
* ``CMD_OPTIONS_RRQ ~SerialNumber``, ``CMD_GET_FREE_SIZES``, ``CMD_ENABLEDEVICE`` / ``CMD_DISABLEDEVICE``;
* read with buffer (1503): small tables answered at once in ``CMD_DATA``, larger ones announced and read in
  chunks (1504: ``CMD_PREPARE_DATA`` + ``CMD_DATA`` + ``CMD_ACK_OK``), then ``CMD_FREE_DATA``; tables
  ``CMD_ATTLOG_RRQ`` and ``CMD_USERTEMP_RRQ``/``FCT_USER``;
* ``CMD_USER_WRQ``, ``CMD_DELETE_USER``, ``CMD_REFRESHDATA``, ``CMD_EXIT``.

Users and attendance logs are kept in memory; ``offline = True`` makes it hang up on every TCP connection and
leave UDP datagrams unanswered.
"""

from __future__ import annotations

import datetime as dt
import socket
import socketserver
import threading
from dataclasses import dataclass
from struct import pack, unpack

from zk import const
from zk.base import ZK, make_commkey

DIRECT_LIMIT = 1016  # pyzk reads the first answer with recv(1032): bigger tables go through chunks


def _checksum(raw: bytes) -> int:
    return unpack("H", ZK._ZK__create_checksum(None, unpack(f"{len(raw)}B", raw)))[0]


def _encode_time(moment: dt.datetime) -> int:
    return ZK._ZK__encode_time(None, moment)


def header(code: int, data: bytes = b"", *, session: int = 0, reply: int = 0) -> bytes:
    """A packet as UDP carries it: command, checksum, session, reply id, data."""
    raw = pack("<4H", code, 0, session, reply) + data
    return pack("<4H", code, _checksum(raw), session, reply) + data


def tcp_top(body: bytes) -> bytes:
    return pack("<HHI", const.MACHINE_PREPARE_DATA_1, const.MACHINE_PREPARE_DATA_2, len(body))


@dataclass
class FakeUser:
    uid: int
    user_id: str
    name: str = ""
    privilege: int = 0
    password: str = ""
    group_id: str = ""
    card: int = 0


@dataclass
class FakeLog:
    user_id: str
    timestamp: dt.datetime  # the clock's local wall-clock time
    punch: int = 0
    status: int = 1


class FakeZKTeco:
    def __init__(self, *, comm_key: int = 0, serial: str = "FAKE0001", encoding: str = "UTF-8"):
        self.comm_key = comm_key
        self.serial = serial
        self.encoding = encoding
        self.users: dict[int, FakeUser] = {}
        self.logs: list[FakeLog] = []
        self.commands: list[int] = []
        self.enabled = True
        self.offline = False
        self._session = 0x3A00
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                outer._serve(self.request)

        class UDPHandler(socketserver.BaseRequestHandler):
            def handle(self):
                datagram, sock = self.request
                outer._serve_udp(datagram, sock, self.client_address)

        self._udp_states: dict = {}
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        # the same port over UDP, for clocks configured with transport "udp"
        self.udp_server = socketserver.UDPServer(("127.0.0.1", self.port), UDPHandler)
        self.threads = [threading.Thread(target=server.serve_forever, daemon=True)
                        for server in (self.server, self.udp_server)]
        for thread in self.threads:
            thread.start()

    def close(self):
        for server in (self.server, self.udp_server):
            server.shutdown()
            server.server_close()

    # -- what tests set up -------------------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str = "", **kwargs) -> FakeUser:
        uid = max(self.users, default=0) + 1
        self.users[uid] = FakeUser(uid=uid, user_id=user_id, name=name, **kwargs)
        return self.users[uid]

    def punch(self, user_id: str, timestamp: dt.datetime, punch: int = 0) -> None:
        self.logs.append(FakeLog(user_id=user_id, timestamp=timestamp, punch=punch))

    def user(self, user_id: str) -> FakeUser | None:
        return next((u for u in self.users.values() if u.user_id == user_id), None)

    # -- the protocol -----------------------------------------------------------------------------------------

    @staticmethod
    def _read(conn, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = conn.recv(size - len(data))
            if not part:
                return b""
            data += part
        return data

    def _serve(self, conn: socket.socket) -> None:
        """One TCP connection: each packet behind its 8-byte TCP top, answers likewise."""
        if self.offline:
            return
        state = self._new_state()
        while True:
            top = self._read(conn, 8)
            if len(top) < 8:
                return
            magic1, magic2, length = unpack("<HHI", top)
            if (magic1, magic2) != (const.MACHINE_PREPARE_DATA_1, const.MACHINE_PREPARE_DATA_2):
                return
            body = self._read(conn, length)
            if len(body) < 8:
                return
            answers, done = self._answer(body, state, tcp=True)
            conn.sendall(b"".join(tcp_top(a) + a for a in answers))
            if done:
                return

    def _serve_udp(self, datagram: bytes, sock, address) -> None:
        """One UDP datagram: a packet without the TCP top; the session is kept per client address."""
        if self.offline or len(datagram) < 8:
            return
        state = self._udp_states.setdefault(address, self._new_state())
        answers, done = self._answer(datagram, state, tcp=False)
        for answer in answers:
            sock.sendto(answer, address)
        if done:
            self._udp_states.pop(address, None)

    def _new_state(self) -> dict:
        self._session += 1
        return {"session": self._session, "authed": self.comm_key == 0, "buffer": b""}

    def _answer(self, body: bytes, state: dict, *, tcp: bool) -> tuple[list[bytes], bool]:
        """The answer packets (without TCP top) to one request, and whether the client said goodbye."""
        command, _checksum_, _session, reply = unpack("<4H", body[:8])
        data = body[8:]
        self.commands.append(command)

        def answer(code, payload=b""):
            return header(code, payload, session=state["session"], reply=reply)

        if command == const.CMD_CONNECT:
            return [answer(const.CMD_ACK_OK if state["authed"] else const.CMD_ACK_UNAUTH)], False
        if command == const.CMD_AUTH:
            state["authed"] = data == make_commkey(self.comm_key, state["session"])
            return [answer(const.CMD_ACK_OK if state["authed"] else const.CMD_ACK_UNAUTH)], False
        if not state["authed"]:
            return [answer(const.CMD_ACK_UNAUTH)], False
        if command == const.CMD_EXIT:
            return [answer(const.CMD_ACK_OK)], True
        if command in (const.CMD_ENABLEDEVICE, const.CMD_DISABLEDEVICE):
            self.enabled = command == const.CMD_ENABLEDEVICE
            return [answer(const.CMD_ACK_OK)], False
        if command == const.CMD_OPTIONS_RRQ and data.startswith(b"~SerialNumber"):
            return [answer(const.CMD_ACK_OK, b"~SerialNumber=" + self.serial.encode() + b"\x00")], False
        if command == const.CMD_GET_FREE_SIZES:
            fields = [0] * 20
            fields[4], fields[8] = len(self.users), len(self.logs)
            fields[15], fields[16] = 3000, 100000
            return [answer(const.CMD_ACK_OK, pack("<20i", *fields) + pack("<3i", 0, 0, 0))], False
        if command == 1503:  # read with buffer
            _one, table, fct, _ext = unpack("<bhii", data[:11])
            if table == const.CMD_ATTLOG_RRQ:
                records = b"".join(self._log_record(log) for log in self.logs)
            elif table == const.CMD_USERTEMP_RRQ and fct == const.FCT_USER:
                records = b"".join(self._user_record(u) for u in sorted(self.users.values(), key=lambda u: u.uid))
            else:
                return [answer(const.CMD_ACK_ERROR)], False
            table_data = pack("<I", len(records)) + records
            if len(table_data) <= DIRECT_LIMIT:
                return [answer(const.CMD_DATA, table_data)], False
            state["buffer"] = table_data
            return [answer(const.CMD_ACK_OK, b"\x00" + pack("<I", len(table_data)) + b"\x00" * 4)], False
        if command == 1504:  # read a chunk of the buffer
            start, size = unpack("<ii", data[:8])
            chunk = state["buffer"][start:start + size]
            announce = answer(const.CMD_PREPARE_DATA, pack("<I", len(chunk)) + b"\x00" * 4)
            if tcp:
                parts = [chunk]
            else:  # UDP carries at most 1024 bytes of data per datagram
                parts = [chunk[i:i + 1024] for i in range(0, len(chunk), 1024)]
            return [announce, *(answer(const.CMD_DATA, part) for part in parts), answer(const.CMD_ACK_OK)], False
        if command == const.CMD_FREE_DATA:
            state["buffer"] = b""
            return [answer(const.CMD_ACK_OK)], False
        if command == const.CMD_USER_WRQ:
            self._write_user(data)
            return [answer(const.CMD_ACK_OK)], False
        if command == const.CMD_DELETE_USER:
            (uid,) = unpack("<h", data[:2])
            self.users.pop(uid, None)
            return [answer(const.CMD_ACK_OK)], False
        if command == const.CMD_REFRESHDATA:
            return [answer(const.CMD_ACK_OK)], False
        return [answer(const.CMD_ACK_UNKNOWN)], False

    def _user_record(self, user: FakeUser) -> bytes:
        # pyzk's reading layout of a 72-byte user record
        return pack("<HB8s24sIx7sx24s", user.uid, user.privilege, user.password.encode(self.encoding),
                    user.name.encode(self.encoding)[:24], user.card, user.group_id.encode(self.encoding),
                    user.user_id.encode(self.encoding))

    def _log_record(self, log: FakeLog) -> bytes:
        # pyzk's reading layout of a 40-byte attendance record
        user = self.user(log.user_id)
        return pack("<H24sB4sB8s", user.uid if user else 0, log.user_id.encode(), log.status,
                    pack("<I", _encode_time(log.timestamp)), log.punch, b"\x00" * 8)

    def _write_user(self, data: bytes) -> None:
        def text(raw):
            return raw.split(b"\x00")[0].decode(self.encoding, errors="ignore")

        if len(data) == 28:  # pyzk's 28-byte layout (older firmware): the user id is a number
            uid, privilege, password, name, card, group_id, _tz, user_id = unpack("HB5s8sIxBHI", data)
            self.users[uid] = FakeUser(uid=uid, user_id=str(user_id), name=text(name), privilege=privilege,
                                       password=text(password), group_id=str(group_id or ""), card=card)
            return
        # pyzk's writing layout of a 72-byte user record (``ZK.set_user``)
        uid, privilege, password, name, card, group_id, user_id = unpack("<HB8s24s4sx7sx24s", data[:72])

        self.users[uid] = FakeUser(uid=uid, user_id=text(user_id), name=text(name), privilege=privilege,
                                   password=text(password), group_id=text(group_id),
                                   card=unpack("<I", card)[0])
