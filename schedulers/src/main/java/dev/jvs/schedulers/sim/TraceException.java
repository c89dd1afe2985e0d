package dev.jvs.schedulers.sim;

/** A trace line the simulator cannot take, with its 1-based line number. */
public final class TraceException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final int line;

    /**
     * @param line 1-based line number.
     * @param message what is wrong, in a sentence.
     */
    public TraceException(final int line, final String message)
    {
        super("line " + line + ": " + message);
        this.line = line;
    }

    /** @return the 1-based line number. */
    public int line()
    {
        return line;
    }
}
