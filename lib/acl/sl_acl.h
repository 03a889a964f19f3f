/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acl: the IP access control list, applied to a SYN before any TCP state,
 * SYN cookie or SYN-ACK exists for it.
 *
 * Rules are named lists of IPv4 prefixes, each allowing or denying; a
 * source is judged by the most specific prefix that holds it (longest
 * prefix match, as routes are), so an allowed range can sit inside a denied
 * one and the reverse; a source no prefix holds gets the default. Prefixes
 * come from the configuration and from list files (one per line), all in
 * one rte_lpm, built by the management lcore at start: a lookup costs the
 * same for ten prefixes as for a million. A rule may be scoped to some
 * listeners: its prefixes (a few, from the configuration) are scanned
 * after the lookup, most specific first, and one at least as specific as
 * the table's match decides.
 *
 * The dynamic deny list (REST, console, and later the scheduler blocking an
 * abuser) adds prefixes to the same table while it runs, each with a time
 * to live; they are judged like the rules' prefixes (the most specific
 * decides) and leave the table when they expire.
 *
 * Callers: the management lcore (configuration, init, term, the dynamic
 * list); workers (sl_acl_syn_verdict, on their own counters).
 * Owns: the prefix table and the dynamic list.
 */
#ifndef SL_ACL_H
#define SL_ACL_H

#include <stdint.h>

#include "sl_acl_types.h"
#include "sl_conf.h"

struct sl_lcore;

#define SL_ACL_NAME_MAX 32
#define SL_ACL_RULE_PREFIXES 64 /* in the configuration; files take any number */
#define SL_ACL_RULE_LISTENERS 8

struct sl_acl_rule_conf {
	char name[SL_ACL_NAME_MAX];
	char action[8];                /* "allow" or "deny" */
	char prefixes[SL_ACL_RULE_PREFIXES][20];
	unsigned int n_prefixes;
	char file[256];                /* more prefixes, one per line; "" none */
	/* "a.b.c.d:port" or "*:port": the rule judges only SYNs to these; none:
	 * all listeners. A scoped rule takes prefixes, not a file. */
	char listeners[SL_ACL_RULE_LISTENERS][24];
	unsigned int n_listeners;
};

struct sl_acl_conf {
	char default_action[8];        /* "allow" or "deny": no prefix matched */
	char denied[8];                /* "drop" or "rst": what a denied SYN gets */
	int64_t dynamic_max;           /* entries of the dynamic deny list */
	struct sl_acl_rule_conf rules[SL_ACL_RULES_MAX];
	unsigned int n_rules;
};

extern struct sl_acl_conf sl_acl_conf;

int sl_acl_conf_register(void);
/* Check the rules and read their files, as init will (for --check). */
int sl_acl_validate(struct sl_conf_error *err);
int sl_acl_init(void);
void sl_acl_term(void);

enum sl_acl_verdict {
	SL_ACL_ALLOW,
	SL_ACL_DROP, /* denied: drop the SYN */
	SL_ACL_RST,  /* denied: answer it with RST */
};

/* Worker: the verdict on a SYN from src to laddr:lport (all network
 * order), counted. */
enum sl_acl_verdict sl_acl_syn_verdict(struct sl_lcore *lc, uint32_t src, uint32_t laddr,
		uint16_t lport);

/* ---- the dynamic deny list (management lcore) ---- */

#define SL_ACL_REASON_MAX 64

struct sl_acl_deny {
	uint32_t addr;                 /* network order */
	uint8_t depth;
	uint32_t ttl_s;                /* as asked; 0: until removed */
	uint64_t expires_ms;           /* sl_acl_now_ms() when it goes; 0: never */
	char reason[SL_ACL_REASON_MAX];
};

/* The clock of expires_ms: monotonic milliseconds. */
uint64_t sl_acl_now_ms(void);

/*
 * Deny addr/depth (host bits clear) for ttl_s seconds, 0 meaning until
 * removed; an entry already there takes the new TTL and reason. 0, or
 * -EINVAL (bad prefix), -EEXIST (a rule lists that very prefix), -ENOSPC
 * (acl.dynamic_max entries), -ENOMEM; *why says which in words.
 */
int sl_acl_deny_add(uint32_t addr, uint8_t depth, uint32_t ttl_s, const char *reason,
		char *why, size_t why_size);
/* Remove an entry: 0, or -ENOENT. */
int sl_acl_deny_remove(uint32_t addr, uint8_t depth);
/* Up to max entries into out, oldest first; returns how many there are. */
unsigned int sl_acl_deny_list(struct sl_acl_deny *out, unsigned int max);
/* Remove the entries whose time is up; returns how many went. */
unsigned int sl_acl_deny_expire(void);

#endif /* SL_ACL_H */
