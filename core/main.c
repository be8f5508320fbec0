/* sipbox entry point: the command line. */
#include <errno.h>
#include <getopt.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "core/addr.h"
#include "core/cli.h"
#include "core/log.h"
#include "core/server.h"
#include "core/sig.h"
#if ENABLE_WEBUI
#include <civetweb.h>
#endif

#define DEFAULT_DATA_DIR "/var/lib/sipbox"
#define DEFAULT_HTTP "127.0.0.1:8080"

enum {
	OPT_DATA = 256,
	OPT_DOMAIN,
	OPT_SIP,
	OPT_SIPS,
	OPT_MSRP,
	OPT_HTTP,
	OPT_LOG_LEVEL,
	OPT_SYSLOG,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_opts[] = {
	{ "data", required_argument, NULL, OPT_DATA },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "sip", required_argument, NULL, OPT_SIP },
	{ "sips", required_argument, NULL, OPT_SIPS },
	{ "msrp", required_argument, NULL, OPT_MSRP },
	{ "http", required_argument, NULL, OPT_HTTP },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ 0 },
};

/* Listeners that scripts already pass but that no subsystem serves yet:
 * refused with a clear reason, never silently ignored. */
struct listener_opt {
	const char *name;
	int enabled;
	const char *kconfig;
	const char *missing;
};
static const struct listener_opt listener_opts[] = {
	[OPT_SIP - OPT_SIP] = { "--sip", 1, NULL, NULL },
	[OPT_SIPS - OPT_SIP] = { "--sips", ENABLE_SIP_TLS, "CONFIG_SIP_TLS", NULL },
	[OPT_MSRP - OPT_SIP] = { "--msrp", ENABLE_MSRP, "CONFIG_MSRP",
		"the MSRP relay is not implemented yet" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sipbox [OPTIONS]\n"
		"       sipbox [--data DIR] COMMAND ...\n"
		"\n"
		"SIP registrar, forking proxy, presence agent and MSRP relay for a small office.\n"
		"Runs in the foreground until SIGTERM or SIGINT; SIGHUP reloads the settings.\n"
		"\n"
		"  --data DIR          data folder holding the store (default " DEFAULT_DATA_DIR
		");\n"
		"                      created on first start\n"
		"  --domain NAME       SIP domain, stored in the settings (default: the stored\n"
		"                      one; on first start the host name)\n"
		"  --sip ADDR:PORT     SIP over UDP and TCP, e.g. 0.0.0.0:5060 or [::]:5060\n"
		"                      (port 0 = any free port; the log says which)\n"
		"  --sips ADDR:PORT    SIP over TLS, e.g. 0.0.0.0:5061, with the certificate in\n"
		"                      the store (self-signed for the domain on first start)\n"
		"  --msrp ADDR:PORT    MSRP relay, e.g. 0.0.0.0:2855\n"
		"  --http ADDR:PORT    admin web UI (default " DEFAULT_HTTP "; port 0 = any free)\n"
		"  --log-level LEVEL   error, warn, info (default) or debug\n"
		"  --syslog            log to syslog instead of standard error\n"
		"  --help              this text\n"
		"  --version           version, features and library versions\n"
		"\n"
		"\n"
		"Commands (on the store in --data, whether the server runs or not):\n"
		"%s"
		"\n"
		"Addresses are numeric (no name lookups). Exit status: 0 after a clean stop,\n"
		"2 for a bad option or an unusable data folder, 1 for other failures.\n",
		cli_usage);
}

static void version(void)
{
	printf("sipbox %s (board %s)\n", SIPBOX_VERSION, CONFIG_BOARD);
	printf("features:%s%s%s%s%s%s%s\n", ENABLE_IPV6 ? " ipv6" : "", ENABLE_TLS ? " tls" : "",
		ENABLE_SIP_TLS ? " sip-tls" : "", ENABLE_MSRP ? " msrp" : "",
		ENABLE_PRESENCE ? " presence" : "", ENABLE_WEBUI ? " webui" : "",
		ENABLE_WEBSOCKET ? " websocket" : "");
	printf("lmdb %s (Debian %s)\n", mdb_version(NULL, NULL, NULL), SIPBOX_LMDB_PKG);
	printf("bearssl (Debian %s)\n", SIPBOX_BEARSSL_PKG);
#if ENABLE_WEBUI
	printf("civetweb %s (Debian %s)\n", mg_version(), SIPBOX_CIVETWEB_PKG);
#endif
}

static int bad(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "sipbox: %s %s: %s (see --help)\n", opt, arg, why);
	return 2;
}

int main(int argc, char **argv)
{
	struct server_opts o = { .data_dir = DEFAULT_DATA_DIR };
	const char *http = ENABLE_WEBUI ? DEFAULT_HTTP : NULL;
	int level = LOG_LEVEL_INFO;
	bool to_syslog = false;
	const char *why;
	int c;

	opterr = 0;
	/* "+": options end at the first word, which is a command. */
	while ((c = getopt_long(argc, argv, "+", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA:
			if (!optarg[0]) {
				return bad("--data", "''", "empty folder name");
			}
			o.data_dir = optarg;
			break;
		case OPT_DOMAIN:
			o.domain = optarg;
			break;
		case OPT_SIP:
		case OPT_SIPS:
		case OPT_MSRP: {
			const struct listener_opt *l = &listener_opts[c - OPT_SIP];
			struct addr a;
			char why_buf[128];
			if (addr_parse(optarg, &a, &why) < 0) {
				return bad(l->name, optarg, why);
			}
			if (!l->enabled) {
				snprintf(why_buf, sizeof(why_buf), "not in this build (%s is off)",
					l->kconfig);
				return bad(l->name, optarg, why_buf);
			}
			if (l->missing) {
				return bad(l->name, optarg, l->missing);
			}
			if (c == OPT_SIP) {
				o.sip = a;
				o.have_sip = true;
			} else {
				o.sips = a;
				o.have_sips = true;
			}
			break;
		}
		case OPT_HTTP:
			if (!ENABLE_WEBUI) {
				return bad("--http", optarg,
					"not in this build (CONFIG_WEBUI is off)");
			}
			http = optarg;
			break;
		case OPT_LOG_LEVEL:
			level = log_level_parse(optarg);
			if (level < 0) {
				return bad("--log-level", optarg,
					"expected error, warn, info or debug");
			}
			break;
		case OPT_SYSLOG:
			to_syslog = true;
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_VERSION:
			version();
			return 0;
		default:
			if (optopt >= OPT_DATA) {
				fprintf(stderr, "sipbox: %s needs a value (see --help)\n",
					argv[optind - 1]);
			} else {
				fprintf(stderr, "sipbox: unknown option '%s' (see --help)\n",
					argv[optind - 1]);
			}
			return 2;
		}
	}
	if (optind < argc) {
		return cli_run(o.data_dir, argc - optind, argv + optind);
	}
	if (http) {
		if (addr_parse(http, &o.http, &why) < 0) {
			return bad("--http", http, why);
		}
		o.have_http = true;
	}
	if (sig_block() < 0) {
		fprintf(stderr, "sipbox: cannot block signals\n");
		return 1;
	}
	log_init((enum log_level)level, to_syslog ? LOG_SINK_SYSLOG : LOG_SINK_STDERR);
	return server_run(&o);
}
