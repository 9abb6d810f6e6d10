#!/usr/bin/env python3
"""Rewrites the synthetic BIND query log of scripts/bench-detect.sh in the
other input formats of `cautery detect`, query for query (same instant,
client and name), for the per-format rates:

  unbound    log-queries lines, `[epoch]` time (unbound.conf(5))
  dnsmasq    log-queries lines, syslog time ("Dec  2 12:00:00", no year)
  zeek-tsv   dns.log as Zeek's ASCII writer writes it (all DNS::Info columns)
  zeek-json  the same records with LogAscii::use_json
  pcap       one Ethernet/IPv4/UDP DNS query packet per line (classic pcap)

Usage: detect-formats-synth.py BIND_LOG OUT_PREFIX
(writes OUT_PREFIX.unbound, .dnsmasq, .zeek-tsv, .zeek-json, .pcap)
"""
import calendar
import json
import struct
import sys
import time

MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec"
ZEEK_FIELDS = ("ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass "
               "qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected").split()
ZEEK_TYPES = ("time string addr port addr port enum count interval string count string count "
              "string count string bool bool bool bool count vector[string] vector[interval] bool").split()


def parse(line):
    # 02-Dec-2026 12:00:00.000 queries: info: client @0x... 10.0.0.1#1024 (name): query: name IN A ...
    words = line.split()
    day, month, year = words[0].split("-")
    hms, millis = words[1].split(".")
    h, m, s = map(int, hms.split(":"))
    epoch = calendar.timegm((int(year), MONTHS.index(month) // 3 + 1, int(day), h, m, s))
    client, port = words[6].split("#")
    return epoch, int(millis), client, int(port), words[9]


def main():
    source, prefix = sys.argv[1], sys.argv[2]
    outs = {kind: open(f"{prefix}.{kind}", "w") for kind in ("unbound", "dnsmasq", "zeek-tsv", "zeek-json")}
    pcap = open(f"{prefix}.pcap", "wb")
    pcap.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    tsv = outs["zeek-tsv"]
    tsv.write("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
              "#path\tdns\n#open\t2026-11-26-00-00-00\n")
    tsv.write("#fields\t" + "\t".join(ZEEK_FIELDS) + "\n#types\t" + "\t".join(ZEEK_TYPES) + "\n")
    with open(source) as lines:
        for i, line in enumerate(lines):
            epoch, millis, client, port, name = parse(line)
            ts = f"{epoch}.{millis:03d}{i % 1000:03d}"
            outs["unbound"].write(f"[{epoch}] unbound[4211:0] info: {client} {name}. A IN\n")
            t = time.gmtime(epoch)
            outs["dnsmasq"].write(f"{time.strftime('%b', t)} {t.tm_mday:2d} {time.strftime('%H:%M:%S', t)} "
                                  f"dnsmasq[4211]: query[A] {name} from {client}\n")
            uid = f"C{i:017x}"
            nx = "NXDOMAIN" if i % 3 == 0 else "NOERROR"
            rcode = 3 if nx == "NXDOMAIN" else 0
            answers = "-" if rcode else "192.0.2.1"
            ttls = "-" if rcode else "300.000000"
            tsv.write(f"{ts}\t{uid}\t{client}\t{port}\t10.0.0.53\t53\tudp\t{i % 65536}\t0.000{i % 1000:03d}\t{name}\t1\tC_INTERNET"
                      f"\t1\tA\t{rcode}\t{nx}\tF\tF\tT\tT\t0\t{answers}\t{ttls}\tF\n")
            record = {"ts": float(ts), "uid": uid, "id.orig_h": client, "id.orig_p": port, "id.resp_h": "10.0.0.53",
                      "id.resp_p": 53, "proto": "udp", "trans_id": i % 65536, "rtt": (i % 1000) / 1e6, "query": name,
                      "qclass": 1, "qclass_name": "C_INTERNET", "qtype": 1, "qtype_name": "A", "rcode": rcode,
                      "rcode_name": nx, "AA": False, "TC": False, "RD": True, "RA": True, "Z": 0, "rejected": False}
            if not rcode:
                record["answers"], record["TTLs"] = ["192.0.2.1"], [300.0]
            outs["zeek-json"].write(json.dumps(record, separators=(",", ":")) + "\n")
            question = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0\x00\x01\x00\x01"
            dns = struct.pack(">HHHHHH", i % 65536, 0x0100, 1, 0, 0, 0) + question
            udp = struct.pack(">HHHH", port, 53, 8 + len(dns), 0) + dns
            src = bytes(map(int, client.split(".")))
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i % 65536, 0, 64, 17, 0, src, bytes([10, 0, 0, 53])) + udp
            frame = b"\x02\x00\x00\x00\x00\x35" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip
            pcap.write(struct.pack("<IIII", epoch, millis * 1000 + i % 1000, len(frame), len(frame)) + frame)
    tsv.write("#close\t2026-11-27-00-00-00\n")
    for out in outs.values():
        out.close()
    pcap.close()


if __name__ == "__main__":
    main()
