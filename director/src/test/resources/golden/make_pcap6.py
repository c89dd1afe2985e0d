#!/usr/bin/python3
"""Build the IPv6 input capture of the replay golden test with scapy (independent of jvs's own packet code).

usage: make_pcap6.py OUT.pcap

A capture at an IPv6 NAT director: two clients open two TCP connections each to [2001:2::80]:80 (one of
them through a hop-by-hop extension header), send data and close; the real servers' replies come back
through the director. Also: a neighbour solicitation for the VIP, a packet that arrives with hop limit 1,
and a UDP datagram.
"""
import sys
from scapy.all import (Ether, IPv6, IPv6ExtHdrHopByHop, TCP, UDP, Raw, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr,
                       wrpcap)

ROUTER = "02:00:00:00:00:01"
DIRECTOR = "02:00:00:00:00:02"
RS_MAC = {"2001:2::11": "02:00:00:00:00:11", "2001:2::12": "02:00:00:00:00:12"}
VIP = "2001:2::80"
ORDER = ["2001:2::12", "2001:2::11"]
CLIENTS = ["2001:2:1::5", "2001:2:1::6"]

out = sys.argv[1]
frames = []
t = [1_700_000_000.0]


def add(p):
    t[0] += 0.001
    p.time = t[0]
    frames.append(p)


def c2v(src, sport, flags, seq, ack, data=b"", hbh=False, hlim=60):
    ip = IPv6(src=src, dst=VIP, hlim=hlim)
    if hbh:
        ip = ip / IPv6ExtHdrHopByHop()
    p = Ether(src=ROUTER, dst=DIRECTOR) / ip / TCP(sport=sport, dport=80, flags=flags, seq=seq, ack=ack,
                                                  window=64240)
    return p / Raw(data) if data else p


def s2c(rs, src, sport, flags, seq, ack, data=b""):
    p = Ether(src=RS_MAC[rs], dst=DIRECTOR) / IPv6(src=rs, dst=src, hlim=64) / TCP(
        sport=8080, dport=sport, flags=flags, seq=seq, ack=ack, window=64240)
    return p / Raw(data) if data else p


conns = []
k = 0
for c in CLIENTS:
    for sport in (40001, 40002):
        conns.append((c, sport, ORDER[k % 2]))
        k += 1

add(Ether(src=ROUTER, dst="33:33:ff:00:00:80") / IPv6(src="2001:2:1::1", dst="ff02::1:ff00:80", hlim=255) /
    ICMPv6ND_NS(tgt=VIP) / ICMPv6NDOptSrcLLAddr(lladdr=ROUTER))
for i, (c, sport, rs) in enumerate(conns):
    add(c2v(c, sport, "S", 1000, 0, hbh=(i == 0)))
    add(s2c(rs, c, sport, "SA", 5000, 1001))
for c, sport, rs in conns:
    add(c2v(c, sport, "A", 1001, 5001))
    add(c2v(c, sport, "PA", 1001, 5001, b"GET / HTTP/1.0\r\n\r\n"))
    add(s2c(rs, c, sport, "PA", 5001, 1019, b"HTTP/1.0 200 OK\r\n\r\n" + rs.encode() + b"\n"))
    add(c2v(c, sport, "FA", 1019, 5040))
    add(s2c(rs, c, sport, "FA", 5040, 1020))
add(c2v("2001:2:1::9", 40009, "S", 1, 0, hlim=1))
add(Ether(src=ROUTER, dst=DIRECTOR) / IPv6(src="2001:2:1::9", dst=VIP, hlim=60) / UDP(sport=5353, dport=53) /
    Raw(b"query"))
wrpcap(out, frames)
