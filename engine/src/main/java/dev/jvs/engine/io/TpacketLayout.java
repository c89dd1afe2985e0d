package dev.jvs.engine.io;

/**
 * Offsets of the kernel structures of AF_PACKET's mapped rings (linux/if_packet.h, linux/if_ether.h), pinned
 * by a test that compiles the header and compares. Quoted for the reader:
 * <pre>
 * struct tpacket_req {            // 16 bytes: PACKET_RX_RING / PACKET_TX_RING, TPACKET_V2
 *     unsigned int tp_block_size; //  0
 *     unsigned int tp_block_nr;   //  4
 *     unsigned int tp_frame_size; //  8
 *     unsigned int tp_frame_nr;   // 12
 * };
 * struct tpacket_req3 {           // 28 bytes: TPACKET_V3
 *     ...the four above...; unsigned int tp_retire_blk_tov; // 16
 *     unsigned int tp_sizeof_priv; // 20   unsigned int tp_feature_req_word; // 24
 * };
 * struct tpacket2_hdr {           // 32 bytes, then the frame at tp_mac
 *     __u32 tp_status;            //  0   TP_STATUS_USER 1, TP_STATUS_CSUMNOTREADY 8 (RX);
 *                                 //      TP_STATUS_SEND_REQUEST 1, TP_STATUS_WRONG_FORMAT 4 (TX)
 *     __u32 tp_len;               //  4
 *     __u32 tp_snaplen;           //  8
 *     __u16 tp_mac;               // 12
 *     __u16 tp_net;               // 14
 *     __u32 tp_sec, tp_nsec;      // 16, 20
 *     __u16 tp_vlan_tci, tp_vlan_tpid; // 24, 26
 *     __u8  tp_padding[4];        // 28
 * };
 * struct tpacket3_hdr {           // 48 bytes
 *     __u32 tp_next_offset;       //  0
 *     __u32 tp_sec, tp_nsec;      //  4, 8
 *     __u32 tp_snaplen;           // 12
 *     __u32 tp_len;               // 16
 *     __u32 tp_status;            // 20
 *     __u16 tp_mac, tp_net;       // 24, 26
 *     ...
 * };
 * struct tpacket_block_desc {     // hdr.bh1: block_status 8, num_pkts 12, offset_to_first_pkt 16
 * struct sockaddr_ll {            // 20 bytes
 *     unsigned short sll_family;  //  0
 *     __be16 sll_protocol;        //  2
 *     int sll_ifindex;            //  4
 *     unsigned short sll_hatype;  //  8
 *     unsigned char sll_pkttype;  // 10
 *     unsigned char sll_halen;    // 11
 *     unsigned char sll_addr[8];  // 12
 * };
 * TPACKET2_HDRLEN = TPACKET_ALIGN(sizeof(struct tpacket2_hdr)) + sizeof(struct sockaddr_ll) = 52
 * </pre>
 */
public final class TpacketLayout
{
    /** sizeof(struct tpacket_req). */
    public static final int REQ_SIZE = 16;
    /** sizeof(struct tpacket_req3). */
    public static final int REQ3_SIZE = 28;
    /** tpacket2_hdr.tp_status. */
    public static final int V2_STATUS = 0;
    /** tpacket2_hdr.tp_len. */
    public static final int V2_LEN = 4;
    /** tpacket2_hdr.tp_snaplen. */
    public static final int V2_SNAPLEN = 8;
    /** tpacket2_hdr.tp_mac. */
    public static final int V2_MAC = 12;
    /** tpacket2_hdr.tp_net. */
    public static final int V2_NET = 14;
    /** tpacket2_hdr.tp_sec: when the kernel took the frame (CLOCK_REALTIME unless hardware stamps). */
    public static final int V2_SEC = 16;
    /** tpacket2_hdr.tp_nsec. */
    public static final int V2_NSEC = 20;
    /** sizeof(struct tpacket2_hdr). */
    public static final int V2_HDR_SIZE = 32;
    /** TPACKET2_HDRLEN. */
    public static final int TPACKET2_HDRLEN = 52;
    /** tpacket3_hdr.tp_next_offset. */
    public static final int V3_NEXT = 0;
    /** tpacket3_hdr.tp_snaplen. */
    public static final int V3_SNAPLEN = 12;
    /** tpacket3_hdr.tp_len. */
    public static final int V3_LEN = 16;
    /** tpacket3_hdr.tp_status. */
    public static final int V3_STATUS = 20;
    /** tpacket3_hdr.tp_mac. */
    public static final int V3_MAC = 24;
    /** sizeof(struct tpacket3_hdr). */
    public static final int V3_HDR_SIZE = 48;
    /** tpacket_block_desc.hdr.bh1.block_status. */
    public static final int BLOCK_STATUS = 8;
    /** tpacket_block_desc.hdr.bh1.num_pkts. */
    public static final int BLOCK_NUM_PKTS = 12;
    /** tpacket_block_desc.hdr.bh1.offset_to_first_pkt. */
    public static final int BLOCK_FIRST = 16;
    /** sizeof(struct sockaddr_ll). */
    public static final int SLL_SIZE = 20;
    /** sockaddr_ll.sll_protocol. */
    public static final int SLL_PROTOCOL = 2;
    /** sockaddr_ll.sll_ifindex. */
    public static final int SLL_IFINDEX = 4;

    /** TP_STATUS_KERNEL / TP_STATUS_AVAILABLE. */
    public static final int TP_STATUS_KERNEL = 0;
    /** TP_STATUS_USER (RX). */
    public static final int TP_STATUS_USER = 1;
    /** TP_STATUS_COPY: the frame was truncated to the slot. */
    public static final int TP_STATUS_COPY = 1 << 1;
    /** TP_STATUS_LOSING: the ring overflowed since the last read. */
    public static final int TP_STATUS_LOSING = 1 << 2;
    /** TP_STATUS_CSUMNOTREADY: the L4 checksum holds only the pseudo-header sum. */
    public static final int TP_STATUS_CSUMNOTREADY = 1 << 3;

    private TpacketLayout()
    {
    }
}
