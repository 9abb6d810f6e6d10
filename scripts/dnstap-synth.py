#!/usr/bin/env python3
"""Writes a synthetic dnstap file (Frame Streams, START ... STOP) for
scripts/bench-detect.sh: MESSAGES messages over one day starting at DAY,
alternating CLIENT_QUERY and CLIENT_RESPONSE as BIND's `dnstap { client; }`
logs them, from 2000 clients; 1 % of the queries, from 20 infected clients,
ask for the names in the DGA files given (one name a line), the rest for
benign-looking names. Field numbers are those of dnstap.proto.

Usage: dnstap-synth.py MESSAGES DAY OUT DGA_FILE...
"""
import calendar
import random
import struct
import sys


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field_bytes(number, value):
    return varint(number << 3 | 2) + varint(len(value)) + value


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_fixed32(number, value):
    return varint(number << 3 | 5) + struct.pack("<I", value)


def dns(name, response):
    head = struct.pack(">HBBHHHH", 0x1234, 0x81 if response else 0x01,
                       0x83 if response else 0x00, 1, 0, 0, 0)
    body = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return head + body + b"\x00\x01\x00\x01"


def main():
    messages, day, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    dga = []
    for path in sys.argv[4:]:
        with open(path) as f:
            dga.append([line.strip() for line in f if line.strip()])
    start = calendar.timegm(tuple(map(int, day.split("-"))) + (0, 0, 0))
    rng = random.Random(7)
    identity = field_bytes(1, b"resolver1") + field_bytes(2, b"BIND 9.18")
    resolver = field_bytes(5, bytes([10, 0, 0, 53])) + field_varint(7, 53)
    with open(out, "wb") as f:
        control = struct.pack(">I", 2) + struct.pack(">II", 1, 22) + b"protobuf:dnstap.Dnstap"
        f.write(struct.pack(">II", 0, len(control)) + control)
        chunk = []
        for i in range(messages // 2):
            client = rng.randrange(2000)
            if i % 100 == 0:
                client = rng.randrange(20)
                names = dga[0] if client < 10 or len(dga) == 1 else dga[1]
                name = rng.choice(names)
            else:
                name = "www%d.site%d.example.com" % (rng.randrange(50), rng.randrange(20000))
            seconds = start + i * 86000 // (messages // 2)
            address = bytes([10, client >> 16 & 255, client >> 8 & 255, client & 255])
            common = (field_varint(2, 1) + field_varint(3, 1) + field_bytes(4, address)
                      + resolver + field_varint(6, 1024 + i % 60000)
                      + field_varint(8, seconds) + field_fixed32(9, i % 1000 * 1000000))
            query = field_varint(1, 5) + common + field_bytes(10, dns(name, False))
            reply = (field_varint(1, 6) + common + field_varint(12, seconds)
                     + field_fixed32(13, 0) + field_bytes(14, dns(name, True)))
            for message in (query, reply):
                payload = identity + field_varint(15, 1) + field_bytes(14, message)
                chunk.append(struct.pack(">I", len(payload)) + payload)
            if len(chunk) >= 20000:
                f.write(b"".join(chunk))
                chunk.clear()
        f.write(b"".join(chunk))
        control = struct.pack(">I", 3)
        f.write(struct.pack(">II", 0, len(control)) + control)


if __name__ == "__main__":
    main()
