/* The admin web server: civetweb in its own threads (CONFIG_WEBUI_THREADS,
 * CONFIG_WEBUI_STACK_KB). Its handlers never touch protocol state: they
 * read the store through store_view() and ask the loop for everything else
 * through core/cmdq (server_snapshot). */
#ifndef WEBUI_HTTP_H
#define WEBUI_HTTP_H

#include <stddef.h>

#include "autoconf.h"
#include "core/addr.h"
#include "core/store.h"

#if ENABLE_WEBUI
/* Loop thread. Listens on a (port 0 = any free port) and writes the bound
 * address into where. -EADDRINUSE/-EACCES/-EINVAL style errors. */
int webui_start(const struct addr *a, struct store *st, char *where, size_t cap);
/* Loop thread; waits for civetweb's threads to end. */
void webui_stop(void);
#else
static inline int webui_start(const struct addr *a, struct store *st, char *where, size_t cap)
{
	(void)a;
	(void)st;
	(void)where;
	(void)cap;
	return -1;
}
static inline void webui_stop(void)
{
}
#endif

#endif
