/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port/vnet: a port of our own on a kernel interface (veth, or any other),
 * over AF_PACKET with PACKET_VNET_HDR. DPDK's af_packet PMD hands the
 * kernel bare frames; with the virtio-net header the kernel takes what a
 * NIC takes: a TCP segment of up to 64 KiB with its checksum left partial
 * (TSO), passed whole through veth to a local receiver and cut only where
 * the path needs it, and it says on receipt which checksums it has checked.
 * Debian's DPDK ships no driver SDK (ethdev_driver.h), so this is a backend
 * of lib/port rather than an ethdev: sl_port_rx/tx call it directly.
 *
 * One socket per queue (a PACKET_FANOUT group when there are several):
 * receiving from a TPACKET_V2 ring, copied into mbufs; sending with one
 * sendmmsg() per burst, the kernel copying from the mbufs. With the rx
 * offload tcp_lro the ring's frames hold 64 KiB, so a local sender's TSO
 * segments come in whole (as LRO delivers them) instead of being lost.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "sl_port.h"
#include "port_priv.h"

#define VNET_TX_IOV 64          /* mbufs one sent packet may chain */
#define VNET_BLOCK_SIZE (1u << 16)
#define VNET_LRO_BLOCK_SIZE (1u << 20)
#define VNET_RX_SEGS_MAX 64     /* mbufs one received frame may take */
/* the ring's header, the address, the vnet header, before the frame */
#define VNET_FRAME_OVERHEAD 128u

struct vnet_queue {
	int fd;
	uint8_t *ring;
	size_t ring_len;
	uint32_t frames, frame_size, block_size;
	uint32_t per_block, in_block; /* frames a block holds; the next one's place */
	uint8_t *block, *frame;       /* the next frame to read, and its block */
	struct rte_eth_stats st;        /* written by the queue's worker only */
	uint64_t ring_drops;            /* the kernel's, gathered by readers (atomic) */
};

struct port_vnet {
	unsigned int nb_queues;
	struct vnet_queue q[];
};

static int
sockopt(int fd, int name, int value)
{
	return setsockopt(fd, SOL_PACKET, name, &value, sizeof(value));
}

/* The interface's index, MAC address and MTU. */
static int
iface_info(const char *ifname, int *index, struct rte_ether_addr *mac, int *mtu)
{
	struct ifreq ifr;
	int fd, rc = 0;

	*index = (int)if_nametoindex(ifname);
	if (*index == 0)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		rc = -errno;
	memcpy(mac->addr_bytes, ifr.ifr_hwaddr.sa_data, RTE_ETHER_ADDR_LEN);
	if (rc == 0 && ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		rc = -errno;
	*mtu = ifr.ifr_mtu;
	close(fd);
	return rc;
}

/* Queue q's socket: bound to the interface, vnet headers on, its rx ring
 * of at least `frames` frames mapped. Not PACKET_QDISC_BYPASS: that path
 * drops a TSO segment the device cannot take instead of cutting it. */
static int
open_queue(struct vnet_queue *q, int ifindex, unsigned int frames, uint32_t frame_size,
		int fanout_id, bool fanout)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex };
	uint32_t block = frame_size > VNET_BLOCK_SIZE ? VNET_LRO_BLOCK_SIZE : VNET_BLOCK_SIZE;
	uint32_t per_block = block / frame_size;
	struct tpacket_req req = { .tp_block_size = block, .tp_frame_size = frame_size,
		.tp_block_nr = (frames + per_block - 1) / per_block };
	int sndbuf = 8 << 20;

	req.tp_frame_nr = req.tp_block_nr * per_block;
	q->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (q->fd < 0)
		return -errno;
	/* the header option comes before the ring, which sizes frames by it */
	if (sockopt(q->fd, PACKET_VERSION, TPACKET_V2) < 0 ||
			sockopt(q->fd, PACKET_VNET_HDR, 1) < 0 ||
			sockopt(q->fd, PACKET_IGNORE_OUTGOING, 1) < 0 ||
			setsockopt(q->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0 ||
			setsockopt(q->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -errno;
	q->frames = req.tp_frame_nr;
	q->frame_size = frame_size;
	q->block_size = block;
	q->per_block = per_block;
	q->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	q->ring = mmap(NULL, q->ring_len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_LOCKED | MAP_POPULATE, q->fd, 0);
	if (q->ring == MAP_FAILED) {
		q->ring = NULL;
		return -errno;
	}
	q->block = q->frame = q->ring;
	q->in_block = 0;
	if (bind(q->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	if (fanout && sockopt(q->fd, PACKET_FANOUT,
			fanout_id | (PACKET_FANOUT_HASH << 16)) < 0)
		return -errno;
	return 0;
}

static void
close_queue(struct vnet_queue *q)
{
	if (q->ring != NULL)
		munmap(q->ring, q->ring_len);
	if (q->fd >= 0)
		close(q->fd);
	q->ring = NULL;
	q->fd = -1;
}

int
port_vnet_start(struct sl_port *port, const struct sl_port_conf *pc, unsigned int workers)
{
	const struct sl_port_profile *prof = &port->profile;
	unsigned int i, nq = RTE_MIN(workers, (unsigned int)prof->max_queues);
	unsigned int frames = (unsigned int)(pc->rx_desc ? pc->rx_desc : prof->rx_desc);
	bool lro = sl_port_rx_offload_bits(prof) & RTE_ETH_RX_OFFLOAD_TCP_LRO;
	/* a frame: MTU-sized (a power of two, so blocks hold them whole), or
	 * a 64 KiB TCP segment with its Ethernet header and a VLAN tag */
	uint32_t frame_size = lro ? RTE_ALIGN_CEIL(UINT16_MAX + RTE_ETHER_HDR_LEN + 4 +
			VNET_FRAME_OVERHEAD, TPACKET_ALIGNMENT) :
		rte_align32pow2(port->mtu + RTE_ETHER_HDR_LEN + 4 + VNET_FRAME_OVERHEAD);
	struct port_vnet *v;
	int ifindex = 0, mtu = 0, rc;

	if (nq < workers) {
		PORT_LOG(ERR, "%s: %u queues at most for %u workers", port->name, nq, workers);
		return -ENOTSUP;
	}
	rc = iface_info(pc->iface, &ifindex, &port->mac, &mtu);
	if (rc < 0) {
		PORT_LOG(ERR, "%s: interface %s: %s", port->name, pc->iface, strerror(-rc));
		return rc;
	}
	if (mtu < port->mtu)
		PORT_LOG(WARNING, "%s: %s has MTU %d, the port %u: larger frames are lost",
				port->name, pc->iface, mtu, port->mtu);
	v = rte_zmalloc("sl_port_vnet", sizeof(*v) + nq * sizeof(v->q[0]), RTE_CACHE_LINE_SIZE);
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < nq; i++)
		v->q[i].fd = -1;
	v->nb_queues = nq;
	port->vnet = v;
	for (i = 0; i < nq && rc == 0; i++)
		rc = open_queue(&v->q[i], ifindex, frames, frame_size,
				(getpid() ^ ifindex) & 0xffff, nq > 1);
	if (rc < 0) {
		PORT_LOG(ERR, "%s: AF_PACKET socket on %s: %s", port->name, pc->iface,
				strerror(-rc));
		return rc;
	}
	port->nb_rxq = port->nb_txq = (uint16_t)nq;
	port->rx_offloads = lro ? RTE_ETH_RX_OFFLOAD_TCP_LRO : 0;
	port->tx_offloads = sl_port_tx_offload_bits(prof) & (RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	port->tx_seg_max = VNET_TX_IOV - 1;
	port->attached = true;
	PORT_LOG(INFO, "%s: vnet on %s (AF_PACKET, %u queue(s), rings of %u %u-byte frames%s)",
			port->name, pc->iface, nq, v->q[0].frames, frame_size, lro ? ", LRO" : "");
	return 0;
}

void
port_vnet_stop(struct sl_port *port)
{
	unsigned int i;

	if (port->vnet == NULL)
		return;
	for (i = 0; i < port->vnet->nb_queues; i++)
		close_queue(&port->vnet->q[i]);
	rte_free(port->vnet);
	port->vnet = NULL;
}


/* Copy a received frame into a chain of mbufs; NULL if the pool ran dry. */
static struct rte_mbuf *
frame_to_mbuf(struct rte_mempool *mp, const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *segs[VNET_RX_SEGS_MAX];
	uint32_t room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	uint32_t i, nb = (len + room - 1) / room, done = 0;

	if (nb == 0 || nb > RTE_DIM(segs) || rte_pktmbuf_alloc_bulk(mp, segs, nb) != 0)
		return NULL;
	for (i = 0; i < nb; i++) {
		uint16_t n = (uint16_t)RTE_MIN(len - done, room);

		rte_memcpy(rte_pktmbuf_mtod(segs[i], void *), frame + done, n);
		segs[i]->data_len = n;
		segs[i]->next = i + 1 < nb ? segs[i + 1] : NULL;
		done += n;
	}
	segs[0]->pkt_len = len;
	segs[0]->nb_segs = (uint16_t)nb;
	return segs[0];
}

/* The kernel took the 802.1Q tag out of the frame (into the ring's
 * header): put it back, as a port that does not strip tags delivers it. */
static struct rte_mbuf *
vlan_restore(struct rte_mbuf *m, uint16_t tci)
{
	m->vlan_tci = tci;
	if (rte_vlan_insert(&m) != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* Blocks hold whole frames, the rest of a block unused. */
static inline void
next_frame(struct vnet_queue *q)
{
	if (++q->in_block < q->per_block) {
		q->frame += q->frame_size;
		return;
	}
	q->in_block = 0;
	q->block += q->block_size;
	if (q->block == q->ring + q->ring_len)
		q->block = q->ring;
	q->frame = q->block;
}

/* What the kernel says of a received frame, as a NIC's descriptor would;
 * false for a super-segment of a kind a NIC's LRO never makes. */
static bool
rx_offload_flags(struct rte_mbuf *m, const struct virtio_net_hdr *vh)
{
	/* A local sender on a link with checksum offload leaves the sum
	 * partial (the pseudo-header's): the data are sound, the field is not
	 * (net completes it if it forwards the packet). */
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
	else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	switch (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		m->ol_flags |= RTE_MBUF_F_RX_LRO;
		m->tso_segsz = vh->gso_size;
		return vh->gso_size != 0;
	default:
		return false;
	}
}

uint16_t
port_vnet_rx(struct port_vnet *v, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct vnet_queue *q = &v->q[queue];
	struct rte_mempool *mp = sl_port_pool();
	uint16_t got = 0;

	while (got < n) {
		struct tpacket2_hdr *h = (struct tpacket2_hdr *)q->frame;
		const struct virtio_net_hdr *vh;
		struct rte_mbuf *m;

		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			break;
		vh = (const struct virtio_net_hdr *)((uint8_t *)h + h->tp_mac - sizeof(*vh));
		if (h->tp_snaplen != h->tp_len) {
			q->st.ierrors++; /* larger than a ring frame */
			m = NULL;
		} else {
			m = frame_to_mbuf(mp, (uint8_t *)h + h->tp_mac, h->tp_snaplen);
			if (m == NULL)
				q->st.rx_nombuf++;
			else if (h->tp_status & TP_STATUS_VLAN_VALID)
				m = vlan_restore(m, h->tp_vlan_tci);
		}
		if (m != NULL && !rx_offload_flags(m, vh)) {
			q->st.ierrors++;
			rte_pktmbuf_free(m);
			m = NULL;
		}
		if (m != NULL) {
			q->st.ipackets++;
			q->st.ibytes += m->pkt_len;
			pkts[got++] = m;
		}
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		next_frame(q);
	}
	return got;
}

/* The virtio-net header asking the kernel for what m's flags ask of a NIC. */
static void
tx_header(struct rte_mbuf *m, struct virtio_net_hdr *vh)
{
	memset(vh, 0, sizeof(*vh));
	if (!(m->ol_flags & (RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG)))
		return;
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = (uint16_t)(m->l2_len + m->l3_len);
	vh->csum_offset = offsetof(struct rte_tcp_hdr, cksum);
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *,
				vh->csum_start);
		uint32_t sum = th->cksum + rte_cpu_to_be_16((uint16_t)(m->pkt_len - vh->csum_start));

		vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		vh->gso_size = m->tso_segsz;
		vh->hdr_len = (uint16_t)(vh->csum_start + m->l4_len);
		/* Linux adjusts the pseudo-header sum from the whole length to
		 * each segment's; DPDK's convention leaves the length out. */
		sum = (sum & 0xffff) + (sum >> 16);
		th->cksum = (uint16_t)((sum & 0xffff) + (sum >> 16));
	}
}

uint16_t
port_vnet_tx(struct port_vnet *v, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct vnet_queue *q = &v->q[queue];
	struct mmsghdr msgs[SL_PORT_BURST + 1];
	struct virtio_net_hdr vh[SL_PORT_BURST + 1];
	struct iovec iov[SL_PORT_BURST + 1][VNET_TX_IOV];
	uint16_t i, done = 0;

	n = RTE_MIN(n, (uint16_t)RTE_DIM(msgs));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *seg;
		unsigned int k = 1;

		tx_header(pkts[i], &vh[i]);
		iov[i][0] = (struct iovec){ &vh[i], sizeof(vh[i]) };
		for (seg = pkts[i]; seg != NULL && k < VNET_TX_IOV; seg = seg->next, k++)
			iov[i][k] = (struct iovec){ rte_pktmbuf_mtod(seg, void *), seg->data_len };
		if (seg != NULL)
			k = 0; /* more segments than iovecs: refused below */
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = iov[i];
		msgs[i].msg_hdr.msg_iovlen = k;
	}
	while (done < n) {
		int rc = msgs[done].msg_hdr.msg_iovlen == 0 ? -1 :
				sendmmsg(q->fd, &msgs[done], n - done, MSG_DONTWAIT);

		if (rc > 0) {
			for (i = done; i < done + rc; i++) {
				q->st.opackets++;
				q->st.obytes += pkts[i]->pkt_len;
				rte_pktmbuf_free(pkts[i]);
			}
			done = (uint16_t)(done + rc);
			continue;
		}
		if (msgs[done].msg_hdr.msg_iovlen != 0 && (errno == EAGAIN || errno == ENOBUFS))
			break; /* full: the caller counts and frees the rest */
		q->st.oerrors++; /* this one was refused: drop it, go on */
		rte_pktmbuf_free(pkts[done]);
		done++;
	}
	return done;
}

void
port_vnet_stats(struct port_vnet *v, struct rte_eth_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < v->nb_queues; i++) {
		struct vnet_queue *q = &v->q[i];
		struct tpacket_stats ks;
		socklen_t len = sizeof(ks);

		/* the kernel's ring drops: reading resets them, so add them up */
		if (getsockopt(q->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
			__atomic_add_fetch(&q->ring_drops, ks.tp_drops, __ATOMIC_RELAXED);
		st->ipackets += q->st.ipackets;
		st->opackets += q->st.opackets;
		st->ibytes += q->st.ibytes;
		st->obytes += q->st.obytes;
		st->imissed += __atomic_load_n(&q->ring_drops, __ATOMIC_RELAXED);
		st->ierrors += q->st.ierrors;
		st->oerrors += q->st.oerrors;
		st->rx_nombuf += q->st.rx_nombuf;
	}
}
