package dev.jvs.engine.io;

import java.io.IOException;

/** A packet socket could not be set up: the message says which call failed and why. */
public final class PacketIoException extends IOException
{
    private static final long serialVersionUID = 1L;

    /** @param message what failed. */
    public PacketIoException(final String message)
    {
        super(message);
    }
}
