/* SPDX-License-Identifier: BSD-3-Clause */
/* drivers-conf profiles: schema, loading, devargs templates. See sl_port.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "sl_port.h"
#include "port_priv.h"

static const char *const buses[] = { "vdev", "pci", "sluice", NULL };
const char *const sl_port_rss_type_names[] = { "ipv4", "tcp", "udp", "ipv6", NULL };
const char *const sl_port_rx_offload_names[] = {
	"ipv4_cksum", "tcp_cksum", "udp_cksum", "scatter", "tcp_lro", NULL };
const char *const sl_port_tx_offload_names[] = {
	"ipv4_cksum", "tcp_cksum", "udp_cksum", "tcp_tso", "multi_segs", "mbuf_fast_free", NULL };

static const struct sl_conf_key profile_keys[] = {
	SL_KEY_STR(struct sl_port_profile, driver, SL_CONF_REQUIRED, NULL,
			"DPDK driver name"),
	SL_KEY_CHOICE(struct sl_port_profile, bus, SL_CONF_REQUIRED, NULL, buses,
			"vdev: created by sluiced; pci: a bound device probed by address; "
			"sluice: a backend of sluiced itself (driver vnet)"),
	SL_KEY_STR(struct sl_port_profile, devargs, 0, "",
			"device arguments; {iface} {queues} {index} {name} {pci} are expanded"),
	SL_KEY_INT(struct sl_port_profile, rx_desc, 64, 32768, 1024, "rx descriptors"),
	SL_KEY_INT(struct sl_port_profile, tx_desc, 64, 32768, 1024, "tx descriptors"),
	SL_KEY_INT(struct sl_port_profile, max_queues, 1, 256, 16,
			"rx queues used at most (tx: always one per worker)"),
	SL_KEY_BOOL(struct sl_port_profile, rss, false, "spread flows over rx queues with RSS"),
	SL_KEY_BOOL(struct sl_port_profile, rx_fanout, false,
			"the PMD itself spreads received frames over all its queues"),
	SL_KEY_STR(struct sl_port_profile, rss_key, 0, "", "RSS key in hex; empty: PMD default"),
	SL_KEY_CHOICES(struct sl_port_profile, rss_types, n_rss_types, sl_port_rss_type_names,
			"RSS hash types"),
	SL_KEY_CHOICES(struct sl_port_profile, rx_offloads, n_rx_offloads,
			sl_port_rx_offload_names, "rx offloads wanted"),
	SL_KEY_CHOICES(struct sl_port_profile, tx_offloads, n_tx_offloads,
			sl_port_tx_offload_names, "tx offloads wanted"),
	SL_KEY_BOOL(struct sl_port_profile, promiscuous, false, "receive every unicast frame"),
	SL_KEY_BOOL(struct sl_port_profile, tso_l2_in_mtu, false,
			"the PMD counts a TSO segment's Ethernet header against the MTU"),
	SL_KEY_BOOL(struct sl_port_profile, tx_cksum_even_segs, false,
			"the PMD's L4 checksum is right only if every mbuf of a chain "
			"but the last has an even length"),
	SL_KEY_END,
};

int
sl_port_rss_key_parse(const char *hex, uint8_t *key, size_t size)
{
	size_t i, n = strlen(hex);

	if (n % 2 != 0 || n / 2 > size)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		unsigned int byte;

		if (sscanf(hex + 2 * i, "%2x", &byte) != 1 ||
				!isxdigit((unsigned char)hex[2 * i]) ||
				!isxdigit((unsigned char)hex[2 * i + 1]))
			return -EINVAL;
		key[i] = (uint8_t)byte;
	}
	return (int)(n / 2);
}

int
sl_port_profile_load(const char *name, struct sl_port_profile *p, struct sl_conf_error *err)
{
	char path[512];
	uint8_t key[64];
	int rc, len;

	if (strchr(name, '/') != NULL || name[0] == '.') {
		memset(err, 0, sizeof(*err));
		snprintf(err->msg, sizeof(err->msg), "profile name \"%s\" must be a plain name",
				name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s.conf", sl_ports_conf.profiles_dir, name);
	memset(p, 0, sizeof(*p));
	rc = sl_conf_load_file(path, "profile", profile_keys, p, err);
	if (rc < 0)
		return rc;
	len = sl_port_rss_key_parse(p->rss_key, key, sizeof(key));
	if (len < 0 || (len != 0 && len != 40 && len != 52)) {
		snprintf(err->file, sizeof(err->file), "%s", path);
		err->line = 0;
		snprintf(err->msg, sizeof(err->msg),
				"'profile.rss_key' must be 40 or 52 bytes of hex");
		return -EINVAL;
	}
	return 0;
}

/* Append src to out at *used, failing when it does not fit. */
static int
append(char *out, size_t size, size_t *used, const char *src, size_t len)
{
	if (*used + len >= size)
		return -ENAMETOOLONG;
	memcpy(out + *used, src, len);
	*used += len;
	out[*used] = '\0';
	return 0;
}

int
sl_port_devargs(const struct sl_port_profile *p, const struct sl_port_conf *pc,
		unsigned int index, unsigned int queues, char *out, size_t size)
{
	const char *t = p->devargs;
	size_t used = 0;
	char num[16];
	int rc = 0;

	out[0] = '\0';
	while (*t != '\0' && rc == 0) {
		const char *val = NULL;
		const char *close;

		if (*t != '{' || (close = strchr(t, '}')) == NULL) {
			rc = append(out, size, &used, t++, 1);
			continue;
		}
		if (strncmp(t, "{iface}", 7) == 0)
			val = pc->iface;
		else if (strncmp(t, "{name}", 6) == 0)
			val = pc->name;
		else if (strncmp(t, "{pci}", 5) == 0)
			val = pc->pci;
		else if (strncmp(t, "{queues}", 8) == 0)
			snprintf(num, sizeof(num), "%u", queues), val = num;
		else if (strncmp(t, "{index}", 7) == 0)
			snprintf(num, sizeof(num), "%u", index), val = num;
		if (val == NULL)
			return -EINVAL;
		rc = append(out, size, &used, val, strlen(val));
		t = close + 1;
	}
	if (rc == 0 && pc->devargs[0] != '\0') {
		if (used != 0)
			rc = append(out, size, &used, ",", 1);
		if (rc == 0)
			rc = append(out, size, &used, pc->devargs, strlen(pc->devargs));
	}
	return rc;
}
