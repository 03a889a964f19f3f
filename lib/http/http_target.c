/* SPDX-License-Identifier: BSD-3-Clause */
/* http/target: the forms and parts of a request target; see sl_http.h. */
#include <string.h>

#include "sl_http.h"

static bool
is_scheme_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '+' || c == '-' || c == '.';
}

/* path [ "?" query ] from s[from] on. */
static void
path_and_query(const char *s, uint32_t len, uint32_t from, struct sl_http_target *t)
{
	const char *q = memchr(s + from, '?', len - from);
	uint32_t end = q != NULL ? (uint32_t)(q - s) : len;

	t->path.off = from;
	t->path.len = end - from;
	t->has_query = q != NULL;
	t->query.off = q != NULL ? end + 1 : len;
	t->query.len = q != NULL ? len - end - 1 : 0;
}

/* uri-host ":" port, nothing else (RFC 9112 3.2.3). */
static enum sl_http_err
authority_form(const char *s, uint32_t len, struct sl_http_target *t)
{
	const char *colon = memrchr(s, ':', len);
	uint32_t i;

	if (colon == NULL || colon == s || colon == s + len - 1 ||
			memchr(s, '/', len) != NULL || memchr(s, '?', len) != NULL)
		return SL_HTTP_ERR_TARGET_FORM;
	if (memchr(s, '@', len) != NULL)
		return SL_HTTP_ERR_TARGET_USERINFO;
	for (i = (uint32_t)(colon - s) + 1; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return SL_HTTP_ERR_TARGET_FORM;
	t->form = SL_HTTP_TARGET_AUTHORITY;
	t->authority.off = 0;
	t->authority.len = len;
	return SL_HTTP_ERR_NONE;
}

/* scheme "://" authority path-abempty [ "?" query ], scheme http or https. */
static enum sl_http_err
absolute_form(const char *s, uint32_t len, struct sl_http_target *t)
{
	uint32_t i = 0, a;

	while (i < len && is_scheme_char(s[i]))
		i++;
	if (!(sl_http_token_is(s, i, "http", 4) || sl_http_token_is(s, i, "https", 5)) ||
			len - i < 3 || memcmp(s + i, "://", 3) != 0)
		return SL_HTTP_ERR_TARGET_FORM;
	a = i + 3;
	for (i = a; i < len && s[i] != '/' && s[i] != '?'; i++)
		if (s[i] == '@') /* RFC 9110 4.2.4: treat it as an error */
			return SL_HTTP_ERR_TARGET_USERINFO;
	if (i == a)
		return SL_HTTP_ERR_TARGET_FORM;
	t->form = SL_HTTP_TARGET_ABSOLUTE;
	t->authority.off = a;
	t->authority.len = i - a;
	path_and_query(s, len, i, t);
	return SL_HTTP_ERR_NONE;
}

enum sl_http_err
sl_http_target_parse(const char *s, uint32_t len, enum sl_http_method method,
	struct sl_http_target *t)
{
	memset(t, 0, sizeof(*t));
	/* A fragment is never part of a request target (RFC 9112 3.2). */
	if (len == 0 || memchr(s, '#', len) != NULL)
		return SL_HTTP_ERR_TARGET_FORM;
	if (method == SL_HTTP_M_CONNECT)
		return authority_form(s, len, t);
	if (s[0] == '/') {
		t->form = SL_HTTP_TARGET_ORIGIN;
		path_and_query(s, len, 0, t);
		return SL_HTTP_ERR_NONE;
	}
	if (len == 1 && s[0] == '*') {
		t->form = SL_HTTP_TARGET_ASTERISK;
		return method == SL_HTTP_M_OPTIONS ? SL_HTTP_ERR_NONE : SL_HTTP_ERR_TARGET_FORM;
	}
	return absolute_form(s, len, t);
}
