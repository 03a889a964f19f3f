/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core: counter declaration helpers. A module declares its counters once,
 * with an X-macro list of X(name, marks, description): SL_COUNTER_FIELD
 * makes the struct fields, SL_COUNTER_NAME, SL_COUNTER_MARKS and
 * SL_COUNTER_DESC the tables it registers (sl_counters.h).
 *
 * Marks say how counters relate, for the exporters and the tests:
 *   SL_CTR_DROP     something was dropped or refused for this reason (also
 *                   exported as <module>_drops_total{reason=NAME})
 *   SL_CTR_ROOT(g)  counts the units that partition g splits up
 *   SL_CTR_LEAF(g)  one part of partition g: every unit the root counts
 *                   ends in exactly one leaf (root == sum of leaves)
 * Partitions are numbered 1..7 per module, each within one block; a counter
 * may be a leaf of one and the root of another (a tree: frames -> IPv4
 * packets -> reasons).
 */
#ifndef SL_CORE_TYPES_H
#define SL_CORE_TYPES_H

#include <stdint.h>

#define SL_CTR_DROP 0x0001u
#define SL_CTR_LEAF(g) ((uint16_t)((g) & 7) << 1)
#define SL_CTR_ROOT(g) ((uint16_t)((g) & 7) << 4)
#define SL_CTR_LEAF_OF(marks) (((marks) >> 1) & 7)
#define SL_CTR_ROOT_OF(marks) (((marks) >> 4) & 7)

#define SL_COUNTER_FIELD(name, marks, desc) uint64_t name;
#define SL_COUNTER_NAME(name, marks, desc) #name,
#define SL_COUNTER_MARKS(name, marks, desc) marks,
#define SL_COUNTER_DESC(name, marks, desc) desc,

#endif /* SL_CORE_TYPES_H */
