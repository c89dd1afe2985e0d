package dev.jvs.director.check;

import dev.jvs.director.config.RealServer;

import java.util.ArrayList;
import java.util.List;

/** A checked real server: its checkers, whether all are up, and a dynamic weight a checker set. */
final class Server
{
    final RealServer rs;
    final String name;
    final List<Probe> probes = new ArrayList<>();
    boolean up;
    volatile long transitions;
    /** Weight set by a MISC_CHECK with misc_dynamic (or a dynamic FILE_CHECK), or -1. */
    volatile int dynamicWeight = -1;

    Server(final RealServer rs)
    {
        this.rs = rs;
        this.name = rs.address().withPort(rs.port()) + " of " + rs.vs().name();
    }
}
