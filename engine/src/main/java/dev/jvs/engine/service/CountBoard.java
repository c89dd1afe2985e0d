package dev.jvs.engine.service;

import dev.jvs.engine.frame.IpAddress;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Where the workers of one director publish how many connections each has bound to each real server, so
 * that every worker's schedulers and thresholds count them all, as the kernel's one counter per destination
 * does. A cell per (service, real server) holds {active, inactive} per worker; each worker writes only its own
 * slot (on a connection event) and reads the others' every timer tick (100 ms): its own connections count at
 * once, the others' within a tick.
 */
public final class CountBoard
{
    private final int workers;
    private final ConcurrentHashMap<Key, AtomicIntegerArray> cells = new ConcurrentHashMap<>();

    private record Key(int protocol, IpAddress vaddr, int vport, int fwmark, IpAddress addr, int port)
    {
    }

    /** @param workers the number of workers (slots per cell). */
    public CountBoard(final int workers)
    {
        this.workers = workers;
    }

    /**
     * The cell of a real server of a service, the same for every worker (made on first use, never freed: a
     * server that comes back finds its counts).
     *
     * @param s the service (any worker's copy).
     * @param id the real server's destination id in it.
     * @return the cell.
     */
    AtomicIntegerArray cell(final VirtualService s, final int id)
    {
        return cells.computeIfAbsent(new Key(s.protocol(), s.address(), s.vport(), s.fwmark(), s.realServer(id),
            s.dests().port(id)),
            k -> new AtomicIntegerArray(2 * workers));
    }
}
