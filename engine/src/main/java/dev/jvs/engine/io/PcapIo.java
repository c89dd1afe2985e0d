package dev.jvs.engine.io;

import org.agrona.concurrent.UnsafeBuffer;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.Pcaps;

import java.nio.ByteBuffer;

/**
 * Packet I/O through libpcap (pcap4j), for where AF_PACKET rings are not wanted ({@code --io pcap}): the same
 * engine, one frame per call each way. libpcap copies every frame into a new array and out again, so this
 * path allocates per frame; it exists for portability and debugging, not speed.
 */
public final class PcapIo implements Receiver, Sender
{
    private final PcapHandle handle;
    private final UnsafeBuffer rx = new UnsafeBuffer(new byte[0]);
    private final ByteBuffer stage = ByteBuffer.allocateDirect(SLOT_SIZE * 64);
    private final UnsafeBuffer tx = new UnsafeBuffer(stage);
    private final int[] lengths = new int[64];
    private int count;

    /**
     * @param iface interface name.
     * @throws PacketIoException when libpcap cannot open it.
     */
    public PcapIo(final String iface) throws PacketIoException
    {
        try
        {
            final PcapNetworkInterface nif = Pcaps.getDevByName(iface);
            if (null == nif)
            {
                throw new PacketIoException("libpcap: no interface " + iface);
            }
            handle = new PcapHandle.Builder(iface).snaplen(65536)
                .promiscuousMode(PcapNetworkInterface.PromiscuousMode.PROMISCUOUS).timeoutMillis(1)
                .immediateMode(true).direction(PcapHandle.PcapDirection.IN).build();
            handle.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
        }
        catch (final PcapNativeException | NotOpenException ex)
        {
            throw new PacketIoException("libpcap " + iface + ": " + ex.getMessage());
        }
    }

    @Override
    public int receive(final FrameHandler handler, final int limit)
    {
        int n = 0;
        try
        {
            while (n < limit)
            {
                final byte[] f = handle.getNextRawPacket();
                if (null == f)
                {
                    break;
                }
                rx.wrap(f);
                handler.onFrame(rx, 0, f.length, f.length, partialChecksum(rx, f.length) ?
                    TpacketLayout.TP_STATUS_CSUMNOTREADY : 0);
                n++;
            }
        }
        catch (final NotOpenException ex)
        {
            return n;
        }
        return n;
    }

    /**
     * libpcap does not pass on the kernel's "checksum not ready" status, so recognise such a frame: its TCP or
     * UDP checksum does not verify but equals the folded pseudo-header sum, which is all a frame built by a
     * local stack on veth carries.
     */
    static boolean partialChecksum(final UnsafeBuffer b, final int len)
    {
        if (len < 14 + 20 + 8 || 0x0800 != (b.getShort(12, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF))
        {
            return false;
        }
        final int ip = 14;
        final int hl = dev.jvs.engine.frame.Ipv4.headerLength(b, ip);
        final int total = dev.jvs.engine.frame.Ipv4.totalLength(b, ip);
        final int proto = dev.jvs.engine.frame.Ipv4.protocol(b, ip);
        final int field = 6 == proto ? 16 : 17 == proto ? 6 : -1;
        if (field < 0 || hl < 20 || total > len - 14 || total < hl + field + 2)
        {
            return false;
        }
        final int l4 = ip + hl;
        final int l4Len = total - hl;
        if (dev.jvs.engine.frame.Checksums.verifyL4(b, ip, l4, l4Len))
        {
            return false;
        }
        final int pseudo = dev.jvs.engine.frame.Checksums.fold(dev.jvs.engine.frame.Checksums.pseudoHeader(
            dev.jvs.engine.frame.Ipv4.src(b, ip), dev.jvs.engine.frame.Ipv4.dst(b, ip), proto, l4Len));
        return (b.getShort(l4 + field, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF) == pseudo;
    }

    @Override
    public void await(final int timeoutMs)
    {
        try
        {
            Thread.sleep(0, 200_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public UnsafeBuffer buffer()
    {
        return tx;
    }

    @Override
    public int slotOffset()
    {
        return count * SLOT_SIZE;
    }

    @Override
    public boolean isFull()
    {
        return count == lengths.length;
    }

    @Override
    public void commit(final int length)
    {
        lengths[count++] = length;
    }

    @Override
    public int flush()
    {
        int sent = 0;
        for (int i = 0; i < count; i++)
        {
            final byte[] f = new byte[lengths[i]];
            tx.getBytes(i * SLOT_SIZE, f);
            try
            {
                handle.sendPacket(f);
                sent++;
            }
            catch (final PcapNativeException | NotOpenException ex)
            {
                // lost, like a full queue
            }
        }
        count = 0;
        return sent;
    }

    @Override
    public void close()
    {
        handle.close();
    }
}
