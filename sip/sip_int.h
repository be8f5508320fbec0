/* Declarations shared by the files of sip/ only. */
#ifndef SIP_SIP_INT_H
#define SIP_SIP_INT_H

#include <stdint.h>

#include "core/timer.h"
#include "sip/tport.h"
#include "sip/tsx.h"

/* tport.c hands received messages up through this; tport_tcp.c too. */
extern sip_tport_rx_fn sip_tport_rx;
/* A non-blocking socket bound to a (and listening, for SOCK_STREAM);
 * bound gets the address really bound. The fd, or -errno. */
int sip_tport_bind(int type, const struct addr *a, struct addr *bound);
struct tls_server;
/* tls: a SIP-over-TLS listener, with the credential set by
 * sip_tport_set_tls(). */
int sip_tport_tcp_listen(const struct addr *a, struct addr *bound, bool tls);
int sip_tport_tcp_send(const struct sip_peer *to, const void *data, size_t len);
void sip_tport_tcp_fini(void);
void sip_tport_tcp_stats(struct pool_stats *out);

/* 17.2.3: branch + sent-by + method, or for RFC 2543 peers a digest of
 * the fields that identify the request. Longer keys are refused. */
#define SIP_TSX_KEY_MAX 200

struct sip_tsx {
	bool used;
	bool server;
	bool invite;
	bool rfc3261; /* branch with the magic cookie */
	bool got_provisional; /* client INVITE: CANCEL may go now */
	bool cancel_pending; /* client INVITE: CANCEL waits for a 1xx */
	enum sip_tsx_state state;
	struct sip_peer peer;
	uint64_t hash;
	uint16_t key_len;
	char key[SIP_TSX_KEY_MAX];
	/* RFC 2543 ACK matching also needs the To tag we answered with. */
	uint64_t ack_hash;
	/* Server: the last response sent. Client: the request. Both for
	 * retransmissions; the client's also to build ACK and CANCEL. */
	char *resp;
	size_t resp_len;
	unsigned resp_status;
	uint32_t retx_ms;
	struct timer t_retx; /* server G; client A, E */
	struct timer t_end; /* server H, I, J; client B, D, F, K */
	char *ack; /* client INVITE: the ACK of a non-2xx final */
	size_t ack_len;
	const struct sip_tsx_tu *tu;
	void *tu_data;
	struct sip_tsx *hnext;
	uint64_t merge_hash; /* server: From tag, Call-ID, CSeq (8.2.2.2) */
	struct sip_tsx *mnext;
};

struct sip_tsx_globals {
	uint32_t t1, t2, t4;
	sip_tsx_send_fn send;
};
extern struct sip_tsx_globals sip_tsx_g;

struct sip_tsx *sip_tsx_alloc(void);
void sip_tsx_hash_insert(struct sip_tsx *t);
/* The second index of server transactions, by merge_hash. */
struct sip_tsx *sip_tsx_merge_find(uint64_t merge_hash);
struct sip_tsx *sip_tsx_hash_find(uint64_t hash, const char *key, size_t key_len, bool server);
/* Ends t: unhash, stop timers, free the response copy, tell the TU. */
void sip_tsx_destroy(struct sip_tsx *t);
uint64_t sip_tsx_fnv(uint64_t h, const void *p, size_t n);
#define SIP_TSX_FNV_INIT 0xcbf29ce484222325ULL

static inline bool sip_tsx_reliable(const struct sip_tsx *t)
{
	return t->peer.proto != SIP_PROTO_UDP;
}

#endif
