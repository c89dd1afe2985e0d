package dev.jvs.engine.io;

import dev.jvs.engine.os.LibC;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins every offset and constant jvs uses against the kernel headers, compiled by the machine's C compiler. */
class TpacketLayoutTest
{
    private static final String PROGRAM = """
        #include <stdio.h>
        #include <stddef.h>
        #include <sys/socket.h>
        #include <linux/if_packet.h>
        #include <linux/if_ether.h>
        #include <sys/ioctl.h>
        #include <linux/if_tun.h>
        #include <linux/sockios.h>
        #include <netinet/in.h>
        #include <linux/virtio_net.h>
        #define P(name, value) printf("%s %ld\\n", name, (long)(value))
        int main(void) {
          P("REQ_SIZE", sizeof(struct tpacket_req));
          P("REQ3_SIZE", sizeof(struct tpacket_req3));
          P("V2_STATUS", offsetof(struct tpacket2_hdr, tp_status));
          P("V2_LEN", offsetof(struct tpacket2_hdr, tp_len));
          P("V2_SNAPLEN", offsetof(struct tpacket2_hdr, tp_snaplen));
          P("V2_MAC", offsetof(struct tpacket2_hdr, tp_mac));
          P("V2_NET", offsetof(struct tpacket2_hdr, tp_net));
          P("V2_HDR_SIZE", sizeof(struct tpacket2_hdr));
          P("TPACKET2_HDRLEN", TPACKET2_HDRLEN);
          P("V3_NEXT", offsetof(struct tpacket3_hdr, tp_next_offset));
          P("V3_SNAPLEN", offsetof(struct tpacket3_hdr, tp_snaplen));
          P("V3_LEN", offsetof(struct tpacket3_hdr, tp_len));
          P("V3_STATUS", offsetof(struct tpacket3_hdr, tp_status));
          P("V3_MAC", offsetof(struct tpacket3_hdr, tp_mac));
          P("V3_HDR_SIZE", sizeof(struct tpacket3_hdr));
          P("BLOCK_STATUS", offsetof(struct tpacket_block_desc, hdr.bh1.block_status));
          P("BLOCK_NUM_PKTS", offsetof(struct tpacket_block_desc, hdr.bh1.num_pkts));
          P("BLOCK_FIRST", offsetof(struct tpacket_block_desc, hdr.bh1.offset_to_first_pkt));
          P("SLL_SIZE", sizeof(struct sockaddr_ll));
          P("SLL_PROTOCOL", offsetof(struct sockaddr_ll, sll_protocol));
          P("SLL_IFINDEX", offsetof(struct sockaddr_ll, sll_ifindex));
          P("TP_STATUS_USER", TP_STATUS_USER);
          P("TP_STATUS_COPY", TP_STATUS_COPY);
          P("TP_STATUS_LOSING", TP_STATUS_LOSING);
          P("TP_STATUS_CSUMNOTREADY", TP_STATUS_CSUMNOTREADY);
          P("AF_PACKET", AF_PACKET);
          P("SOL_PACKET", SOL_PACKET);
          P("PACKET_RX_RING", PACKET_RX_RING);
          P("PACKET_TX_RING", PACKET_TX_RING);
          P("PACKET_VERSION", PACKET_VERSION);
          P("PACKET_FANOUT", PACKET_FANOUT);
          P("PACKET_QDISC_BYPASS", PACKET_QDISC_BYPASS);
          P("PACKET_IGNORE_OUTGOING", PACKET_IGNORE_OUTGOING);
          P("TPACKET_V2", TPACKET_V2);
          P("TPACKET_V3", TPACKET_V3);
          P("ETH_P_ALL", ETH_P_ALL);
          P("SIOCGIFHWADDR", SIOCGIFHWADDR);
          P("TUNSETIFF", TUNSETIFF);
          P("IFF_TUN", IFF_TUN);
          P("IFF_NO_PI", IFF_NO_PI);
          P("IPPROTO_IPIP", IPPROTO_IPIP);
          P("TX_DATA", TPACKET2_HDRLEN - sizeof(struct sockaddr_ll));
          P("VNET_HDR_SIZE", sizeof(struct virtio_net_hdr));
          P("VNET_HDR_LEN", offsetof(struct virtio_net_hdr, hdr_len));
          P("PACKET_LOSS", PACKET_LOSS);
          P("PACKET_VNET_HDR", PACKET_VNET_HDR);
          P("TP_STATUS_SEND_REQUEST", TP_STATUS_SEND_REQUEST);
          P("TP_STATUS_NOT_AVAILABLE", TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING | TP_STATUS_WRONG_FORMAT);
          P("MSG_DONTWAIT", MSG_DONTWAIT);
          P("MSGHDR_SIZE", sizeof(struct mmsghdr));
          P("MSG_IOV", offsetof(struct msghdr, msg_iov));
          P("MSG_IOVLEN", offsetof(struct msghdr, msg_iovlen));
          return 0;
        }
        """;

    @Test
    void shouldMatchTheKernelHeaders(@TempDir final Path dir) throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "needs gcc");
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/include/linux/if_packet.h")), "needs linux-libc-dev");
        final Path c = dir.resolve("layout.c");
        Files.writeString(c, "#define _GNU_SOURCE\n" + PROGRAM);
        final Path exe = dir.resolve("layout");
        final Process cc = new ProcessBuilder("gcc", "-o", exe.toString(), c.toString()).redirectErrorStream(true)
            .start();
        final String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        cc.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, cc.exitValue(), ccOut);
        final Process run = new ProcessBuilder(exe.toString()).start();
        final Map<String, Long> k = new HashMap<>();
        new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
            .forEach(l -> k.put(l.split(" ")[0], Long.parseLong(l.split(" ")[1])));
        run.waitFor(10, TimeUnit.SECONDS);

        assertEquals(k.get("REQ_SIZE"), TpacketLayout.REQ_SIZE);
        assertEquals(k.get("REQ3_SIZE"), TpacketLayout.REQ3_SIZE);
        assertEquals(k.get("V2_STATUS"), TpacketLayout.V2_STATUS);
        assertEquals(k.get("V2_LEN"), TpacketLayout.V2_LEN);
        assertEquals(k.get("V2_SNAPLEN"), TpacketLayout.V2_SNAPLEN);
        assertEquals(k.get("V2_MAC"), TpacketLayout.V2_MAC);
        assertEquals(k.get("V2_NET"), TpacketLayout.V2_NET);
        assertEquals(k.get("V2_HDR_SIZE"), TpacketLayout.V2_HDR_SIZE);
        assertEquals(k.get("TPACKET2_HDRLEN"), TpacketLayout.TPACKET2_HDRLEN);
        assertEquals(k.get("V3_NEXT"), TpacketLayout.V3_NEXT);
        assertEquals(k.get("V3_SNAPLEN"), TpacketLayout.V3_SNAPLEN);
        assertEquals(k.get("V3_LEN"), TpacketLayout.V3_LEN);
        assertEquals(k.get("V3_STATUS"), TpacketLayout.V3_STATUS);
        assertEquals(k.get("V3_MAC"), TpacketLayout.V3_MAC);
        assertEquals(k.get("V3_HDR_SIZE"), TpacketLayout.V3_HDR_SIZE);
        assertEquals(k.get("BLOCK_STATUS"), TpacketLayout.BLOCK_STATUS);
        assertEquals(k.get("BLOCK_NUM_PKTS"), TpacketLayout.BLOCK_NUM_PKTS);
        assertEquals(k.get("BLOCK_FIRST"), TpacketLayout.BLOCK_FIRST);
        assertEquals(k.get("SLL_SIZE"), TpacketLayout.SLL_SIZE);
        assertEquals(k.get("SLL_PROTOCOL"), TpacketLayout.SLL_PROTOCOL);
        assertEquals(k.get("SLL_IFINDEX"), TpacketLayout.SLL_IFINDEX);
        assertEquals(k.get("TP_STATUS_USER"), TpacketLayout.TP_STATUS_USER);
        assertEquals(k.get("TP_STATUS_COPY"), TpacketLayout.TP_STATUS_COPY);
        assertEquals(k.get("TP_STATUS_LOSING"), TpacketLayout.TP_STATUS_LOSING);
        assertEquals(k.get("TP_STATUS_CSUMNOTREADY"), TpacketLayout.TP_STATUS_CSUMNOTREADY);
        assertEquals(k.get("AF_PACKET"), LibC.AF_PACKET);
        assertEquals(k.get("SOL_PACKET"), LibC.SOL_PACKET);
        assertEquals(k.get("PACKET_RX_RING"), LibC.PACKET_RX_RING);
        assertEquals(k.get("PACKET_TX_RING"), LibC.PACKET_TX_RING);
        assertEquals(k.get("PACKET_VERSION"), LibC.PACKET_VERSION);
        assertEquals(k.get("PACKET_FANOUT"), LibC.PACKET_FANOUT);
        assertEquals(k.get("PACKET_QDISC_BYPASS"), LibC.PACKET_QDISC_BYPASS);
        assertEquals(k.get("PACKET_IGNORE_OUTGOING"), LibC.PACKET_IGNORE_OUTGOING);
        assertEquals(k.get("TPACKET_V2"), LibC.TPACKET_V2);
        assertEquals(k.get("TPACKET_V3"), LibC.TPACKET_V3);
        assertEquals(k.get("ETH_P_ALL"), LibC.ETH_P_ALL);
        assertEquals(k.get("SIOCGIFHWADDR"), LibC.SIOCGIFHWADDR);
        assertEquals(k.get("TUNSETIFF"), LibC.TUNSETIFF);
        assertEquals(k.get("IFF_TUN"), LibC.IFF_TUN);
        assertEquals(k.get("IFF_NO_PI"), LibC.IFF_NO_PI);
        assertEquals(k.get("IPPROTO_IPIP"), LibC.IPPROTO_IPIP);
        assertEquals(k.get("TX_DATA"), TxRing.DATA);
        assertEquals(k.get("VNET_HDR_SIZE"), TxRing.VNET_HDR_SIZE);
        assertEquals(k.get("VNET_HDR_LEN"), TxRing.VNET_HDR_LEN);
        assertEquals(k.get("PACKET_LOSS"), LibC.PACKET_LOSS);
        assertEquals(k.get("PACKET_VNET_HDR"), LibC.PACKET_VNET_HDR);
        assertEquals(k.get("TP_STATUS_SEND_REQUEST"), TxRing.TP_STATUS_SEND_REQUEST);
        assertEquals(k.get("TP_STATUS_NOT_AVAILABLE"), TxRing.NOT_AVAILABLE);
        assertEquals(k.get("MSG_DONTWAIT"), LibC.MSG_DONTWAIT);
        assertEquals(k.get("MSGHDR_SIZE"), Transmitter.MSGHDR_SIZE);
        assertEquals(k.get("MSG_IOV"), Transmitter.MSG_IOV);
        assertEquals(k.get("MSG_IOVLEN"), Transmitter.MSG_IOVLEN);
    }
}
