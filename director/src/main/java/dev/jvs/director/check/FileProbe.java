package dev.jvs.director.check;

import dev.jvs.director.config.Check;
import dev.jvs.director.config.VrrpConfig;

/**
 * FILE_CHECK: the track_file's number times the weight. Weight 0: non-zero is down. Otherwise the result is
 * added to the real server's weight with {@code dynamic}, and a negative total is down.
 */
final class FileProbe extends Probe
{
    FileProbe(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        super(ch, server, up, loop, "track_file " + ch.trackFile());
    }

    @Override
    void attempt(final long now)
    {
        final VrrpConfig.TrackFile f = loop.trackFile(ch.trackFile());
        final long value = f.value();
        final int w = null != ch.fileWeight() ? ch.fileWeight() : f.weight();
        final boolean reverse = null != ch.fileWeight() ? ch.fileReverse() : f.reverse();
        if (0 == w)
        {
            finish(now, 0 == value, "track_file " + f.name() + " reads " + value);
            return;
        }
        final long total = server.rs.weight() + value * w * (reverse ? -1 : 1);
        if (ch.fileDynamic() && total >= 0)
        {
            final int nw = (int)Math.min(Integer.MAX_VALUE, total);
            if (server.dynamicWeight != nw)
            {
                loop.dynamicWeight(server, nw, "checker FILE_CHECK for " + server.name + ": weight " + nw +
                    " (track_file " + f.name() + " reads " + value + ")");
            }
        }
        finish(now, total >= 0, "track_file " + f.name() + " reads " + value);
    }
}
