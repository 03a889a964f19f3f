/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acl: the per-lcore part of the IP access control list (sl_acl.h), which
 * core's per-lcore context embeds. Types only.
 */
#ifndef SL_ACL_TYPES_H
#define SL_ACL_TYPES_H

#include <stdint.h>

#include "sl_core_types.h"

#define SL_ACL_RULES_MAX 64

/* The worker's SYN verdicts (sluice_acl_*_total). */
#define SL_ACL_COUNTERS(X) \
	X(syn_checked, SL_CTR_ROOT(1), "SYNs to a listener checked against the ACL") \
	X(syn_allowed, SL_CTR_LEAF(1), "SYNs allowed: by a rule or by the default") \
	X(syn_denied, SL_CTR_LEAF(1) | SL_CTR_DROP, \
		"SYNs denied: dropped, or answered with RST (acl.denied)") \
	X(syn_denied_rst, 0, "denied SYNs answered with RST") \
	X(syn_default, 0, "SYNs no rule matched: the default verdict applied") \
	X(syn_dynamic, 0, "SYNs denied by an entry of the dynamic deny list")

struct sl_acl_stats {
	SL_ACL_COUNTERS(SL_COUNTER_FIELD)
};

/* Per rule (sluice_acl_rule_*_total{rule="NAME"}). */
#define SL_ACL_RULE_COUNTERS(X) \
	X(syns, 0, "SYNs whose source this rule's most specific prefix matched")

struct sl_acl_rule_stats {
	SL_ACL_RULE_COUNTERS(SL_COUNTER_FIELD)
};

struct sl_acl_lcore {
	struct sl_acl_stats stats;
	struct sl_acl_rule_stats rules[SL_ACL_RULES_MAX]; /* by index in acl.rules */
};

#endif /* SL_ACL_TYPES_H */
