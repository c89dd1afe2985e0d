package dev.jvs.director.adm;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The running daemon's control socket (Unix domain, 0600) and Prometheus endpoint. Their threads only carry
 * bytes: every request is answered on the forwarding thread ({@link #serve}), between two batches of frames,
 * so it reads the single writer's state without locks and sees one consistent moment.
 */
public final class ControlPlane implements AutoCloseable
{
    /** A request and where its answer goes. */
    public record Request(List<String> args, CompletableFuture<String> answer)
    {
    }

    /** Answers requests on the conductor's thread. */
    @FunctionalInterface
    public interface Handler
    {
        /**
         * @param args the command line of {@code jvs adm}, or ["metrics"].
         * @return the text to send back; an {@link IllegalArgumentException} becomes an error.
         */
        String handle(List<String> args);
    }

    /** Requests from the socket threads to the conductor: a many-to-one ring of references. */
    private final org.agrona.concurrent.ManyToOneConcurrentArrayQueue<Request> queue =
        new org.agrona.concurrent.ManyToOneConcurrentArrayQueue<>(256);
    private final Consumer<String> log;
    private ServerSocketChannel unix;
    private Path socketPath;
    private com.sun.net.httpserver.HttpServer http;
    private volatile boolean open = true;
    private volatile Runnable onRequest = () -> { };

    /** @param log where problems go. */
    public ControlPlane(final Consumer<String> log)
    {
        this.log = log;
    }

    /**
     * @param wake run when a request is queued (wakes the thread that serves them).
     */
    public void onRequest(final Runnable wake)
    {
        this.onRequest = wake;
    }

    /**
     * Listen on a Unix socket, readable and writable by root only.
     *
     * @param path the socket file.
     * @throws IOException when it cannot.
     */
    public void listenUnix(final Path path) throws IOException
    {
        Files.createDirectories(path.toAbsolutePath().getParent());
        Files.deleteIfExists(path);
        unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        unix.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        socketPath = path;
        final Thread t = new Thread(this::acceptLoop, "jvs-control");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Serve Prometheus text exposition at http://ADDR:PORT/metrics.
     *
     * @param addr address and port.
     * @throws IOException when it cannot bind.
     */
    public void listenMetrics(final InetSocketAddress addr) throws IOException
    {
        http = com.sun.net.httpserver.HttpServer.create(addr, 16);
        http.createContext("/metrics", ex ->
        {
            int status = 200;
            String body;
            try
            {
                body = ask(List.of("metrics"));
            }
            catch (final IllegalStateException ex2)
            {
                status = 503;
                body = ex2.getMessage() + "\n";
            }
            final byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
    }

    /** @return the bound metrics address, or null. */
    public InetSocketAddress metricsAddress()
    {
        return null == http ? null : http.getAddress();
    }

    /**
     * Answer what is waiting; call from the conductor each cycle.
     *
     * @param handler the answers.
     * @return how many requests were answered.
     */
    public int serve(final Handler handler)
    {
        if (queue.isEmpty())
        {
            return 0;
        }
        int n = 0;
        Request r;
        while (null != (r = queue.poll()))
        {
            try
            {
                r.answer.complete(handler.handle(r.args));
            }
            catch (final RuntimeException ex)
            {
                r.answer.completeExceptionally(ex);
            }
            n++;
        }
        return n;
    }

    private String ask(final List<String> args)
    {
        final Request r = new Request(args, new CompletableFuture<>());
        if (!queue.offer(r))
        {
            throw new IllegalArgumentException("jvs adm: the daemon is busy (" + queue.capacity() +
                " requests waiting); try again");
        }
        onRequest.run();
        try
        {
            return r.answer.get(5, TimeUnit.SECONDS);
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            throw ex.getCause() instanceof IllegalArgumentException iae ? iae :
                new IllegalStateException("request failed: " + ex.getCause());
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            throw new IllegalStateException("the daemon did not answer within 5 s");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private void acceptLoop()
    {
        while (open)
        {
            try (SocketChannel c = unix.accept())
            {
                // Request: the arguments separated by NUL, ended by shutdown of the writing side.
                final String req = new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
                final List<String> args = req.isEmpty() ? List.of() : List.of(req.split("\0", -1));
                String reply;
                // Reply: jvs adm's exit status on the first line, then what it prints.
                try
                {
                    reply = "0\n" + ask(args);
                }
                catch (final AdmRefusal ex)
                {
                    reply = ex.status() + "\n" + ex.getMessage() + "\n";
                }
                catch (final IllegalArgumentException ex)
                {
                    reply = "255\n" + ex.getMessage() + "\n";
                }
                catch (final IllegalStateException ex)
                {
                    reply = "1\n" + ex.getMessage() + "\n";
                }
                final ByteBuffer b = ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining())
                {
                    c.write(b);
                }
            }
            catch (final IOException ex)
            {
                if (open)
                {
                    log.accept("control socket: " + ex.getMessage());
                }
            }
        }
    }

    @Override
    public void close()
    {
        open = false;
        if (null != http)
        {
            http.stop(0);
        }
        if (null != unix)
        {
            try
            {
                unix.close();
                Files.deleteIfExists(socketPath);
            }
            catch (final IOException ignored)
            {
                // Shutting down.
            }
        }
        Request r;
        while (null != (r = queue.poll()))
        {
            r.answer.completeExceptionally(new IllegalStateException("the director is stopping"));
        }
    }
}
