package dev.jvs.engine.io;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Receives frames in place from a ring. A ring that can look ahead hands frames over in groups of at most
 * {@link #GROUP}: {@link #prepare} for each frame of the group, {@link #prepared} once, then {@link #onFrame}
 * for each; the frames stay in place until the last {@code onFrame} of the group returns.
 */
@FunctionalInterface
public interface FrameHandler
{
    /** Most frames in a group. */
    int GROUP = dev.jvs.engine.Forwarder.GROUP;

    /**
     * A frame of the coming group, before any of the group is handled: start its memory accesses.
     *
     * @param slot its place in the group.
     * @param buffer the ring.
     * @param offset frame offset in it.
     * @param length captured length.
     */
    default void prepare(final int slot, final UnsafeBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * Every frame of the group has been prepared.
     *
     * @param count frames in the group.
     */
    default void prepared(final int count)
    {
    }

    /**
     * @param buffer the ring.
     * @param offset frame offset in it.
     * @param length captured length.
     * @param wireLength length on the wire (larger than {@code length} when the frame did not fit the slot).
     * @param status the kernel's TP_STATUS bits.
     */
    void onFrame(UnsafeBuffer buffer, int offset, int length, int wireLength, int status);
}
