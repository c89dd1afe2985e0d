package dev.jvs.director.ha;

import dev.jvs.engine.NeighborDiscovery;
import dev.jvs.engine.frame.Arp;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.io.Sender;
import dev.jvs.vrrp.InstanceConfig;
import dev.jvs.vrrp.VrrpInstance;
import dev.jvs.vrrp.VrrpPacket;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/** The frames VRRP sends: advertisements, and keepalived's gratuitous ARPs. */
final class VrrpFrames
{
    private VrrpFrames()
    {
    }

    /**
     * Write an advertisement into the link's transmitter.
     *
     * @param link where it leaves.
     * @param instance the instance advertising.
     * @param priority the priority advertised.
     * @param dst the group or a unicast peer.
     * @param dstMac its MAC.
     */
    static void advert(final VrrpAgent.Link link, final VrrpInstance instance, final int priority, final int dst,
        final long dstMac)
    {
        final InstanceConfig c = instance.config();
        final Sender tx = slot(link.tx());
        final MutableDirectBuffer out = tx.buffer();
        final int off = tx.slotOffset();
        ethernet(out, off, link, c, dstMac, Ethernet.TYPE_IPV4);
        final int n = VrrpPacket.write(out, off + Ethernet.HEADER_LENGTH, c.version(), c.vrid(), priority, c.addresses(),
            c.advertCentis(), c.authPass(), c.source(), dst, instance.nextIpId());
        tx.commit(Ethernet.HEADER_LENGTH + n);
    }

    /**
     * Write an IPv6 advertisement (VRRPv3, RFC 5798) into the link's transmitter.
     *
     * @param link where it leaves.
     * @param instance the instance advertising.
     * @param priority the priority advertised.
     * @param dstHi ff02::12 or a unicast peer, high 64 bits.
     * @param dstLo low 64 bits.
     * @param dstMac its MAC.
     */
    static void advert6(final VrrpAgent.Link link, final VrrpInstance instance, final int priority, final long dstHi,
        final long dstLo, final long dstMac)
    {
        final InstanceConfig c = instance.config();
        final Sender tx = slot(link.tx());
        final MutableDirectBuffer out = tx.buffer();
        final int off = tx.slotOffset();
        ethernet(out, off, link, c, dstMac, Ethernet.TYPE_IPV6);
        final int n = VrrpPacket.write6(out, off + Ethernet.HEADER_LENGTH, c.vrid(), priority, c.addresses6(),
            c.advertCentis(), c.source6(), dstHi, dstLo);
        tx.commit(Ethernet.HEADER_LENGTH + n);
    }

    /**
     * keepalived's unsolicited neighbour advertisement of an IPv6 address a master owns.
     *
     * @param link where it leaves.
     * @param mac the MAC the address answers from.
     * @param address the address.
     */
    static void neighborAdvert(final VrrpAgent.Link link, final long mac, final IpAddress address)
    {
        final Sender tx = slot(link.tx());
        tx.commit(NeighborDiscovery.unsolicitedAdvert(tx.buffer(), tx.slotOffset(), address.hi(), address.lo(), mac,
            link.router6()));
    }

    /**
     * keepalived's gratuitous ARP: a request from the address for itself, target MAC broadcast.
     *
     * @param link where it leaves.
     * @param mac the MAC the address answers from.
     * @param address the address.
     */
    static void gratuitousArp(final VrrpAgent.Link link, final long mac, final int address)
    {
        final Sender tx = slot(link.tx());
        final MutableDirectBuffer out = tx.buffer();
        final int off = tx.slotOffset();
        Ethernet.mac(out, off + Ethernet.DST_OFFSET, 0xFFFFFFFFFFFFL);
        Ethernet.mac(out, off + Ethernet.SRC_OFFSET, mac);
        out.putShort(off + Ethernet.TYPE_OFFSET, (short)Ethernet.TYPE_ARP, ByteOrder.BIG_ENDIAN);
        Arp.write(out, off + Ethernet.HEADER_LENGTH, Arp.OP_REQUEST, mac, address, 0xFFFFFFFFFFFFL, address);
        tx.commit(Ethernet.HEADER_LENGTH + Arp.LENGTH);
    }

    /** @param tx a transmitter. @return it, a free slot ahead (a full one sends its batch first). */
    private static Sender slot(final Sender tx)
    {
        if (tx.isFull())
        {
            tx.flush();
        }
        return tx;
    }

    /** An advert's Ethernet header: from the virtual MAC with use_vmac (unless vmac_xmit_base), else the port's. */
    private static void ethernet(final MutableDirectBuffer out, final int off, final VrrpAgent.Link link,
        final InstanceConfig c, final long dstMac, final int type)
    {
        Ethernet.mac(out, off + Ethernet.DST_OFFSET, dstMac);
        Ethernet.mac(out, off + Ethernet.SRC_OFFSET, c.useVmac() && !c.vmacXmitBase() ? c.vmac() : link.mac());
        out.putShort(off + Ethernet.TYPE_OFFSET, (short)type, ByteOrder.BIG_ENDIAN);
    }
}
