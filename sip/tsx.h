/* SIP transactions (RFC 3261 section 17). The only layer that
 * retransmits. Transactions live in a fixed pool (CONFIG_SIP_MAX_TSX) and
 * a hash table keyed as 17.2.3 matches them; each has one destructor that
 * unhashes it, stops its timers and tells its TU. Loop thread only.
 *
 * Timers use T1, T2 and T4 (17.1.1.1), Kconfig defaults that a setting can
 * change at run time (sip_tsx_set_timers). Over a reliable transport the
 * retransmission timers are not used and timers I and J are zero
 * (17.2.1, 17.2.2). */
#ifndef SIP_TSX_H
#define SIP_TSX_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pool.h"
#include "core/str.h"
#include "sip/msg.h"
#include "sip/tport.h"

enum sip_tsx_state {
	SIP_TSX_TRYING = 1,
	SIP_TSX_PROCEEDING,
	SIP_TSX_COMPLETED,
	SIP_TSX_CONFIRMED,
	SIP_TSX_TERMINATED,
};

struct sip_tsx;

/* The transaction user's callbacks; any may be NULL. */
struct sip_tsx_tu {
	/* Client transactions: a response for the TU (17.1.1.2, 17.1.2.2):
	 * every provisional, the first final, and for INVITE each 2xx.
	 * Retransmitted non-2xx finals are absorbed. */
	void (*on_response)(struct sip_tsx *t, void *tu_data, const struct sip_msg *resp);
	/* Server: Timer H fired, a final non-2xx answer to an INVITE got no
	 * ACK (17.2.1). Client: Timer B or F fired, no final response came
	 * (the TU acts as if a 408 came, 8.1.3.1). Either: a send failed
	 * (17.1.4, 17.2.4). The transaction ends next. */
	void (*on_failure)(struct sip_tsx *t, void *tu_data, int err);
	/* The transaction is gone: drop every pointer to it. */
	void (*on_terminated)(struct sip_tsx *t, void *tu_data);
};

typedef int (*sip_tsx_send_fn)(const struct sip_peer *to, const void *data, size_t len);

/* Allocates the pool and the hash table for cap transactions (-ENOMEM).
 * send is how messages leave: sip_tport_send, or a test's loopback. */
int sip_tsx_init(unsigned cap, sip_tsx_send_fn send);
/* Destroys every transaction (their TUs are told). */
void sip_tsx_fini(void);
/* Milliseconds. */
void sip_tsx_set_timers(uint32_t t1, uint32_t t2, uint32_t t4);
void sip_tsx_stats(struct pool_stats *out);

/* --- server transactions (17.2) ---------------------------------------- */

/* Matches a received request to a server transaction (17.2.3, with the
 * RFC 2543 rules when the branch lacks the magic cookie). Returns true
 * when the transaction layer absorbed it: a retransmission (the last
 * response, if any, is sent again) or an ACK to a non-2xx final response.
 * False: the request is new (or an ACK for a 2xx), for the TU. */
bool sip_tsx_server_absorb(const struct sip_msg *req, const struct sip_peer *from);
/* 8.2.2.2: a request without a To tag whose From tag, Call-ID and CSeq
 * equal those of an ongoing server transaction it did not match (the
 * same request forked to us along two paths). The TU answers it 482. */
bool sip_tsx_server_is_merged(const struct sip_msg *req);
/* Creates the server transaction for a new request (not ACK). The TU
 * answers an INVITE with 100 Trying at once through it (17.2.1). NULL when
 * the pool is full (-ENOSPC: the caller answers 503 statelessly) or the
 * key is too long (-E2BIG). */
struct sip_tsx *sip_tsx_server_create(
	const struct sip_msg *req, const struct sip_peer *from, int *err);
void sip_tsx_set_tu(struct sip_tsx *t, const struct sip_tsx_tu *tu, void *tu_data);
/* Sends a response (the whole message, built by the TU) through the
 * transaction and moves its state machine. status is the response's code.
 * The transaction keeps a copy for retransmissions. A 2xx to an INVITE
 * ends the transaction (the TU or proxy carries 2xx end to end). 0 or
 * -errno (the transaction has then failed and ends). Calling it after a
 * final response is a programmer error (-EALREADY). */
int sip_tsx_server_reply(struct sip_tsx *t, unsigned status, const void *data, size_t len);
/* The INVITE server transaction a CANCEL refers to (9.2), or NULL. */
struct sip_tsx *sip_tsx_server_find_invite(const struct sip_msg *cancel);
/* --- client transactions (17.1) ---------------------------------------- */

/* Sends a request (the whole message, built by the TU with a fresh branch
 * in its top Via) and creates its client transaction: INVITE (17.1.1) or
 * non-INVITE (17.1.2), matched by the branch and the CSeq method of the
 * responses (17.1.3). The transaction keeps a copy for retransmissions and
 * for the ACK of a non-2xx final (17.1.1.3). NULL with -ENOSPC when the
 * pool is full, -E2BIG for a key too long, -EBADMSG when data is not a
 * request, or the send's error. */
struct sip_tsx *sip_tsx_client_send(const struct sip_peer *to, const void *data, size_t len,
	const struct sip_tsx_tu *tu, void *tu_data, int *err);
/* Passes a received response to its client transaction. True when one
 * matched (and the TU was called as above); false for a stray response. */
bool sip_tsx_client_receive(const struct sip_msg *resp, const struct sip_peer *from);
/* Cancels a pending INVITE client transaction (9.1): sends CANCEL once a
 * provisional response has arrived (at once if one has). The CANCEL runs
 * in a transaction of its own whose responses nobody needs. No-op after a
 * final response. */
void sip_tsx_client_cancel(struct sip_tsx *t);

enum sip_tsx_state sip_tsx_state(const struct sip_tsx *t);
const struct sip_peer *sip_tsx_peer(const struct sip_tsx *t);

#endif
