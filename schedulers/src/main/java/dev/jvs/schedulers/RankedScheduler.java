package dev.jvs.schedulers;

/**
 * lc, wlc, sed, nq, fo and ovf: schedulers that choose the earliest best destination under a
 * {@link Ranking}, answered from a {@link LoadIndex} kept current by the counter callbacks.
 */
public final class RankedScheduler extends Scheduler
{
    private final String name;
    private final LoadIndex index;

    RankedScheduler(final Destinations dests, final String name, final Ranking ranking)
    {
        super(dests);
        this.name = name;
        this.index = new LoadIndex(dests, ranking);
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    protected void onInit()
    {
        index.rebuild();
    }

    @Override
    protected void onDestAdded(final int id)
    {
        index.rebuild();
    }

    @Override
    protected void onDestRemoved(final int id, final int formerPosition)
    {
        index.rebuild();
    }

    @Override
    protected void onDestUpdated(final int id)
    {
        index.update(id);
    }

    @Override
    protected void onLoadChanged(final int id)
    {
        index.update(id);
    }

    @Override
    public int pick(final Flow flow)
    {
        return index.best();
    }
}
