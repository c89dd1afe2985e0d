#!/usr/bin/python3
"""Build the input capture of the replay golden tests with scapy (independent of jvs's own packet code).

usage: make_pcap.py OUT.pcap nat|dr|tun

A capture at the director: three clients open two TCP connections each to the VIP, send data and close;
in NAT mode the real servers' replies come back through the director. With rr over servers added
RS1, RS2, RS3 the kernel's list is RS3, RS2, RS1, so connection k goes to [RS3, RS2, RS1][k % 3].
Also: UDP queries, an ICMP error about a reply, an ARP request for the VIP, a truncated frame, and traffic
that is not for a virtual service.
"""
import sys
from scapy.all import Ether, IP, TCP, UDP, ICMP, ARP, Raw, wrpcap

ROUTER = "02:00:00:00:00:01"
DIRECTOR = "02:00:00:00:00:02"
RS_MAC = {"198.19.0.11": "02:00:00:00:00:11", "198.19.0.12": "02:00:00:00:00:12",
          "198.19.0.13": "02:00:00:00:00:13"}
VIP = "198.19.0.80"
ORDER = ["198.19.0.13", "198.19.0.12", "198.19.0.11"]
CLIENTS = ["198.18.0.5", "198.18.0.6", "198.18.0.7"]

out, mode = sys.argv[1], sys.argv[2]
rport = 8080 if mode == "nat" else 80
frames = []
t = [1_700_000_000.0]


def add(p):
    t[0] += 0.001
    p.time = t[0]
    frames.append(p)


def c2v(src, sport, flags, seq, ack, data=b""):
    p = Ether(src=ROUTER, dst=DIRECTOR) / IP(src=src, dst=VIP, ttl=60, flags="DF") / TCP(
        sport=sport, dport=80, flags=flags, seq=seq, ack=ack, window=64240)
    return p / Raw(data) if data else p


def s2c(rs, src, sport, flags, seq, ack, data=b""):
    p = Ether(src=RS_MAC[rs], dst=DIRECTOR) / IP(src=rs, dst=src, ttl=64, flags="DF") / TCP(
        sport=rport, dport=sport, flags=flags, seq=seq, ack=ack, window=64240)
    return p / Raw(data) if data else p


conns = []
k = 0
for c in CLIENTS:
    for sport in (40001, 40002):
        conns.append((c, sport, ORDER[k % 3]))
        k += 1

for c, sport, rs in conns:
    add(c2v(c, sport, "S", 1000, 0))
    if mode == "nat":
        add(s2c(rs, c, sport, "SA", 5000, 1001))
for c, sport, rs in conns:
    add(c2v(c, sport, "A", 1001, 5001))
    add(c2v(c, sport, "PA", 1001, 5001, b"GET / HTTP/1.0\r\n\r\n"))
    if mode == "nat":
        add(s2c(rs, c, sport, "PA", 5001, 1019, b"HTTP/1.0 200 OK\r\n\r\n" + rs.encode() + b"\n"))
    add(c2v(c, sport, "FA", 1019, 5040))
    if mode == "nat":
        add(s2c(rs, c, sport, "FA", 5040, 1020))

# UDP service 53: two datagrams from one client port, one from another.
for sport, n in ((5353, 0), (5353, 1), (5354, 2)):
    add(Ether(src=ROUTER, dst=DIRECTOR) / IP(src="198.18.0.9", dst=VIP, ttl=60) /
        UDP(sport=sport, dport=53) / Raw(b"query-%d" % n))

# A router near the client reports that a reply of the first connection could not be delivered.
c, sport, rs = conns[0]
reply = IP(src=VIP, dst=c, ttl=64, flags="DF") / TCP(sport=80, dport=sport, flags="A", seq=5001, ack=1001)
add(Ether(src=ROUTER, dst=DIRECTOR) / IP(src="198.18.0.1", dst=VIP, ttl=63) / ICMP(type=3, code=1) / reply)

add(Ether(src=ROUTER, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=ROUTER, psrc="198.18.0.1", pdst=VIP))
truncated = bytes(c2v("198.18.0.8", 40009, "S", 1, 0))[:40]
p = Ether(truncated)
add(p)
add(Ether(src=ROUTER, dst=DIRECTOR) / IP(src="198.18.0.5", dst="198.19.0.2") / TCP(sport=40010, dport=22, flags="S"))
wrpcap(out, frames)
