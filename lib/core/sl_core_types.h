/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core: counter declaration helpers. Counters are declared once with an
 * X-macro list of (name, description): SL_COUNTER_FIELD makes the struct
 * fields, SL_COUNTER_NAME the name table, SL_COUNTER_DESC the help table.
 */
#ifndef SL_CORE_TYPES_H
#define SL_CORE_TYPES_H

#include <stdint.h>

#define SL_COUNTER_FIELD(name, desc) uint64_t name;
#define SL_COUNTER_NAME(name, desc) #name,
#define SL_COUNTER_DESC(name, desc) desc,

#endif /* SL_CORE_TYPES_H */
