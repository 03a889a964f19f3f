/* SPDX-License-Identifier: BSD-3-Clause */
/* Port configuration and ethdev bring-up: see sl_port.h. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_thash.h>

#include "sl_counters.h"
#include "sl_port.h"
#include "port_priv.h"

RTE_LOG_REGISTER(sl_port_logtype, sluice.port, INFO);

struct sl_ports_conf sl_ports_conf;
struct sl_port sl_ports[SL_PORT_MAX];
unsigned int sl_n_ports;
static struct rte_mempool *pool;     /* received frames and data */
static struct rte_mempool *ctl_pool; /* headers the stack builds: never starved by data */
static bool vdev_created[SL_PORT_MAX];

#define CTL_POOL_CACHE 64

static const struct sl_conf_key port_keys[] = {
	SL_KEY_STR(struct sl_port_conf, name, SL_CONF_REQUIRED, NULL, "port name"),
	SL_KEY_STR(struct sl_port_conf, profile, SL_CONF_REQUIRED, NULL,
			"drivers-conf profile (file name without .conf)"),
	SL_KEY_STR(struct sl_port_conf, iface, 0, "", "kernel interface (af_packet, tap)"),
	SL_KEY_STR(struct sl_port_conf, pci, 0, "", "PCI address (hardware profiles)"),
	SL_KEY_STR(struct sl_port_conf, devargs, 0, "", "extra device arguments"),
	SL_KEY_PREFIX(struct sl_port_conf, address, SL_CONF_REQUIRED, NULL,
			"the port's IPv4 address and connected subnet, a.b.c.d/len"),
	SL_KEY_INT(struct sl_port_conf, mtu, 68, 9600, 1500, "IP MTU"),
	SL_KEY_INT(struct sl_port_conf, rx_desc, 0, 32768, 0, "rx descriptors; 0: profile"),
	SL_KEY_INT(struct sl_port_conf, tx_desc, 0, 32768, 0, "tx descriptors; 0: profile"),
	SL_KEY_INT(struct sl_port_conf, reorder_pct, 0, 50, 0,
			"TEST ONLY: percent of frames sent after the next one"),
	SL_KEY_INT(struct sl_port_conf, rx_drop_pct, 0, 50, 0,
			"TEST ONLY: percent of received frames dropped"),
	SL_KEY_END,
};

static const struct sl_conf_key ports_keys[] = {
	SL_KEY_STR(struct sl_ports_conf, profiles_dir, 0, SL_DRIVERS_CONF_DIR,
			"where drivers-conf profiles are read from"),
	SL_KEY_INT(struct sl_ports_conf, mbufs, 1023, 16777215, 16383, "mbufs in the pool"),
	SL_KEY_INT(struct sl_ports_conf, mbuf_cache, 0, 512, 256, "per-lcore mbuf cache"),
	SL_KEY_INT(struct sl_ports_conf, control_mbufs, 255, 1048575, 4095,
			"small mbufs for the headers of sent segments, ACKs, ARP, ICMP"),
	SL_KEY_LIST(struct sl_ports_conf, list, n_ports, port_keys, SL_CONF_REQUIRED,
			"the ports"),
	SL_KEY_END,
};

int
sl_port_conf_register(void)
{
	return sl_conf_register("ports", ports_keys, &sl_ports_conf, sizeof(sl_ports_conf));
}

/* The path of key `key` of port i, for errors at its line. */
static const char *
key_path(char *buf, size_t size, unsigned int i, const char *key)
{
	snprintf(buf, size, "ports.list[%u].%s", i, key);
	return buf;
}

static bool
subnets_overlap(const struct sl_conf_prefix *a, const struct sl_conf_prefix *b)
{
	uint8_t depth = RTE_MIN(a->depth, b->depth);
	uint32_t mask = rte_cpu_to_be_32(~0u << (32 - depth));

	return ((a->addr ^ b->addr) & mask) == 0;
}

static int
validate_address(unsigned int i, struct sl_conf_error *err)
{
	const struct sl_port_conf *pc = &sl_ports_conf.list[i];
	uint32_t host = rte_be_to_cpu_32(pc->address.addr);
	uint32_t hostmask = ~0u >> pc->address.depth;
	char path[64];
	unsigned int j;

	key_path(path, sizeof(path), i, "address");
	if (pc->address.depth == 0 || pc->address.depth > 30)
		return sl_conf_error_at(err, path, "subnet must be /1 to /30");
	if ((host & hostmask) == 0 || (host & hostmask) == hostmask)
		return sl_conf_error_at(err, path, "is the subnet's network or broadcast address");
	for (j = 0; j < i; j++)
		if (subnets_overlap(&sl_ports_conf.list[j].address, &pc->address))
			return sl_conf_error_at(err, path, "overlaps the subnet of port '%s'",
					sl_ports_conf.list[j].name);
	return 0;
}

static int
validate_profile(unsigned int i, struct sl_port_profile *prof, struct sl_conf_error *err)
{
	const struct sl_port_conf *pc = &sl_ports_conf.list[i];
	bool scatter = false;
	char file[512], path[64], devargs[512];
	unsigned int j;

	key_path(path, sizeof(path), i, "profile");
	snprintf(file, sizeof(file), "%s/%s.conf", sl_ports_conf.profiles_dir, pc->profile);
	if (strchr(pc->profile, '/') != NULL || pc->profile[0] == '.' || access(file, R_OK) != 0)
		return sl_conf_error_at(err, path, "no readable profile '%s' in %s", pc->profile,
				sl_ports_conf.profiles_dir);
	if (sl_port_profile_load(pc->profile, prof, err) < 0)
		return -EINVAL; /* reported at the profile's own file and line */
	if (strcmp(prof->bus, "sluice") == 0 && strcmp(prof->driver, "vnet") != 0)
		return sl_conf_error_at(err, path, "profile '%s': bus 'sluice' has only the "
				"driver 'vnet'", pc->profile);
	/* an interface named in the devargs, or the one vnet opens */
	if ((strstr(prof->devargs, "{iface}") != NULL || strcmp(prof->bus, "sluice") == 0) &&
			pc->iface[0] == '\0')
		return sl_conf_error_at(err, path, "profile '%s' needs 'iface' in the port",
				pc->profile);
	if (strcmp(prof->bus, "pci") == 0 && pc->pci[0] == '\0')
		return sl_conf_error_at(err, path, "profile '%s' needs 'pci' in the port",
				pc->profile);
	if (sl_port_devargs(prof, pc, i, 1, devargs, sizeof(devargs)) < 0)
		return sl_conf_error_at(err, path, "devargs of profile '%s' do not expand",
				pc->profile);
	for (j = 0; j < prof->n_rx_offloads; j++)
		scatter |= strcmp(prof->rx_offloads[j], "scatter") == 0;
	if (!scatter && pc->mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN >
			RTE_MBUF_DEFAULT_DATAROOM)
		return sl_conf_error_at(err, key_path(path, sizeof(path), i, "mtu"),
				"%" PRId64 " needs frames beyond one mbuf; the profile lacks the "
				"'scatter' rx offload", pc->mtu);
	return 0;
}

static int
validate_one(unsigned int i, struct sl_port_profile *prof, struct sl_conf_error *err)
{
	const struct sl_port_conf *pc = &sl_ports_conf.list[i];
	char path[64];
	unsigned int j;
	int rc;

	key_path(path, sizeof(path), i, "name");
	if (pc->name[0] == '\0')
		return sl_conf_error_at(err, path, "must not be empty");
	for (j = 0; j < i; j++)
		if (strcmp(sl_ports_conf.list[j].name, pc->name) == 0)
			return sl_conf_error_at(err, path, "'%s' names another port too", pc->name);
	rc = validate_address(i, err);
	if (rc == 0)
		rc = validate_profile(i, prof, err);
	return rc;
}

int
sl_port_validate(struct sl_conf_error *err)
{
	struct sl_port_profile prof;
	unsigned int i;
	int rc;

	memset(err, 0, sizeof(*err));
	if (sl_ports_conf.n_ports == 0)
		return sl_conf_error_at(err, "ports.list", "at least one port is needed");
	for (i = 0; i < sl_ports_conf.n_ports; i++) {
		rc = validate_one(i, &prof, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static uint64_t
offload_bits(const char names[][24], unsigned int n, bool tx)
{
	static const uint64_t rx_bits[] = { RTE_ETH_RX_OFFLOAD_IPV4_CKSUM,
		RTE_ETH_RX_OFFLOAD_TCP_CKSUM, RTE_ETH_RX_OFFLOAD_UDP_CKSUM,
		RTE_ETH_RX_OFFLOAD_SCATTER, RTE_ETH_RX_OFFLOAD_TCP_LRO };
	static const uint64_t tx_bits[] = { RTE_ETH_TX_OFFLOAD_IPV4_CKSUM,
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM, RTE_ETH_TX_OFFLOAD_UDP_CKSUM,
		RTE_ETH_TX_OFFLOAD_TCP_TSO, RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
		RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE };
	const char *const *table = tx ? sl_port_tx_offload_names : sl_port_rx_offload_names;
	const uint64_t *bits = tx ? tx_bits : rx_bits;
	uint64_t out = 0;
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; table[j] != NULL; j++)
			if (strcmp(names[i], table[j]) == 0)
				out |= bits[j];
	return out;
}

uint64_t
sl_port_tx_offload_bits(const struct sl_port_profile *prof)
{
	return offload_bits(prof->tx_offloads, prof->n_tx_offloads, true);
}

uint64_t
sl_port_rx_offload_bits(const struct sl_port_profile *prof)
{
	return offload_bits(prof->rx_offloads, prof->n_rx_offloads, false);
}

static uint64_t
rss_bits(const struct sl_port_profile *p)
{
	static const uint64_t bits[] = { RTE_ETH_RSS_IPV4, RTE_ETH_RSS_NONFRAG_IPV4_TCP,
		RTE_ETH_RSS_NONFRAG_IPV4_UDP, RTE_ETH_RSS_IPV6 };
	uint64_t out = 0;
	unsigned int i, j;

	for (i = 0; i < p->n_rss_types; i++)
		for (j = 0; sl_port_rss_type_names[j] != NULL; j++)
			if (strcmp(p->rss_types[i], sl_port_rss_type_names[j]) == 0)
				out |= bits[j];
	return out;
}

/* Create (vdev) or probe (pci) the device; returns its ethdev id. */
static int
attach_device(struct sl_port *port, const struct sl_port_conf *pc, unsigned int queues)
{
	const struct sl_port_profile *prof = &port->profile;
	char devargs[512], name[64];
	uint16_t id;
	int rc;

	rc = sl_port_devargs(prof, pc, port->index, queues, devargs, sizeof(devargs));
	if (rc < 0)
		return rc;
	if (strcmp(prof->bus, "vdev") == 0) {
		snprintf(name, sizeof(name), "%s_sl%u", prof->driver, port->index);
		rc = rte_vdev_init(name, devargs);
		if (rc == 0)
			vdev_created[port->index] = true;
		else if (rc == -1)
			rc = -ENODEV; /* the PMD refused to probe; it logged why */
	} else {
		char probe[600];

		snprintf(name, sizeof(name), "%s", pc->pci);
		snprintf(probe, sizeof(probe), "%s%s%s", pc->pci, devargs[0] ? "," : "", devargs);
		rc = rte_dev_probe(probe);
		if (rc == -EEXIST)
			rc = 0;
	}
	if (rc < 0) {
		PORT_LOG(ERR, "%s: cannot attach %s (%s): %s", pc->name, name, devargs,
				rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_get_port_by_name(name, &id);
	if (rc < 0) {
		PORT_LOG(ERR, "%s: device %s has no ethdev port", pc->name, name);
		return rc;
	}
	PORT_LOG(INFO, "%s: %s attached as ethdev %u (%s)", pc->name, name, id, devargs);
	return id;
}

/* Decide the queue counts, degrading with a warning where the PMD cannot comply. */
static int
plan_queues(struct sl_port *port, const struct rte_eth_dev_info *info, unsigned int workers)
{
	const struct sl_port_profile *prof = &port->profile;
	unsigned int rxq = workers;

	if (info->max_tx_queues < workers) {
		PORT_LOG(ERR, "%s: PMD has %u tx queues, %u workers need one each", port->name,
				info->max_tx_queues, workers);
		return -ENOTSUP;
	}
	if (rxq > 1 && !prof->rx_fanout) {
		if (!prof->rss || info->flow_type_rss_offloads == 0) {
			PORT_LOG(WARNING, "%s: no RSS: only worker 0 receives on this port",
					port->name);
			rxq = 1;
		} else if (info->max_rx_queues < rxq) {
			PORT_LOG(WARNING, "%s: PMD has %u rx queues for %u workers", port->name,
					info->max_rx_queues, workers);
			rxq = info->max_rx_queues;
		}
	}
	port->nb_rxq = (uint16_t)RTE_MIN(rxq, (unsigned int)prof->max_queues);
	port->nb_txq = (uint16_t)workers;
	return 0;
}

static void
plan_rss(struct sl_port *port, const struct rte_eth_dev_info *info, struct rte_eth_conf *conf,
		uint8_t *key)
{
	const struct sl_port_profile *prof = &port->profile;
	uint64_t want = rss_bits(prof);
	int key_len;

	if (port->nb_rxq < 2 || !prof->rss)
		return;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_hf = want & info->flow_type_rss_offloads;
	if (conf->rx_adv_conf.rss_conf.rss_hf != want)
		PORT_LOG(WARNING, "%s: RSS hash types 0x%" PRIx64 " not supported, using 0x%"
				PRIx64, port->name, want, conf->rx_adv_conf.rss_conf.rss_hf);
	key_len = sl_port_rss_key_parse(prof->rss_key, key, 64);
	if (key_len > 0 && (info->hash_key_size == 0 || key_len == info->hash_key_size)) {
		conf->rx_adv_conf.rss_conf.rss_key = key;
		conf->rx_adv_conf.rss_conf.rss_key_len = (uint8_t)key_len;
	} else if (key_len > 0) {
		PORT_LOG(WARNING, "%s: RSS key of %d bytes, PMD wants %u: using the PMD's key",
				port->name, key_len, info->hash_key_size);
	}
}

/* Remember the key and table the NIC uses, for software steering. */
static void
learn_rss(struct sl_port *port, const struct rte_eth_dev_info *info)
{
	struct rte_eth_rss_reta_entry64 reta[512 / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_rss_conf conf = { .rss_key = port->rss_key, .rss_key_len = 64 };
	uint16_t i;

	port->rss_steering = false;
	if (port->nb_rxq < 2 || !port->profile.rss || info->reta_size == 0 ||
			info->reta_size > 512)
		return;
	if (rte_eth_dev_rss_hash_conf_get(port->ethdev, &conf) < 0 || conf.rss_key_len < 40)
		return;
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < info->reta_size / RTE_ETH_RETA_GROUP_SIZE; i++)
		reta[i].mask = UINT64_MAX;
	if (rte_eth_dev_rss_reta_query(port->ethdev, reta, info->reta_size) < 0)
		return;
	for (i = 0; i < info->reta_size; i++)
		port->reta[i] = reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	port->rss_key_len = conf.rss_key_len;
	port->reta_size = info->reta_size;
	port->rss_steering = true;
	PORT_LOG(INFO, "%s: RSS steering: %u-byte key, %u-entry table", port->name,
			port->rss_key_len, port->reta_size);
}

uint32_t
sl_port_toeplitz(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport,
		uint16_t dport)
{
	uint32_t tuple[3] = { rte_be_to_cpu_32(src), rte_be_to_cpu_32(dst),
		(uint32_t)rte_be_to_cpu_16(sport) << 16 | rte_be_to_cpu_16(dport) };

	return rte_softrss(tuple, RTE_DIM(tuple), key);
}

int
sl_port_rss_queue(const struct sl_port *p, uint32_t src, uint32_t dst, uint16_t sport,
		uint16_t dport)
{
	if (!p->rss_steering)
		return -1;
	return p->reta[sl_port_toeplitz(p->rss_key, src, dst, sport, dport) % p->reta_size];
}

static void
plan_offloads(struct sl_port *port, const struct rte_eth_dev_info *info,
		struct rte_eth_conf *conf)
{
	const struct sl_port_profile *prof = &port->profile;
	uint64_t rx = sl_port_rx_offload_bits(prof);
	uint64_t tx = sl_port_tx_offload_bits(prof);

	if ((rx & info->rx_offload_capa) != rx)
		PORT_LOG(WARNING, "%s: rx offloads 0x%" PRIx64 " not supported, doing them in "
				"software", port->name, rx & ~info->rx_offload_capa);
	if ((tx & info->tx_offload_capa) != tx)
		PORT_LOG(WARNING, "%s: tx offloads 0x%" PRIx64 " not supported, doing them in "
				"software", port->name, tx & ~info->tx_offload_capa);
	conf->rxmode.offloads = rx & info->rx_offload_capa;
	if (conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		conf->rxmode.max_lro_pkt_size = RTE_MIN(info->max_lro_pkt_size, (uint32_t)UINT16_MAX);
	conf->txmode.offloads = tx & info->tx_offload_capa;
	port->rx_offloads = conf->rxmode.offloads;
	port->tx_offloads = conf->txmode.offloads;
	port->tx_seg_max = RTE_MAX(info->tx_desc_lim.nb_seg_max, (uint16_t)2);
}

static int
setup_queues(struct sl_port *port, const struct sl_port_conf *pc)
{
	uint16_t nb_rxd = (uint16_t)(pc->rx_desc ? pc->rx_desc : port->profile.rx_desc);
	uint16_t nb_txd = (uint16_t)(pc->tx_desc ? pc->tx_desc : port->profile.tx_desc);
	int socket = rte_eth_dev_socket_id(port->ethdev);
	uint16_t q;
	int rc;

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port->ethdev, &nb_rxd, &nb_txd);
	if (rc < 0)
		return rc;
	for (q = 0; q < port->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(port->ethdev, q, nb_rxd, socket, NULL, pool);
		if (rc < 0)
			return rc;
	}
	for (q = 0; q < port->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(port->ethdev, q, nb_txd, socket, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
start_port(struct sl_port *port, const struct sl_port_conf *pc, unsigned int workers)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint8_t key[64];
	int rc;

	if (strcmp(port->profile.bus, "sluice") == 0)
		return port_vnet_start(port, pc, workers);
	rc = attach_device(port, pc, workers);
	if (rc < 0)
		return rc;
	port->ethdev = (uint16_t)rc;
	port->attached = true;
	rc = rte_eth_dev_info_get(port->ethdev, &info);
	if (rc < 0)
		return rc;
	rc = plan_queues(port, &info, workers);
	if (rc < 0)
		return rc;
	plan_rss(port, &info, &conf, key);
	plan_offloads(port, &info, &conf);
	rc = rte_eth_dev_configure(port->ethdev, port->nb_rxq, port->nb_txq, &conf);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_set_mtu(port->ethdev, port->mtu);
	if (rc < 0 && rc != -ENOTSUP)
		PORT_LOG(WARNING, "%s: cannot set MTU %u: %s", port->name, port->mtu,
				rte_strerror(-rc));
	rc = setup_queues(port, pc);
	if (rc < 0)
		return rc;
	rc = rte_eth_macaddr_get(port->ethdev, &port->mac);
	if (rc < 0)
		return rc;
	if (rte_is_zero_ether_addr(&port->mac)) {
		/* Some virtual PMDs (ring, null) have none: make a local one. */
		rte_eth_random_addr(port->mac.addr_bytes);
		rte_eth_dev_default_mac_addr_set(port->ethdev, &port->mac);
	}
	if (port->profile.promiscuous)
		rte_eth_promiscuous_enable(port->ethdev);
	rc = rte_eth_dev_start(port->ethdev);
	if (rc < 0)
		return rc;
	learn_rss(port, &info);
	PORT_LOG(INFO, "%s: up, " RTE_ETHER_ADDR_PRT_FMT ", %u rx / %u tx queues, mtu %u",
			port->name, RTE_ETHER_ADDR_BYTES(&port->mac), port->nb_rxq, port->nb_txq,
			port->mtu);
	return 0;
}

int
sl_port_init(void)
{
	struct sl_conf_error err;
	unsigned int i, workers = sl_lcore_worker_count();
	int rc;

	rc = sl_port_validate(&err);
	if (rc < 0) {
		PORT_LOG(ERR, "%s:%d: %s", err.file, err.line, err.msg);
		return rc;
	}
	pool = rte_pktmbuf_pool_create("sl_mbufs", (unsigned int)sl_ports_conf.mbufs,
			(unsigned int)sl_ports_conf.mbuf_cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			(int)rte_socket_id());
	if (pool == NULL) {
		PORT_LOG(ERR, "cannot create the mbuf pool: %s", rte_strerror(rte_errno));
		return -rte_errno;
	}
	ctl_pool = rte_pktmbuf_pool_create("sl_ctl_mbufs", (unsigned int)sl_ports_conf.control_mbufs,
			CTL_POOL_CACHE, 0, RTE_PKTMBUF_HEADROOM + SL_PORT_CTL_ROOM,
			(int)rte_socket_id());
	if (ctl_pool == NULL) {
		PORT_LOG(ERR, "cannot create the control mbuf pool: %s", rte_strerror(rte_errno));
		rc = -rte_errno;
		rte_mempool_free(pool);
		pool = NULL;
		return rc;
	}
	for (i = 0; i < sl_ports_conf.n_ports; i++) {
		const struct sl_port_conf *pc = &sl_ports_conf.list[i];
		struct sl_port *port = &sl_ports[i];

		memset(port, 0, sizeof(*port));
		port->index = (uint16_t)i;
		snprintf(port->name, sizeof(port->name), "%s", pc->name);
		port->addr = pc->address.addr;
		port->depth = pc->address.depth;
		port->mtu = (uint16_t)pc->mtu;
		port->reorder_pct = (uint32_t)pc->reorder_pct;
		port->rx_drop_pct = (uint32_t)pc->rx_drop_pct;
		if (port->reorder_pct != 0 || port->rx_drop_pct != 0)
			PORT_LOG(WARNING, "%s: TEST impairment on: %u%% of sent frames reordered, "
					"%u%% of received frames dropped", pc->name,
					port->reorder_pct, port->rx_drop_pct);
		sl_port_profile_load(pc->profile, &port->profile, &err);
		sl_n_ports = i + 1;
		rc = start_port(port, pc, workers);
		if (rc < 0) {
			PORT_LOG(ERR, "%s: bring-up failed: %s", pc->name, rte_strerror(-rc));
			sl_port_term();
			return rc;
		}
	}
	return sl_port_telemetry_init();
}

void
sl_port_term(void)
{
	unsigned int i;

	for (i = 0; i < sl_n_ports; i++) {
		struct sl_port *port = &sl_ports[i];
		char name[RTE_ETH_NAME_MAX_LEN];

		if (port->vnet != NULL) {
			port_vnet_stop(port);
			port->attached = false;
			continue;
		}
		if (!port->attached || rte_eth_dev_get_name_by_port(port->ethdev, name) < 0)
			continue;
		port->attached = false;
		rte_eth_dev_stop(port->ethdev);
		rte_eth_dev_close(port->ethdev);
		if (vdev_created[i])
			rte_vdev_uninit(name);
		vdev_created[i] = false;
	}
	sl_n_ports = 0;
	rte_mempool_free(pool);
	pool = NULL;
	rte_mempool_free(ctl_pool);
	ctl_pool = NULL;
}

unsigned int
sl_port_count(void)
{
	return sl_n_ports;
}

const struct sl_port *
sl_port_get(uint16_t index)
{
	return index < sl_n_ports ? &sl_ports[index] : NULL;
}

int
sl_port_set_impairment(uint16_t index, uint32_t reorder_pct, uint32_t rx_drop_pct)
{
	struct sl_port *p;

	if (index >= sl_n_ports || reorder_pct > 50 || rx_drop_pct > 50)
		return -EINVAL;
	p = &sl_ports[index];
	/* Workers read these on every burst; aligned 32-bit stores are whole. */
	__atomic_store_n(&p->reorder_pct, reorder_pct, __ATOMIC_RELAXED);
	__atomic_store_n(&p->rx_drop_pct, rx_drop_pct, __ATOMIC_RELAXED);
	sl_ports_conf.list[index].reorder_pct = reorder_pct;
	sl_ports_conf.list[index].rx_drop_pct = rx_drop_pct;
	return 0;
}

const struct sl_port *
sl_port_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < sl_n_ports; i++)
		if (strcmp(sl_ports[i].name, name) == 0)
			return &sl_ports[i];
	return NULL;
}

struct rte_mempool *
sl_port_pool(void)
{
	return pool;
}

struct rte_mempool *
sl_port_ctl_pool(void)
{
	return ctl_pool;
}

void
sl_port_flush(struct sl_lcore *lc)
{
	unsigned int i;

	for (i = 0; i < sl_n_ports; i++)
		sl_port_flush_one(lc, &sl_ports[i]);
}

uint16_t
sl_port_impair_rx(struct sl_lcore *lc, const struct sl_port *p, struct rte_mbuf **pkts,
		uint16_t n)
{
	uint16_t i, kept = 0;

	for (i = 0; i < n; i++) {
		if (rte_rand_max(100) < p->rx_drop_pct) {
			lc->port.stats[p->index].rx_impair_drops++;
			rte_pktmbuf_free(pkts[i]);
		} else {
			pkts[kept++] = pkts[i];
		}
	}
	return kept;
}

void
sl_port_impair(struct sl_lcore *lc, const struct sl_port *p)
{
	struct sl_port_txbuf *b = &lc->port.tx[p->index];
	struct rte_mbuf *out[SL_PORT_BURST + 1];
	uint16_t i, n = 0;

	/* A held frame goes after the next one, or alone if nothing follows. */
	for (i = 0; i < b->n; i++) {
		if (b->held != NULL) {
			out[n++] = b->pkts[i];
			out[n++] = b->held;
			b->held = NULL;
		} else if (rte_rand_max(100) < p->reorder_pct) {
			b->held = b->pkts[i];
			lc->port.stats[p->index].tx_reordered++;
		} else {
			out[n++] = b->pkts[i];
		}
	}
	if (b->n == 0 && b->held != NULL) {
		out[n++] = b->held;
		b->held = NULL;
	}
	/* out holds at most one more than pkts: send the extra at once. */
	if (n > SL_PORT_BURST) {
		uint16_t sent = sl_port_tx_burst(p, lc->worker_id, out, 1);

		lc->port.stats[p->index].tx_packets += sent;
		if (sent == 0) {
			lc->port.stats[p->index].tx_full++;
			rte_pktmbuf_free(out[0]);
		}
		memmove(out, out + 1, --n * sizeof(out[0]));
	}
	memcpy(b->pkts, out, n * sizeof(out[0]));
	b->n = n;
}

void
sl_port_stats_sum(uint16_t index, struct sl_port_queue_stats *sum)
{
	struct sl_lcore *lc;

	memset(sum, 0, sizeof(*sum));
	SL_WORKER_FOREACH(lc)
		sl_counters_add((uint64_t *)sum, &lc->port.stats[index], SL_COUNTERS_N(*sum));
}

int
sl_port_dev_stats(const struct sl_port *p, struct rte_eth_stats *st)
{
	if (p->vnet != NULL) {
		port_vnet_stats(p->vnet, st);
		return 0;
	}
	if (p->attached && rte_eth_stats_get(p->ethdev, st) == 0)
		return 0;
	memset(st, 0, sizeof(*st));
	return -ENODEV;
}

void
sl_port_report(FILE *f)
{
	unsigned int i;

	for (i = 0; i < sl_n_ports; i++) {
		struct rte_eth_stats st;

		sl_port_dev_stats(&sl_ports[i], &st);
		fprintf(f, "port %s: rx %" PRIu64 " tx %" PRIu64 " imissed %" PRIu64
				" ierrors %" PRIu64 " oerrors %" PRIu64 " rx_nombuf %" PRIu64 "\n",
				sl_ports[i].name, st.ipackets, st.opackets, st.imissed,
				st.ierrors, st.oerrors, st.rx_nombuf);
	}
}
