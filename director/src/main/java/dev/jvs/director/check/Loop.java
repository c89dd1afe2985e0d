package dev.jvs.director.check;

import dev.jvs.director.config.VrrpConfig;

import java.nio.ByteBuffer;
import java.nio.channels.Selector;

/** What a checker uses of the one thread they all share: its selector, its timer queue, and its verdicts. */
interface Loop
{
    /** @return the selector every checker's socket registers with. */
    Selector selector();

    /**
     * Queue a timer for a checker.
     *
     * @param at when (System.nanoTime terms).
     * @param p the checker.
     * @param epoch the checker's epoch: a timer of an older one is stale.
     * @param start true to start a check, false for the attempt's deadline.
     */
    void schedule(long at, Probe p, int epoch, boolean start);

    /** @param s a server one of whose checkers changed its verdict. */
    void changed(Server s);

    /**
     * A checker set its server's weight (misc_dynamic, a dynamic FILE_CHECK).
     *
     * @param s the server.
     * @param weight the new weight.
     * @param line what to log.
     */
    void dynamicWeight(Server s, int weight, String line);

    /** @param line a line for the log. */
    void log(String line);

    /** @return a read buffer the checkers share (one thread). */
    ByteBuffer readBuffer();

    /** @param p a script checker whose process ended (any thread). */
    void exited(ScriptProbe p);

    /** @return SSL_GET's context (the configuration's SSL block, or the default one). */
    javax.net.ssl.SSLContext sslContext();

    /**
     * @param name a track_file's name.
     * @return it.
     */
    VrrpConfig.TrackFile trackFile(String name);
}
