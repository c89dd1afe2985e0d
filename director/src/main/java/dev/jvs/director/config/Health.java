package dev.jvs.director.config;

/** What the health checks say, for {@link ConfigLoader#reconcile}. */
@FunctionalInterface
public interface Health
{
    /**
     * @param rs a real server.
     * @return its weight as the checks see it, or -1 when they hold it down.
     */
    int weight(RealServer rs);

    /**
     * @param vs a virtual server.
     * @return false while it has lost its quorum (its sorry server, if any, then serves alone).
     */
    default boolean quorumUp(final VirtualServer vs)
    {
        return true;
    }
}
