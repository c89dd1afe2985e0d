package dev.jvs.director.config;

import java.util.List;

/**
 * One keepalived.conf statement: a keyword, its arguments, and, for a block, its statements.
 *
 * @param keyword the first word.
 * @param args the other words on its line (quotes removed).
 * @param argPositions where each argument starts.
 * @param children the block's statements, or null when the statement has no block.
 * @param at where the keyword starts.
 */
public record Statement(String keyword, List<String> args, List<Position> argPositions, List<Statement> children,
    Position at)
{
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
        return i < argPositions.size() ? argPositions.get(i) : at;
    }
}
