package dev.jvs.director.daemon;

import com.sun.jna.Memory;
import dev.jvs.engine.os.LibC;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lines reach a syslog socket as RFC 3164 datagrams with keepalived's facility numbering. */
class SyslogTest
{
    @TempDir
    Path dir;

    @Test
    void shouldSendRfc3164LinesWithTheFacilityAndSeverity()
    {
        final Path sock = dir.resolve("log");
        final int fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM, 0);
        final Memory addr = new Memory(110);
        addr.clear();
        addr.setShort(0, (short)LibC.AF_UNIX);
        final byte[] p = sock.toString().getBytes(StandardCharsets.UTF_8);
        addr.write(2, p, 0, p.length);
        assertEquals(0, LibC.bind(fd, addr, 2 + p.length + 1), "bind: " + LibC.strerror(LibC.errno()));
        try (Syslog s = new Syslog(sock.toString(), Syslog.facility("3")))
        {
            s.log("VRRP VI_1: BACKUP -> MASTER");
            s.log("warning: something");
            final Memory buf = new Memory(2048);
            final long n = LibC.recv(fd, buf, 2048, 0);
            final String first = new String(buf.getByteArray(0, (int)n), StandardCharsets.UTF_8);
            // local3 = 19; 19 * 8 + LOG_INFO (6) = 158
            assertTrue(first.matches("<158>[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d jvs\\[\\d+]: " +
                "VRRP VI_1: BACKUP -> MASTER"), first);
            final long m = LibC.recv(fd, buf, 2048, 0);
            assertTrue(new String(buf.getByteArray(0, (int)m), StandardCharsets.UTF_8).startsWith("<156>"),
                "a warning at LOG_WARNING");
        }
        finally
        {
            LibC.close(fd);
        }
        assertEquals(3 * 8 + 6, Syslog.facility("daemon") * 8 + Syslog.INFO);
        assertEquals(23, Syslog.facility("local7"));
        assertThrows(IllegalArgumentException.class, () -> Syslog.facility("8"));
    }
}
