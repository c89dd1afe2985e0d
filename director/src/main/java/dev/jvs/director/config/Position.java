package dev.jvs.director.config;

import java.nio.file.Path;

/**
 * Where a token starts.
 *
 * @param file file.
 * @param line 1-based line.
 * @param column 1-based column.
 */
public record Position(Path file, int line, int column)
{
    @Override
    public String toString()
    {
        return file + ":" + line + ":" + column;
    }
}
