package dev.jvs.director.config;

import java.util.List;

/**
 * One keepalived.conf statement: a keyword, its arguments, and, for a block, its statements.
 *
 * @param keyword the first word.
 * @param args the other words on its line (quotes removed).
 * @param argColumns the column each argument starts at (every argument is on the keyword's line): a
 *     position object per word would double what a large file's parse allocates.
 * @param children the block's statements, or null when the statement has no block.
 * @param at where the keyword starts.
 */
public record Statement(String keyword, List<String> args, int[] argColumns, List<Statement> children,
    Position at)
{
    /**
     * A statement made by a reader from parts of another (a range split into its ends): each argument's
     * position is on the statement's line.
     *
     * @param keyword the first word.
     * @param args the other words.
     * @param argPositions where each starts.
     * @param children the block's statements, or null.
     * @param at where the keyword starts.
     */
    public Statement(final String keyword, final List<String> args, final List<Position> argPositions,
        final List<Statement> children, final Position at)
    {
        this(keyword, args, argPositions.stream().mapToInt(Position::column).toArray(), children, at);
    }

    /** @return true when followed by a { } block. */
    public boolean isBlock()
    {
        return null != children;
    }

    /**
     * @param i argument index.
     * @return where that argument starts (or the keyword when missing).
     */
    public Position argAt(final int i)
    {
        return i < argColumns.length ? new Position(at.file(), at.line(), argColumns[i]) : at;
    }
}
