package dev.jvs.director.config;

import java.nio.file.Path;

/** A configuration error: file, line, column and a sentence a person understands. */
public final class ConfigException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private transient java.util.List<String> warnings = java.util.List.of();
    private final int line;
    private final int column;

    /**
     * @param file the file.
     * @param line 1-based line.
     * @param column 1-based column.
     * @param message what is wrong.
     */
    public ConfigException(final Path file, final int line, final int column, final String message)
    {
        super(file + ":" + line + ":" + column + ": " + message);
        this.file = file;
        this.line = line;
        this.column = column;
    }

    /**
     * @param at where.
     * @param message what is wrong.
     */
    public ConfigException(final Position at, final String message)
    {
        this(at.file(), at.line(), at.column(), message);
    }

    /**
     * @param collected the warnings the load collected before it stopped here.
     * @return this.
     */
    public ConfigException withWarnings(final java.util.List<String> collected)
    {
        warnings = java.util.List.copyOf(collected);
        return this;
    }

    /** @return the warnings collected before this error (a misspelt keyword may be its cause). */
    public java.util.List<String> warnings()
    {
        return warnings;
    }

    /** @return the file. */
    public Path file()
    {
        return file;
    }

    /** @return 1-based line. */
    public int line()
    {
        return line;
    }

    /** @return 1-based column. */
    public int column()
    {
        return column;
    }
}
