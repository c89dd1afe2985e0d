package dev.jvs.engine.io;

import dev.jvs.engine.Forwarder;
import org.agrona.concurrent.UnsafeBuffer;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;

/**
 * Runs every frame of a pcap file through a {@link Forwarder} (the same code the live daemon runs) and
 * writes what the director would transmit to another pcap file, with the input frame's timestamp. Time is
 * the capture's: the engine's clock, timers and expiry follow the timestamps.
 */
public final class PcapReplay
{
    /** Frames read and written. */
    public record Result(long framesIn, long framesOut)
    {
    }

    private PcapReplay()
    {
    }

    /**
     * @param fwd the engine.
     * @param in input pcap (Ethernet).
     * @param out output pcap.
     * @return counts.
     * @throws IOException when a file cannot be read or written.
     */
    public static Result run(final Forwarder fwd, final Path in, final Path out) throws IOException
    {
        final UnsafeBuffer rx = new UnsafeBuffer(new byte[0]);
        final byte[] txBytes = new byte[65536 + 64];
        final UnsafeBuffer tx = new UnsafeBuffer(txBytes);
        long nIn = 0;
        long nOut = 0;
        PcapHandle reader = null;
        PcapHandle dead = null;
        PcapDumper dumper = null;
        try
        {
            reader = Pcaps.openOffline(in.toString());
            if (DataLinkType.EN10MB != reader.getDlt())
            {
                throw new IOException(in + ": link type " + reader.getDlt() + " is not Ethernet");
            }
            dead = Pcaps.openDead(DataLinkType.EN10MB, 65536);
            dumper = dead.dumpOpen(out.toString());
            long lastTimer = Long.MIN_VALUE;
            while (true)
            {
                final byte[] frame;
                try
                {
                    frame = reader.getNextRawPacketEx();
                }
                catch (final EOFException eof)
                {
                    break;
                }
                catch (final TimeoutException ex)
                {
                    continue;
                }
                final Timestamp ts = reader.getTimestamp();
                final long nowMs = ts.getTime();
                if (nowMs - lastTimer >= 100 || Long.MIN_VALUE == lastTimer)
                {
                    fwd.onTimer(nowMs, 100_000);
                    lastTimer = nowMs;
                }
                nIn++;
                rx.wrap(frame);
                int n = fwd.process(rx, 0, frame.length, 0, tx, 0, txBytes.length, nowMs);
                while (n > 0)
                {
                    dumper.dumpRaw(Arrays.copyOf(txBytes, n), ts);
                    nOut++;
                    n = fwd.hasMoreFrames() ? fwd.nextFrame(tx, 0, txBytes.length) : 0;
                }
            }
            dumper.flush();
        }
        catch (final PcapNativeException | NotOpenException ex)
        {
            throw new IOException(ex.getMessage(), ex);
        }
        finally
        {
            if (null != dumper)
            {
                dumper.close();
            }
            if (null != dead)
            {
                dead.close();
            }
            if (null != reader)
            {
                reader.close();
            }
        }
        return new Result(nIn, nOut);
    }
}
