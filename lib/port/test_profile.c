/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of drivers-conf profiles: every shipped profile loads, devargs
 * templates expand, bad profiles are refused with their line.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl_port.h"
#include "sl_test.h"


/* Every profile in drivers-conf/ is valid; we ship at least the listed ones. */
static int
test_shipped_profiles_load(void)
{
	static const char *const must[] = { "af_packet", "tap", "memif", "null", "ring",
		"ixgbe", "i40e", "ice", "mlx5", "virtio" };
	struct sl_port_profile p;
	struct sl_conf_error err;
	struct dirent *e;
	unsigned int i, n = 0;
	DIR *dir;

	snprintf(sl_ports_conf.profiles_dir, sizeof(sl_ports_conf.profiles_dir),
			"%s/drivers-conf", sl_test_source_root());
	for (i = 0; i < RTE_DIM(must); i++) {
		int rc = sl_port_profile_load(must[i], &p, &err);

		if (rc != 0)
			fprintf(stderr, "%s: %s:%d: %s\n", must[i], err.file, err.line, err.msg);
		SL_CHECK_EQ(rc, 0);
	}
	dir = opendir(sl_ports_conf.profiles_dir);
	SL_CHECK(dir != NULL);
	while ((e = readdir(dir)) != NULL) {
		char name[128];
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), e->d_name);
		if (sl_port_profile_load(name, &p, &err) != 0) {
			fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
			closedir(dir);
			return -1;
		}
		n++;
	}
	closedir(dir);
	SL_CHECK(n >= RTE_DIM(must));
	return 0;
}

static int
test_devargs_expand(void)
{
	struct sl_port_profile p = { 0 };
	struct sl_port_conf pc = { 0 };
	char out[128];

	snprintf(p.devargs, sizeof(p.devargs), "iface={iface},qpairs={queues},id={index}");
	snprintf(pc.iface, sizeof(pc.iface), "veth7");
	SL_CHECK_EQ(sl_port_devargs(&p, &pc, 2, 4, out, sizeof(out)), 0);
	SL_CHECK_STR(out, "iface=veth7,qpairs=4,id=2");
	snprintf(pc.devargs, sizeof(pc.devargs), "x=1");
	SL_CHECK_EQ(sl_port_devargs(&p, &pc, 0, 1, out, sizeof(out)), 0);
	SL_CHECK_STR(out, "iface=veth7,qpairs=1,id=0,x=1");
	/* unknown placeholder and overflow are refused */
	snprintf(p.devargs, sizeof(p.devargs), "a={nope}");
	SL_CHECK(sl_port_devargs(&p, &pc, 0, 1, out, sizeof(out)) < 0);
	snprintf(p.devargs, sizeof(p.devargs), "iface={iface}");
	SL_CHECK(sl_port_devargs(&p, &pc, 0, 1, out, 8) < 0);
	return 0;
}


/* A profile with a bad value is refused with its file and line. */
static int
test_bad_profiles(void)
{
	static const struct {
		const char *text;
		int line;
		const char *needle;
	} cases[] = {
		{ "profile = {\n driver = \"net_x\";\n bus = \"usb\";\n};\n", 3, "not one of" },
		{ "profile = {\n driver = \"net_x\";\n bus = \"vdev\";\n rx_desc = 3;\n};\n", 4,
			"between" },
		{ "profile = {\n driver = \"net_x\";\n bus = \"vdev\";\n turbo = true;\n};\n", 4,
			"unknown key" },
		{ "profile = {\n bus = \"vdev\";\n};\n", 1, "missing required key" },
		{ "profile = {\n driver = \"net_x\";\n bus = \"vdev\";\n tx_offloads = "
			"[\"warp\"];\n};\n", 4, "not one of" },
		{ "profile = {\n driver = \"net_x\";\n bus = = \"vdev\";\n};\n", 3, "syntax error" },
	};
	struct sl_port_profile p;
	struct sl_conf_error err;
	char dir[] = "/tmp/sl-profile-XXXXXX";
	char path[256];
	unsigned int i;

	SL_CHECK(mkdtemp(dir) != NULL);
	snprintf(sl_ports_conf.profiles_dir, sizeof(sl_ports_conf.profiles_dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	for (i = 0; i < RTE_DIM(cases); i++) {
		int rc;

		SL_CHECK_EQ(sl_test_write_file(path, cases[i].text), 0);
		rc = sl_port_profile_load("bad", &p, &err);
		if (rc != -EINVAL || err.line != cases[i].line ||
				strstr(err.msg, cases[i].needle) == NULL) {
			fprintf(stderr, "case %u: rc %d, %s:%d: %s\n", i, rc, err.file, err.line,
					err.msg);
			return -1;
		}
	}
	SL_CHECK(sl_port_profile_load("../etc/passwd", &p, &err) < 0);
	SL_CHECK(sl_port_profile_load("absent", &p, &err) < 0);
	SL_CHECK(strstr(err.msg, "cannot read") != NULL);
	remove(path);
	rmdir(dir);
	return 0;
}

/* Toeplitz matches the Microsoft RSS verification suite (IPv4 with TCP). */
static int
test_toeplitz_vectors(void)
{
	static const uint8_t key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa };
	static const struct {
		const char *src, *dst;
		uint16_t sport, dport;
		uint32_t hash;
	} v[] = {
		{ "66.9.149.187", "161.142.100.80", 2794, 1766, 0x51ccc178 },
		{ "199.92.111.2", "65.69.140.83", 14230, 4739, 0xc626b0ea },
		{ "24.19.198.95", "12.22.207.184", 12898, 38024, 0x5c2b394a },
		{ "38.27.205.30", "209.142.163.6", 48228, 2217, 0xafc7327f },
		{ "153.39.163.191", "202.188.127.2", 44251, 1303, 0x10e828a2 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(v); i++) {
		uint32_t src, dst;

		SL_CHECK_EQ(sl_conf_parse_ipv4(v[i].src, &src), 0);
		SL_CHECK_EQ(sl_conf_parse_ipv4(v[i].dst, &dst), 0);
		SL_CHECK_EQ(sl_port_toeplitz(key, src, dst, rte_cpu_to_be_16(v[i].sport),
				rte_cpu_to_be_16(v[i].dport)), v[i].hash);
	}
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{ "shipped_profiles_load", test_shipped_profiles_load },
		{ "devargs_expand", test_devargs_expand },
		{ "bad_profiles", test_bad_profiles },
		{ "toeplitz_vectors", test_toeplitz_vectors },
	};
	return sl_test_run("profile", cases, RTE_DIM(cases));
}
