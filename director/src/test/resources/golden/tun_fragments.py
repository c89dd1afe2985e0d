#!/usr/bin/python3
"""The TUN fragmentation golden test, with scapy (independent of jvs's packet code).

usage: tun_fragments.py make IN.pcap
       tun_fragments.py check IN.pcap OUT.pcap

make: a client sends a 1500-byte UDP datagram without DF to the VIP's port 53 (TUN): once tunnelled it is
20 bytes too big for the 1500-byte MTU.
check: the director's output must be IPIP fragments to the real server that scapy puts back together into
one IPIP packet whose inner datagram is the client's, byte for byte, with its TTL one less.
"""
import sys
from scapy.all import Ether, IP, UDP, Raw, rdpcap, wrpcap, defragment

ROUTER = "02:00:00:00:00:01"
DIRECTOR = "02:00:00:00:00:02"
VIP = "198.19.0.80"

if sys.argv[1] == "make":
    p = Ether(src=ROUTER, dst=DIRECTOR) / IP(src="198.18.0.5", dst=VIP, ttl=60, flags=0, id=4242) / UDP(
        sport=40000, dport=53) / Raw(bytes((i * 7) & 0xFF for i in range(1472)))
    p.time = 1_700_000_000.0
    wrpcap(sys.argv[2], [p])
    sys.exit(0)

sent = rdpcap(sys.argv[2])[0][IP]
out = [f for f in rdpcap(sys.argv[3]) if IP in f]
frags = [f[IP] for f in out if f[IP].proto == 4]
assert len(frags) == 2, "expected 2 IPIP fragments, got %d" % len(frags)
assert frags[0].flags.MF and frags[0].frag == 0, "first: MF, offset 0"
assert not frags[1].flags.MF and frags[1].frag == 1480 // 8, "last: no MF, offset 185"
assert all(len(bytes(f)) <= 1500 for f in frags), "every fragment fits the MTU"
assert frags[0].id == frags[1].id, "one IP id"
whole = defragment([IP(bytes(f)) for f in frags])
assert len(whole) == 1, "scapy reassembles one packet, not %d" % len(whole)
outer = IP(bytes(whole[0]))
assert outer.proto == 4 and outer.dst == "198.19.0.11", outer.summary()
inner = bytes(outer.payload)
expected = IP(bytes(sent))
expected.ttl -= 1
del expected.chksum
expected = bytes(IP(bytes(expected)))
assert inner == expected, "inner datagram differs: %d vs %d bytes" % (len(inner), len(expected))
print("ok: 2 fragments, reassembled inner datagram of %d bytes identical" % len(inner))
