package dev.jvs.director.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A block's keywords and what each does, as keepalived's own parser keeps them (install_keyword into a
 * vector per block, parser.c): one table per block instead of a switch, so that a keyword is found by name
 * and each handler is a line or a small method.
 *
 * @param <C> what the handlers work in (the configuration being read).
 * @param <T> what a block fills in.
 */
final class Keywords<C, T>
{
    /** What one keyword does. */
    @FunctionalInterface
    interface Handler<C, T>
    {
        /**
         * @param context the configuration being read.
         * @param target what the block fills in.
         * @param k the statement.
         * @throws ConfigException when the statement is wrong.
         */
        void handle(C context, T target, Statement k) throws ConfigException;
    }

    private final Map<String, Handler<C, T>> handlers = new HashMap<>();
    private final java.util.Set<String> ignored = new java.util.HashSet<>();

    /**
     * @param handler what the keywords do.
     * @param keywords the keyword and its aliases.
     * @return this table.
     */
    Keywords<C, T> on(final Handler<C, T> handler, final String... keywords)
    {
        for (final String k : keywords)
        {
            if (null != handlers.put(k, handler))
            {
                throw new IllegalStateException("keyword " + k + " installed twice");
            }
        }
        return this;
    }

    /**
     * @param keywords keywords that are read and do nothing.
     * @return this table.
     */
    Keywords<C, T> ignore(final String... keywords)
    {
        ignored.addAll(java.util.List.of(keywords));
        return on((c, t, k) -> { }, keywords);
    }

    /** @return the keywords read and left without effect (the configuration coverage says so). */
    Set<String> ignored()
    {
        return java.util.Collections.unmodifiableSet(ignored);
    }

    /**
     * Run a statement's handler.
     *
     * @param context the configuration being read.
     * @param target what the block fills in.
     * @param k the statement.
     * @return false when the keyword is not in the table.
     * @throws ConfigException when the statement is wrong.
     */
    boolean apply(final C context, final T target, final Statement k) throws ConfigException
    {
        final Handler<C, T> h = handlers.get(k.keyword());
        if (null == h)
        {
            return false;
        }
        h.handle(context, target, k);
        return true;
    }

    /** @return the keywords in the table. */
    Set<String> keywords()
    {
        return handlers.keySet();
    }
}
