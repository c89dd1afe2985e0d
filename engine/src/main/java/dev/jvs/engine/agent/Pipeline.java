package dev.jvs.engine.agent;

import dev.jvs.engine.io.FrameHandler;
import dev.jvs.engine.io.Receiver;
import dev.jvs.engine.io.Sender;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker split into three Agrona agents on three threads, joined by one-to-one ring buffers:
 * <pre>
 *   capture (RX ring) ──frames──► forward (the Worker, unchanged) ──frames──► transmit (sendmmsg)
 * </pre>
 * The forward side sees a {@link Receiver} and a {@link Sender} as usual ({@link #receiver()},
 * {@link #sender()}), so the engine, its timers and the control tap run exactly as on one thread. Each
 * hand-over is a copy into a ring buffer: the price of giving the parse-and-rewrite work a core of its own.
 * Messages carry an 8-byte header: wire length and TP_STATUS bits (inbound), nothing (outbound).
 */
public final class Pipeline implements AutoCloseable
{
    private static final int FRAME = 1;
    private static final int HEADER = 8;
    private static final int BATCH = 256;

    private final OneToOneRingBuffer inbound;
    private final OneToOneRingBuffer outbound;
    private final AgentRunner capture;
    private final AgentRunner transmit;
    private final RingReceiver receiver;
    private final RingSender sender;
    private volatile long inboundFull;
    private volatile long outboundFull;

    /** The transmit thread has no file descriptor to sleep on: it parks this long when idle. */
    private static final long TRANSMIT_PARK_NS = 100_000;

    /**
     * @param rx the capture side's receiver (its thread is the only one that touches it).
     * @param tx the transmit side's sender.
     * @param ringBytes capacity of each ring buffer (a power of two).
     * @param idle what the capture and transmit threads do when idle (capture sleeps in poll(2) on its ring).
     */
    public Pipeline(final Receiver rx, final Sender tx, final int ringBytes, final IdleMode idle)
    {
        inbound = ring(ringBytes);
        outbound = ring(ringBytes);
        receiver = new RingReceiver();
        sender = new RingSender();
        capture = new AgentRunner(idle.strategy(rx::await), Throwable::printStackTrace, null, new CaptureAgent(rx));
        transmit = new AgentRunner(idle.strategy(ms -> LockSupport.parkNanos(TRANSMIT_PARK_NS)),
            Throwable::printStackTrace, null, new TransmitAgent(tx));
    }

    private static OneToOneRingBuffer ring(final int bytes)
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(bytes +
            RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** Start the capture and transmit threads. */
    public void start()
    {
        AgentRunner.startOnThread(capture);
        AgentRunner.startOnThread(transmit);
    }

    /** @return what the forwarding side receives from. */
    public Receiver receiver()
    {
        return receiver;
    }

    /** @return what the forwarding side sends to. */
    public Sender sender()
    {
        return sender;
    }

    /** @return frames the capture side could not hand over (forward side too slow). */
    public long inboundDrops()
    {
        return inboundFull;
    }

    /** @return frames the forward side could not hand over (transmit side too slow). */
    public long outboundDrops()
    {
        return outboundFull;
    }

    @Override
    public void close()
    {
        capture.close();
        transmit.close();
    }

    /** Capture: frames from the RX ring into the inbound ring buffer (the copy). */
    private final class CaptureAgent implements Agent, FrameHandler
    {
        private final Receiver rx;

        CaptureAgent(final Receiver rx)
        {
            this.rx = rx;
        }

        @Override
        public int doWork()
        {
            return rx.receive(this, BATCH);
        }

        @Override
        public void onFrame(final UnsafeBuffer buffer, final int offset, final int length, final int wireLength,
            final int status)
        {
            final int index = inbound.tryClaim(FRAME, HEADER + length);
            if (index <= 0)
            {
                inboundFull++;
                return;
            }
            final org.agrona.concurrent.AtomicBuffer b = inbound.buffer();
            b.putInt(index, wireLength);
            b.putInt(index + 4, status);
            b.putBytes(index + HEADER, buffer, offset, length);
            inbound.commit(index);
        }

        @Override
        public void onClose()
        {
            rx.close();
        }

        @Override
        public String roleName()
        {
            return "jvs-capture";
        }
    }

    /** Transmit: frames from the outbound ring buffer into the transmitter, one system call per batch. */
    private final class TransmitAgent implements Agent
    {
        private final Sender tx;

        TransmitAgent(final Sender tx)
        {
            this.tx = tx;
        }

        @Override
        public int doWork()
        {
            final int n = outbound.read(this::onMessage, BATCH);
            if (n > 0)
            {
                tx.flush();
            }
            return n;
        }

        private void onMessage(final int type, final org.agrona.MutableDirectBuffer buffer, final int index,
            final int length)
        {
            if (tx.isFull())
            {
                tx.flush();
            }
            tx.buffer().putBytes(tx.slotOffset(), buffer, index, length);
            tx.commit(length);
        }

        @Override
        public void onClose()
        {
            tx.close();
        }

        @Override
        public String roleName()
        {
            return "jvs-transmit";
        }
    }

    /** The forward side's view of the inbound ring buffer. */
    private final class RingReceiver implements Receiver
    {
        private FrameHandler handler;
        private final org.agrona.concurrent.MessageHandler onMessage = this::onMessage;

        @Override
        public int receive(final FrameHandler h, final int limit)
        {
            handler = h;
            return inbound.read(onMessage, limit);
        }

        private void onMessage(final int type, final org.agrona.MutableDirectBuffer buffer, final int index,
            final int length)
        {
            final UnsafeBuffer b = (UnsafeBuffer)buffer;
            handler.onFrame(b, index + HEADER, length - HEADER, b.getInt(index), b.getInt(index + 4));
        }

        @Override
        public void await(final int timeoutMs)
        {
            // The forward thread has no file descriptor to sleep on: a short park, then look again.
            if (0 == inbound.size())
            {
                LockSupport.parkNanos(Math.min(timeoutMs, 1) * 50_000L);
            }
        }

        @Override
        public void close()
        {
            // The capture agent closes the real receiver.
        }
    }

    /** The forward side's view of the outbound ring buffer: one slot, handed over at commit. */
    private final class RingSender implements Sender
    {
        private final UnsafeBuffer slot = new UnsafeBuffer(ByteBuffer.allocateDirect(SLOT_SIZE));

        @Override
        public UnsafeBuffer buffer()
        {
            return slot;
        }

        @Override
        public int slotOffset()
        {
            return 0;
        }

        @Override
        public boolean isFull()
        {
            return false;
        }

        @Override
        public void commit(final int length)
        {
            if (!outbound.write(FRAME, slot, 0, length))
            {
                outboundFull++;
            }
        }

        @Override
        public int flush()
        {
            return 0;
        }

        @Override
        public void close()
        {
            // The transmit agent closes the real sender.
        }
    }
}
