package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;

/** Where a master's connection sync takes the entries to send. */
@FunctionalInterface
public interface SyncSink
{
    /**
     * An entry to send to the backup now (IPVS's ip_vs_sync_conn).
     *
     * @param table the table.
     * @param e the entry (a connection or a persistence template).
     */
    void onSync(ConnectionTable table, int e);
}
