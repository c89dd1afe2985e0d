package dev.jvs.engine;

import dev.jvs.engine.frame.Arp;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.service.ServiceTable;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.IntHashSet;
import org.agrona.collections.Long2LongHashMap;

import java.nio.ByteOrder;

/**
 * Which addresses this director answers for, and the answers: ARP replies for the service VIPs (unless VRRP
 * gates them) and the VRRP addresses it owns, from the interface's MAC or an instance's virtual MAC; ARP
 * requests to resolve real servers; and what it learns of their MACs from what they say in ARP.
 */
final class ArpResponder
{
    private final EngineConfig cfg;
    private final ServiceTable services;
    private final Neighbors neighbors;
    private final Counters counters;
    private int gate = Forwarder.GATE_OPEN;
    private final IntHashSet owned = new IntHashSet();
    /** The port an owned address is answered on; absent: any. */
    private final org.agrona.collections.Int2IntHashMap ownedPort = new org.agrona.collections.Int2IntHashMap(-1);
    private final Long2LongHashMap arpMacs = new Long2LongHashMap(-1L);

    ArpResponder(final EngineConfig cfg, final ServiceTable services, final Neighbors neighbors,
        final Counters counters)
    {
        this.cfg = cfg;
        this.services = services;
        this.neighbors = neighbors;
        this.counters = counters;
    }

    void gate(final int mode)
    {
        gate = mode;
    }

    /** @return whether VRRP gates forwarding (a backup, or master of some instances only). */
    boolean isGated()
    {
        return Forwarder.GATE_OPEN != gate;
    }

    /** @return the VRRP addresses this director is master of. */
    IntHashSet owned()
    {
        return owned;
    }

    /** @return the port each owned address is answered on (absent: any). */
    org.agrona.collections.Int2IntHashMap ownedPort()
    {
        return ownedPort;
    }

    /** @return the MAC each owned address answers from when it is not the interface's (use_vmac). */
    Long2LongHashMap arpMacs()
    {
        return arpMacs;
    }

    /** @return whether traffic to this address is this director's to forward now. */
    boolean forwards(final int daddr)
    {
        return Forwarder.GATE_OPEN == gate || owned.contains(daddr);
    }

    /** An ARP frame: learn from it, and answer a request for an address we hold. */
    int onArp(final DirectBuffer in, final int off, final int len, final int l2Len, final int port,
        final MutableDirectBuffer out, final int outOff, final int outCap)
    {
        final int a = off + l2Len;
        if (len - l2Len < Arp.LENGTH || !Arp.isEthernetIpv4(in, a))
        {
            return count(Counter.NOT_OURS);
        }
        // Learn real servers' MACs from anything they say in ARP (replies to our requests, their own requests).
        final int sender = Arp.senderIp(in, a);
        if (services.isRealServer(sender) || Arp.OP_REPLY == Arp.oper(in, a) && cfg.portOfLocal(Arp.targetIp(in, a)) >= 0)
        {
            neighbors.put(sender, Arp.senderMac(in, a));
        }
        final int target = Arp.targetIp(in, a);
        if (Arp.OP_REQUEST != Arp.oper(in, a) || !cfg.answerArp ||
            !(services.isVip(target) && Forwarder.GATE_OPEN == gate || owned.contains(target) && answersOn(target, port)))
        {
            return count(Counter.NOT_OURS);
        }
        final int n = l2Len + Arp.LENGTH;
        if (n > outCap)
        {
            return count(Counter.DROP_NO_ROOM);
        }
        final long vmac = arpMacs.isEmpty() ? -1L : arpMacs.get(target & 0xFFFFFFFFL);
        final long mac = -1L == vmac ? cfg.mac(port) : vmac;
        out.putBytes(outOff, in, off, l2Len);
        Ethernet.mac(out, outOff + Ethernet.DST_OFFSET, Ethernet.mac(in, off + Ethernet.SRC_OFFSET));
        Ethernet.mac(out, outOff + Ethernet.SRC_OFFSET, mac);
        Arp.write(out, outOff + l2Len, Arp.OP_REPLY, mac, Arp.targetIp(in, a), Arp.senderMac(in, a),
            Arp.senderIp(in, a));
        counters.inc(Counter.ARP_REPLIED);
        return n;
    }

    private boolean answersOn(final int target, final int port)
    {
        final int p = ownedPort.isEmpty() ? -1 : ownedPort.get(target);
        return -1 == p || p == port;
    }

    /** An ARP request for {@code target} from the director's address on a port. @return the frame length. */
    int request(final int target, final int port, final MutableDirectBuffer out, final int outOff)
    {
        final long mac = cfg.mac(port);
        Ethernet.mac(out, outOff + Ethernet.DST_OFFSET, 0xFFFFFFFFFFFFL);
        Ethernet.mac(out, outOff + Ethernet.SRC_OFFSET, mac);
        out.putShort(outOff + Ethernet.TYPE_OFFSET, (short)Ethernet.TYPE_ARP, ByteOrder.BIG_ENDIAN);
        Arp.write(out, outOff + Ethernet.HEADER_LENGTH, Arp.OP_REQUEST, mac, cfg.ip(port), 0L, target);
        return Ethernet.HEADER_LENGTH + Arp.LENGTH;
    }

    private int count(final Counter c)
    {
        counters.inc(c);
        return Forwarder.NOTHING;
    }

    /**
     * Own what VRRP says this director owns, plus the service VIPs no instance manages, behind its gate.
     *
     * @param o the ownership.
     */
    void own(final Ownership o)
    {
        owned.clear();
        ownedPort.clear();
        for (int i = 0; i < o.addresses().length; i++)
        {
            owned.add(o.addresses()[i]);
            if (o.ports()[i] >= 0)
            {
                ownedPort.put(o.addresses()[i], o.ports()[i]);
            }
        }
        arpMacs().clear();
        for (int i = 0; i + 1 < o.vmacs().length; i += 2)
        {
            arpMacs().put(o.vmacs()[i] & 0xFFFFFFFFL, o.vmacs()[i + 1]);
        }
        for (final dev.jvs.engine.service.VirtualService v : services.all())
        {
            if (0 == v.fwmark() && !v.ipv6() && !contains(o.managed(), v.vaddr()))
            {
                owned.add(v.vaddr());
            }
        }
        gate(o.gate());
    }

    private static boolean contains(final int[] a, final int v)
    {
        for (final int x : a)
        {
            if (x == v)
            {
                return true;
            }
        }
        return false;
    }
}
