#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/settings.h"
#include "tests/unit/unit.h"

static void domain_names(void)
{
	static const struct {
		const char *d;
		bool ok;
	} t[] = {
		{ "example.com", true },
		{ "office", true },
		{ "a-b.c1", true },
		{ "192.168.1.1", true },
		{ "", false },
		{ "-a.com", false },
		{ "a-.com", false },
		{ "a..com", false },
		{ ".a.com", false },
		{ "a.com.", false },
		{ "a_b.com", false },
		{ "exa mple.com", false },
		{ "a\"b", false },
	};
	char long_label[80];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (settings_domain_valid(str_cstr(t[i].d)) != t[i].ok) {
			unit_fail(__FILE__, __LINE__, t[i].d);
		}
	}
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	CHECK(!settings_domain_valid(str_cstr(long_label)));
	long_label[63] = '\0';
	CHECK(settings_domain_valid(str_cstr(long_label)));
}

static void put_get(void)
{
	char out[32];
	struct store *st;

	st = unit_store_open("settings");
	CHECK(st != NULL);
	if (!st) {
		return;
	}
	CHECK_INT(settings_get(store_loop_txn(st), SETTINGS_DOMAIN, out, sizeof(out)), -ENOENT);
	CHECK_INT(settings_put(st, SETTINGS_DOMAIN, STR("office.example")), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(settings_get(store_loop_txn(st), SETTINGS_DOMAIN, out, sizeof(out)), 0);
	CHECK(strcmp(out, "office.example") == 0);
	CHECK_INT(settings_get(store_loop_txn(st), SETTINGS_DOMAIN, out, 4), -ENOSPC);
	/* an unreadable record is reported, not trusted */
	store_put(st, STORE_DB_SETTINGS, STR("broken"), STR("\x09garbage"));
	store_flush(st);
	CHECK_INT(settings_get(store_loop_txn(st), "broken", out, sizeof(out)), -EBADMSG);
	store_close(st);
}

UNIT_SUITE(settings, UNIT_TEST(domain_names), UNIT_TEST(put_get));
