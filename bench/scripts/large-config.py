#!/usr/bin/env python3
"""keepalived.conf of keepalived 2.3.0's reload case: 2,277 virtual servers and 37,205 real servers.

usage: large-config.py OUT [CHANGED_PERCENT [SEED]]

Virtual servers are 198.18.x.y:80 (TCP, wlc, DR), each with 16 or 17 real servers from 198.19.0.0/16 with a
TCP_CHECK. CHANGED_PERCENT of the real servers (default 0) get another weight, chosen by SEED, so two files
from the same generator differ by that share of their real servers: a reload of one over the other.
"""
import random
import sys

VS = 2277
RS = 37205


def main():
    out = sys.argv[1]
    changed = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    flip = set(rnd.sample(range(RS), int(RS * changed / 100)))
    lines = ["global_defs {", "    router_id jvs-reload-bench", "}", ""]
    n = 0
    for v in range(VS):
        per = RS // VS + (1 if v < RS % VS else 0)
        vip = "198.18.%d.%d" % (v // 250, v % 250 + 1)
        lines += ["virtual_server %s 80 {" % vip, "    delay_loop 10", "    lb_algo wlc", "    lb_kind DR",
                  "    protocol TCP"]
        for r in range(per):
            rip = "198.19.%d.%d" % (n // 250, n % 250 + 1)
            weight = 2 if n in flip else 1
            lines += ["    real_server %s 80 {" % rip, "        weight %d" % weight,
                      "        TCP_CHECK {", "            connect_timeout 3", "        }", "    }"]
            n += 1
        lines += ["}", ""]
    with open(out, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
