/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test/http: checks of lib/http that the unit test and the fuzzer share.
 *
 * Callers: test and fuzzer main threads.
 */
#ifndef SL_TEST_HTTP_H
#define SL_TEST_HTTP_H

#include "sl_http.h"

/*
 * A head parsed by p, written back with the writer (sl_http_w_*) and parsed
 * again, gives the same message: start line, version, flags, framing and
 * every field, byte for byte. 0, or -1 at the first difference. Heads of
 * other protocols than HTTP/1.x are not written: 0.
 */
int sl_test_http_roundtrip(const struct sl_http_parser *p);

#endif /* SL_TEST_HTTP_H */
