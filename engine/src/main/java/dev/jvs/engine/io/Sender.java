package dev.jvs.engine.io;

import org.agrona.concurrent.UnsafeBuffer;

/** Where frames go: slots to write into, sent in batches. */
public interface Sender extends AutoCloseable
{
    /** Bytes per slot. */
    int SLOT_SIZE = 2048;

    /** @return the staging buffer. */
    UnsafeBuffer buffer();

    /** @return the offset of the next free slot. */
    int slotOffset();

    /** @return bytes a frame may take at {@link #slotOffset()}. */
    default int slotCapacity()
    {
        return SLOT_SIZE;
    }

    /** @return true when no slot is free until {@link #flush()}. */
    boolean isFull();

    /** @param length bytes written at {@link #slotOffset()}. */
    void commit(int length);

    /** @return frames sent. */
    int flush();

    /** @return transmit calls the kernel has refused since the start (ENOBUFS, a full device queue). */
    default long refused()
    {
        return 0;
    }

    @Override
    void close();
}
