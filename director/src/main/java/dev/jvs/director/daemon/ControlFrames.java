package dev.jvs.director.daemon;

import dev.jvs.director.ha.ConnSync;
import dev.jvs.engine.ControlTap;
import dev.jvs.engine.frame.Ipv4;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The control protocols' frames on their way from the workers to the conductor: each worker's forwarder
 * hands its tap what it does not forward, and the tap copies VRRP adverts and connection sync messages (IP
 * packets, without their Ethernet header) into one many-to-one ring buffer the conductor reads. A worker
 * never waits on the conductor: when the ring is full the frame is counted and dropped, as the kernel drops
 * what a slow socket does not read. The tap also gives the worker's connection sync its turn each cycle.
 */
final class ControlFrames
{
    private static final int RING_BYTES = 1 << 20;
    /** A message's type: the IP protocol in the low byte, the port it came in by above. */
    static final int PORT_SHIFT = 8;

    private final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(new UnsafeBuffer(
        ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    private final Runnable wake;
    /** The UDP port sync messages come to (0: no sync); written by the conductor, read by the workers. */
    private volatile int syncPort;
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.List<Tap> taps = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param wake wakes the conductor (a frame is waiting).
     */
    ControlFrames(final Runnable wake)
    {
        this.wake = wake;
    }

    /** @param port the UDP port of connection sync, 0 for none. */
    void syncPort(final int port)
    {
        syncPort = port;
    }

    /**
     * Read what is waiting; on the conductor's thread.
     *
     * @param handler gets each IP packet, its type the IP protocol and the port ({@link #PORT_SHIFT}).
     * @param limit most frames.
     * @return frames read.
     */
    int read(final MessageHandler handler, final int limit)
    {
        return ring.read(handler, limit);
    }

    /** @return frames the ring had no room for. */
    long dropped()
    {
        return dropped.get();
    }

    /** @return a new tap for the next worker (worker i's is the i-th made). */
    Tap tap()
    {
        final Tap t = new Tap();
        taps.add(t);
        return t;
    }

    /**
     * @param i a worker.
     * @return its tap (act on it only from an operation posted to that worker).
     */
    Tap tapOf(final int i)
    {
        return taps.get(i);
    }

    /** One worker's tap. */
    final class Tap implements ControlTap
    {
        private ConnSync sync;

        /** @param s this worker's connection sync, or null; on the worker's thread. */
        void sync(final ConnSync s)
        {
            sync = s;
        }

        /** @return this worker's connection sync, or null; on the worker's thread. */
        ConnSync sync()
        {
            return sync;
        }

        @Override
        public boolean onFrame(final int port, final DirectBuffer b, final int ip, final int ipTotal,
            final int protocol, final long nowMs)
        {
            if (dev.jvs.vrrp.VrrpPacket.PROTOCOL != protocol && !isSync(b, ip, protocol))
            {
                return false;
            }
            if (ring.write(protocol | port << PORT_SHIFT, b, ip, ipTotal))
            {
                wake.run();
            }
            else
            {
                dropped.incrementAndGet();
            }
            return true;
        }

        private boolean isSync(final DirectBuffer b, final int ip, final int protocol)
        {
            final int port = syncPort;
            return 0 != port && Ipv4.PROTO_UDP == protocol &&
                (b.getShort(ip + Ipv4.headerLength(b, ip) + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF) == port;
        }

        @Override
        public int onCycle(final long nowMs)
        {
            return null == sync ? 0 : sync.onCycle(nowMs);
        }

        @Override
        public long nextDeadlineMs()
        {
            return null == sync ? Long.MAX_VALUE : sync.nextDeadlineMs();
        }
    }
}
