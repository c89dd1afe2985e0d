package dev.jvs.engine.io;

import org.agrona.concurrent.UnsafeBuffer;

/** Receives frames in place from a ring. */
@FunctionalInterface
public interface FrameHandler
{
    /**
     * @param buffer the ring.
     * @param offset frame offset in it.
     * @param length captured length.
     * @param wireLength length on the wire (larger than {@code length} when the frame did not fit the slot).
     * @param status the kernel's TP_STATUS bits.
     */
    void onFrame(UnsafeBuffer buffer, int offset, int length, int wireLength, int status);
}
