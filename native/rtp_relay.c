/*
 * The proxy's media relay loop (src/proxy/media/native-relay.ts): RTP/RTCP forwarding in its own
 * thread with its own epoll set, so that neither JavaScript's garbage collector nor the analysis
 * ever delays a packet. Per ready socket it reads a batch with recvmmsg (with the DSCP of each
 * datagram, IP_RECVTOS / IPV6_RECVTCLASS, and the kernel's receive stamp, SO_TIMESTAMPNS), applies
 * the latching rules of src/proxy/media/latch.ts (the same table, test/proxy/latch-vectors.ts, is run
 * against latch_offer below through latchRun), and sends the accepted packets with sendmmsg from the
 * other side's socket, whose IP_TOS / IPV6_TCLASS was set once (EF by default).
 *
 * What JavaScript gets: one fixed-size record per accepted packet (session, side, RTP or RTCP, source,
 * local port, kernel stamp, DSCP, length, added delay = send time - kernel stamp, and a prefix of the
 * bytes: the RTP header and then some, RTCP up to RECORD_PREFIX), written into one of two buffers; a
 * uv_async wakes the main thread at most every NOTIFY_MS (or when half full), which swaps the buffers
 * and hands the full one over. When JavaScript is slow the records are dropped and counted, never the
 * forwarding.
 *
 * Sessions are opened, re-peered and closed from JavaScript under one mutex, which the loop holds
 * while it handles a batch of ready sockets; epoll events carry (slot, generation, socket), so an
 * event for a session closed meanwhile is recognised and skipped. Linux only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#define MAX_SESSIONS 16384
#define BATCH 32
#define RECORD_SIZE 320 /* prefix 272: a 30 ms G.711 packet (252 bytes) whole, with room for a header extension */
#define RECORD_HEAD 48
#define RECORD_PREFIX (RECORD_SIZE - RECORD_HEAD)
#define RECORDS 16384
#define NOTIFY_MS 10
#define MAX_PACKET 2048

typedef struct {
  struct sockaddr_storage addr; /* ss_family 0: none */
} endpoint_t;

/* one side's latch for RTP or RTCP: see latch.ts for the rules */
typedef struct {
  endpoint_t sdp;
  endpoint_t latched;
  int learning;
  int exact;
  int64_t window_start; /* ms, -1 until the first packet after setPeer */
} latch_t;

typedef struct {
  int fd[2]; /* RTP, RTCP */
  int port;
  int mux;
  latch_t rtp, rtcp;
} side_t;

typedef struct {
  int used;
  uint32_t gen;
  side_t side[2];
} session_t;

typedef struct {
  uint64_t received, forwarded, strict_drops, junk_drops, no_peer_drops, send_errors, records_dropped;
} counters_t;

typedef struct {
  napi_env env;
  napi_ref callback;
  napi_async_context async_ctx;
  uv_async_t async;
  pthread_t thread;
  pthread_mutex_t lock;     /* sessions and counters */
  pthread_mutex_t rec_lock; /* the record buffers */
  int epfd;
  volatile int running;
  int family;
  int tos;
  int64_t learn_ms;
  session_t *sessions;
  counters_t c;
  unsigned char *fill, *spare;
  size_t fill_count;
  int64_t last_notify_ms;
  int closed;
  int priority_wanted; /* 0 normal, 1 raised (nice -10), 2 realtime (SCHED_FIFO 1) */
  volatile int priority_got; /* what the thread obtained: -1 not yet, else as above */
} relay_t;

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- latching (latch.ts) ---------- */

static int same_endpoint(const endpoint_t *a, const struct sockaddr_storage *b) {
  if (a->addr.ss_family == 0 || a->addr.ss_family != b->ss_family) return 0;
  if (b->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)&a->addr, *y = (const struct sockaddr_in *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->addr, *y = (const struct sockaddr_in6 *)b;
  return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) return ((const struct sockaddr_in *)a)->sin_addr.s_addr == ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static void latch_init(latch_t *l) {
  memset(l, 0, sizeof *l);
  l->learning = 1; /* media may flow before its side's SDP is seen */
  l->window_start = -1;
}

static void latch_set_peer(latch_t *l, const struct sockaddr_storage *sdp, int64_t now) {
  if (sdp == NULL) memset(&l->sdp, 0, sizeof l->sdp);
  else l->sdp.addr = *sdp;
  l->learning = 1;
  l->exact = 0;
  l->window_start = l->latched.addr.ss_family != 0 ? now : -1;
  if (sdp != NULL && same_endpoint(&l->latched, sdp)) {
    l->learning = 0;
    l->exact = 1;
  }
}

/* host_mode 0: no constraint; 1: only `host` may latch besides the SDP endpoint; 2: none may (no RTP latched yet) */
static int latch_offer(latch_t *l, const struct sockaddr_storage *from, int64_t now, int64_t learn_ms, int host_mode, const struct sockaddr_storage *host) {
  if (l->learning && l->window_start >= 0 && now - l->window_start > learn_ms) l->learning = 0;
  if (!l->learning) return same_endpoint(&l->latched, from);
  if (same_endpoint(&l->sdp, from)) {
    if (l->window_start < 0) l->window_start = now;
    l->latched.addr = *from;
    l->learning = 0;
    l->exact = 1;
    return 1;
  }
  if (host_mode == 2) return 0;
  if (host_mode == 1 && !same_host(host, from)) return 0;
  if (l->window_start < 0) l->window_start = now;
  if (l->latched.addr.ss_family == 0) {
    l->latched.addr = *from;
    return 1;
  }
  return same_endpoint(&l->latched, from);
}

static const struct sockaddr_storage *latch_target(const latch_t *l) {
  if (l->latched.addr.ss_family != 0) return &l->latched.addr;
  if (l->sdp.addr.ss_family != 0) return &l->sdp.addr;
  return NULL;
}

/* ---------- records ---------- */

static void put_u16(unsigned char *p, unsigned v) { p[0] = v >> 8; p[1] = v & 255; }
static void put_u32(unsigned char *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

/* the record of one packet, big-endian fields: see native-relay.ts for the layout */
static void record(relay_t *r, uint32_t id, int side, int rtcp, int fwd, int dscp, const struct sockaddr_storage *from, int local_port,
                   const unsigned char *data, size_t len, const struct timespec *ts, int64_t added_ns) {
  pthread_mutex_lock(&r->rec_lock);
  if (r->fill_count >= RECORDS) {
    r->c.records_dropped++;
    pthread_mutex_unlock(&r->rec_lock);
    return;
  }
  /* written under the lock: the main thread swaps the buffers under it */
  unsigned char *p = r->fill + r->fill_count * RECORD_SIZE;
  r->fill_count++;
  size_t prefix = len < RECORD_PREFIX ? len : RECORD_PREFIX;
  memset(p, 0, RECORD_HEAD);
  put_u32(p, id);
  p[4] = (unsigned char)side;
  p[5] = (unsigned char)rtcp;
  p[6] = (unsigned char)fwd;
  p[7] = (unsigned char)(dscp < 0 ? 255 : dscp);
  if (from->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)from;
    put_u16(p + 8, ntohs(a->sin_port));
    memcpy(p + 32, &a->sin_addr, 4);
    p[28] = 4;
  } else {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)from;
    put_u16(p + 8, ntohs(a->sin6_port));
    memcpy(p + 32, &a->sin6_addr, 16);
    p[28] = 6;
  }
  put_u16(p + 10, (unsigned)local_port);
  put_u16(p + 12, (unsigned)len);
  put_u16(p + 14, (unsigned)prefix);
  put_u32(p + 16, (uint32_t)ts->tv_sec);
  put_u32(p + 20, (uint32_t)ts->tv_nsec);
  put_u32(p + 24, (uint32_t)(added_ns < 0 ? 0xffffffffu : added_ns > 0x7fffffff ? 0x7fffffff : added_ns));
  memcpy(p + RECORD_HEAD, data, prefix);
  pthread_mutex_unlock(&r->rec_lock);
}

/* ---------- the loop ---------- */

typedef struct {
  struct mmsghdr in[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  char control[BATCH][128];
  unsigned char data[BATCH][MAX_PACKET];
  struct mmsghdr out[BATCH];
  struct iovec oiov[BATCH];
  struct sockaddr_storage to[BATCH];
  int accepted[BATCH], rtcp[BATCH], dscp[BATCH], send_fd[BATCH];
  struct timespec stamp[BATCH];
} batch_t;

static int is_rtcp_on_mux(unsigned char b1) { return b1 >= 192 && b1 <= 223; }

static socklen_t addr_len(const struct sockaddr_storage *a) {
  return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* read what one socket holds, forward what the latch accepts, record it */
static void handle_socket(relay_t *r, batch_t *b, session_t *s, uint32_t id, int side, int on_rtcp_port) {
  side_t *me = &s->side[side], *peer = &s->side[1 - side];
  int fd = me->fd[on_rtcp_port];
  for (int round = 0; round < 8; round++) {
    for (int i = 0; i < BATCH; i++) {
      b->iov[i].iov_base = b->data[i];
      b->iov[i].iov_len = MAX_PACKET;
      memset(&b->in[i].msg_hdr, 0, sizeof b->in[i].msg_hdr);
      b->in[i].msg_hdr.msg_name = &b->from[i];
      b->in[i].msg_hdr.msg_namelen = sizeof b->from[i];
      b->in[i].msg_hdr.msg_iov = &b->iov[i];
      b->in[i].msg_hdr.msg_iovlen = 1;
      b->in[i].msg_hdr.msg_control = b->control[i];
      b->in[i].msg_hdr.msg_controllen = sizeof b->control[i];
    }
    int n = recvmmsg(fd, b->in, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    int64_t now = now_ms();
    int nout = 0;
    for (int i = 0; i < n; i++) {
      size_t len = b->in[i].msg_len;
      b->accepted[i] = 0;
      b->send_fd[i] = -1;
      b->dscp[i] = -1;
      b->stamp[i].tv_sec = 0;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&b->in[i].msg_hdr); c != NULL; c = CMSG_NXTHDR(&b->in[i].msg_hdr, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) b->dscp[i] = *(unsigned char *)CMSG_DATA(c) >> 2;
        else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) { int t; memcpy(&t, CMSG_DATA(c), sizeof t); b->dscp[i] = t >> 2; }
        else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) memcpy(&b->stamp[i], CMSG_DATA(c), sizeof b->stamp[i]);
      }
      if (b->stamp[i].tv_sec == 0) clock_gettime(CLOCK_REALTIME, &b->stamp[i]);
      r->c.received++;
      int rtcp = on_rtcp_port || (me->mux && len > 1 && is_rtcp_on_mux(b->data[i][1]));
      b->rtcp[i] = rtcp;
      if (len < (size_t)(rtcp ? 8 : 12) || (b->data[i][0] >> 6) != 2) { r->c.junk_drops++; continue; }
      int ok = rtcp ? latch_offer(&me->rtcp, &b->from[i], now, r->learn_ms, me->rtp.latched.addr.ss_family ? 1 : 2, &me->rtp.latched.addr)
                    : latch_offer(&me->rtp, &b->from[i], now, r->learn_ms, 0, NULL);
      if (!ok) { r->c.strict_drops++; continue; }
      b->accepted[i] = 1;
      const struct sockaddr_storage *target = rtcp ? (peer->mux ? (peer->rtcp.latched.addr.ss_family ? &peer->rtcp.latched.addr : latch_target(&peer->rtp)) : latch_target(&peer->rtcp))
                                                   : latch_target(&peer->rtp);
      if (target == NULL) { r->c.no_peer_drops++; continue; }
      b->send_fd[i] = peer->fd[rtcp && !peer->mux ? 1 : 0];
      b->to[nout] = *target;
      b->oiov[nout].iov_base = b->data[i];
      b->oiov[nout].iov_len = len;
      memset(&b->out[nout].msg_hdr, 0, sizeof b->out[nout].msg_hdr);
      b->out[nout].msg_hdr.msg_name = &b->to[nout];
      b->out[nout].msg_hdr.msg_namelen = addr_len(target);
      b->out[nout].msg_hdr.msg_iov = &b->oiov[nout];
      b->out[nout].msg_hdr.msg_iovlen = 1;
      nout++;
    }
    /* the packets go out in runs that share a sending socket (RTP and RTCP of a muxed peer may alternate) */
    int k = 0, pi = 0;
    int sent_ok[BATCH];
    for (int i = 0; i < n; i++) if (b->send_fd[i] >= 0) sent_ok[pi++] = 0;
    pi = 0;
    int order[BATCH];
    for (int i = 0; i < n; i++) if (b->send_fd[i] >= 0) order[pi++] = i;
    while (k < nout) {
      int sfd = b->send_fd[order[k]];
      int run = 1;
      while (k + run < nout && b->send_fd[order[k + run]] == sfd) run++;
      int done = 0;
      while (done < run) {
        int m = sendmmsg(sfd, b->out + k + done, (unsigned)(run - done), MSG_DONTWAIT);
        if (m <= 0) { r->c.send_errors += (uint64_t)(run - done); break; }
        for (int j = 0; j < m; j++) sent_ok[k + done + j] = 1;
        done += m;
      }
      k += run;
    }
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    pi = 0;
    for (int i = 0; i < n; i++) {
      if (!b->accepted[i]) continue;
      int fwd = 0;
      if (b->send_fd[i] >= 0) fwd = sent_ok[pi++];
      if (fwd) r->c.forwarded++;
      int64_t added = fwd ? (int64_t)(after.tv_sec - b->stamp[i].tv_sec) * 1000000000LL + (after.tv_nsec - b->stamp[i].tv_nsec) : -1;
      record(r, id, side, b->rtcp[i], fwd, b->dscp[i], &b->from[i], me->port + on_rtcp_port, b->data[i], b->in[i].msg_len, &b->stamp[i], added);
    }
    if (n < BATCH) return;
  }
}

/*
 * The forwarding thread's share of the CPU. On two cores shared with the analysis (JavaScript) and
 * whatever else runs, a packet waits for this thread to be scheduled: that wait, not the forwarding,
 * is the proxy's p99 added latency under load. Realtime (SCHED_FIFO, lowest priority) lets the thread
 * run the moment a packet arrives; the kernel's RT throttling (sched_rt_runtime_us) still leaves the
 * rest of the machine 5 % of each core under a flood, and the thread sleeps in epoll_wait otherwise.
 * Without the privilege (CAP_SYS_NICE) it falls back to nice -10, then to normal: what it got is
 * reported (counters().priority), never an error.
 */
static void set_priority(relay_t *r) {
  /* named so that top -H, ps -L and the tests find it */
  pthread_setname_np(pthread_self(), "vr-rtp-relay");
  int got = 0;
  if (r->priority_wanted >= 2) {
    struct sched_param sp = { .sched_priority = 1 };
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0) got = 2;
  }
  if (got == 0 && r->priority_wanted >= 1) {
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -10) == 0) got = 1;
  }
  r->priority_got = got;
}

static void *loop(void *arg) {
  relay_t *r = arg;
  set_priority(r);
  batch_t *b = malloc(sizeof *b);
  struct epoll_event evs[256];
  while (r->running) {
    int n = epoll_wait(r->epfd, evs, 256, NOTIFY_MS);
    if (n > 0) {
      pthread_mutex_lock(&r->lock);
      for (int e = 0; e < n; e++) {
        uint64_t d = evs[e].data.u64;
        uint32_t gen = (uint32_t)(d >> 32), slot = (uint32_t)(d & 0xffffffffu) >> 2, which = (uint32_t)d & 3;
        if (slot >= MAX_SESSIONS) continue;
        session_t *s = &r->sessions[slot];
        if (!s->used || s->gen != gen) continue; /* closed meanwhile */
        handle_socket(r, b, s, slot + gen * (uint32_t)MAX_SESSIONS, (int)(which >> 1), (int)(which & 1));
      }
      pthread_mutex_unlock(&r->lock);
    }
    int64_t now = now_ms();
    pthread_mutex_lock(&r->rec_lock);
    size_t pending = r->fill_count;
    pthread_mutex_unlock(&r->rec_lock);
    if (pending > 0 && (now - r->last_notify_ms >= NOTIFY_MS || pending >= RECORDS / 2)) {
      r->last_notify_ms = now;
      uv_async_send(&r->async);
    }
  }
  free(b);
  return NULL;
}

/* main thread: take the full buffer and hand it to JavaScript */
static void on_async(uv_async_t *h) {
  relay_t *r = h->data;
  if (r->closed) return;
  pthread_mutex_lock(&r->rec_lock);
  unsigned char *full = r->fill;
  size_t count = r->fill_count;
  r->fill = r->spare;
  r->spare = full;
  r->fill_count = 0;
  pthread_mutex_unlock(&r->rec_lock);
  if (count == 0) return;
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[2], cb, global, result;
  void *copy = NULL;
  napi_create_buffer_copy(env, count * RECORD_SIZE, full, &copy, &argv[0]);
  napi_create_uint32(env, (uint32_t)count, &argv[1]);
  napi_get_reference_value(env, r->callback, &cb);
  napi_get_global(env, &global);
  napi_make_callback(env, r->async_ctx, global, cb, 2, argv, &result);
  napi_close_handle_scope(env, scope);
}

/* ---------- JavaScript API ---------- */

static relay_t *get_relay(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL || ((relay_t *)p)->closed) {
    napi_throw_error(env, NULL, "not an open relay handle");
    return NULL;
  }
  return p;
}

static void finalize_noop(napi_env env, void *data, void *hint) { (void)env; (void)data; (void)hint; }

static int parse_addr(napi_env env, int family, napi_value addr_v, napi_value port_v, struct sockaddr_storage *sa) {
  char addr[INET6_ADDRSTRLEN + 1];
  size_t got = 0;
  int32_t port = 0;
  if (napi_get_value_string_utf8(env, addr_v, addr, sizeof addr, &got) != napi_ok) return -1;
  if (napi_get_value_int32(env, port_v, &port) != napi_ok || port < 0 || port > 65535) return -1;
  memset(sa, 0, sizeof *sa);
  if (family == 6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    return inet_pton(AF_INET6, addr, &a->sin6_addr) == 1 ? 0 : -1;
  }
  struct sockaddr_in *a = (struct sockaddr_in *)sa;
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, addr, &a->sin_addr) == 1 ? 0 : -1;
}

/* create(family, tos, learnMs, callback(records, count), priority) */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay_t *r = calloc(1, sizeof *r);
  int32_t family = 4, tos = 0;
  int64_t learn = 3000;
  CHECK(napi_get_value_int32(env, argv[0], &family));
  CHECK(napi_get_value_int32(env, argv[1], &tos));
  CHECK(napi_get_value_int64(env, argv[2], &learn));
  int32_t priority = 0;
  if (argc >= 5) CHECK(napi_get_value_int32(env, argv[4], &priority));
  r->priority_wanted = priority;
  r->priority_got = -1;
  r->env = env;
  r->family = family == 6 ? 6 : 4;
  r->tos = tos;
  r->learn_ms = learn;
  r->sessions = calloc(MAX_SESSIONS, sizeof *r->sessions);
  r->fill = malloc(RECORDS * RECORD_SIZE);
  r->spare = malloc(RECORDS * RECORD_SIZE);
  r->epfd = epoll_create1(EPOLL_CLOEXEC);
  pthread_mutex_init(&r->lock, NULL);
  pthread_mutex_init(&r->rec_lock, NULL);
  CHECK(napi_create_reference(env, argv[3], 1, &r->callback));
  napi_value name;
  CHECK(napi_create_string_utf8(env, "voipready:rtp_relay", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &r->async_ctx));
  uv_loop_t *uvloop = NULL;
  CHECK(napi_get_uv_event_loop(env, &uvloop));
  uv_async_init(uvloop, &r->async, on_async);
  r->async.data = r;
  uv_unref((uv_handle_t *)&r->async);
  r->running = 1;
  if (pthread_create(&r->thread, NULL, loop, r) != 0) {
    napi_throw_error(env, NULL, "pthread_create failed");
    return NULL;
  }
  napi_value handle;
  CHECK(napi_create_external(env, r, finalize_noop, NULL, &handle));
  return handle;
}

static int open_socket(relay_t *r, const char *bind_addr, int port) {
  struct sockaddr_storage sa;
  memset(&sa, 0, sizeof sa);
  socklen_t len;
  if (r->family == 6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, bind_addr, &a->sin6_addr) != 1) { errno = EINVAL; return -1; }
    len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&sa;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, bind_addr, &a->sin_addr) != 1) { errno = EINVAL; return -1; }
    len = sizeof *a;
  }
  int fd = socket(r->family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int on = 1;
  if (r->family == 6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof on);
    setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &r->tos, sizeof r->tos);
  } else {
    setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &on, sizeof on);
    setsockopt(fd, IPPROTO_IP, IP_TOS, &r->tos, sizeof r->tos);
  }
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  if (bind(fd, (struct sockaddr *)&sa, len) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

/* open(h, bindAddress, portA, portB, rtcpMux) -> session id; throws "EADDRINUSE ..." when a port is taken */
static napi_value open_session(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay_t *r = get_relay(env, argv[0]);
  if (r == NULL) return NULL;
  char bind_addr[INET6_ADDRSTRLEN + 1];
  size_t got;
  int32_t pa, pb;
  bool mux;
  CHECK(napi_get_value_string_utf8(env, argv[1], bind_addr, sizeof bind_addr, &got));
  CHECK(napi_get_value_int32(env, argv[2], &pa));
  CHECK(napi_get_value_int32(env, argv[3], &pb));
  CHECK(napi_get_value_bool(env, argv[4], &mux));
  int fds[4] = { -1, -1, -1, -1 };
  int ports[4] = { pa, pa + 1, pb, pb + 1 };
  for (int i = 0; i < 4; i++) {
    fds[i] = open_socket(r, bind_addr, ports[i]);
    if (fds[i] < 0) {
      char msg[160];
      snprintf(msg, sizeof msg, "%s binding %s:%d", errno == EADDRINUSE ? "EADDRINUSE" : strerror(errno), bind_addr, ports[i]);
      for (int j = 0; j < i; j++) close(fds[j]);
      napi_throw_error(env, errno == EADDRINUSE ? "EADDRINUSE" : "EBIND", msg);
      return NULL;
    }
  }
  pthread_mutex_lock(&r->lock);
  int slot = -1;
  for (int i = 0; i < MAX_SESSIONS; i++) if (!r->sessions[i].used) { slot = i; break; }
  if (slot < 0) {
    pthread_mutex_unlock(&r->lock);
    for (int j = 0; j < 4; j++) close(fds[j]);
    napi_throw_error(env, "EFULL", "relay session table full");
    return NULL;
  }
  session_t *s = &r->sessions[slot];
  uint32_t gen = s->gen;
  memset(s->side, 0, sizeof s->side);
  for (int side = 0; side < 2; side++) {
    s->side[side].fd[0] = fds[side * 2];
    s->side[side].fd[1] = fds[side * 2 + 1];
    s->side[side].port = side == 0 ? pa : pb;
    s->side[side].mux = mux;
    latch_init(&s->side[side].rtp);
    latch_init(&s->side[side].rtcp);
  }
  s->used = 1;
  for (uint32_t which = 0; which < 4; which++) {
    struct epoll_event ev = { .events = EPOLLIN };
    ev.data.u64 = ((uint64_t)gen << 32) | ((uint64_t)slot << 2) | which;
    epoll_ctl(r->epfd, EPOLL_CTL_ADD, fds[which], &ev);
  }
  pthread_mutex_unlock(&r->lock);
  napi_value result;
  CHECK(napi_create_uint32(env, (uint32_t)slot + gen * (uint32_t)MAX_SESSIONS, &result));
  return result;
}

static session_t *session_of(relay_t *r, uint32_t id) {
  uint32_t slot = id % MAX_SESSIONS, gen = id / MAX_SESSIONS;
  session_t *s = &r->sessions[slot];
  return s->used && s->gen == gen ? s : NULL;
}

/* setPeer(h, id, side, rtpAddr, rtpPort, rtcpAddr, rtcpPort, mux); an address "" or port 0: none */
static napi_value set_peer(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay_t *r = get_relay(env, argv[0]);
  if (r == NULL) return NULL;
  uint32_t id, side;
  int32_t rtp_port, rtcp_port;
  bool mux;
  CHECK(napi_get_value_uint32(env, argv[1], &id));
  CHECK(napi_get_value_uint32(env, argv[2], &side));
  CHECK(napi_get_value_int32(env, argv[4], &rtp_port));
  CHECK(napi_get_value_int32(env, argv[6], &rtcp_port));
  CHECK(napi_get_value_bool(env, argv[7], &mux));
  struct sockaddr_storage rtp, rtcp;
  int has_rtp = rtp_port > 0 && parse_addr(env, r->family, argv[3], argv[4], &rtp) == 0;
  int has_rtcp = rtcp_port > 0 && parse_addr(env, r->family, argv[5], argv[6], &rtcp) == 0;
  int64_t now = now_ms();
  pthread_mutex_lock(&r->lock);
  session_t *s = session_of(r, id);
  if (s != NULL && side < 2) {
    side_t *sd = &s->side[side];
    sd->mux = mux;
    latch_set_peer(&sd->rtp, has_rtp ? &rtp : NULL, now);
    latch_set_peer(&sd->rtcp, has_rtcp ? &rtcp : NULL, now);
  }
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

/* latched(h, id) -> [addrA, portA, addrB, portB] ("" when none) */
static napi_value latched(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay_t *r = get_relay(env, argv[0]);
  if (r == NULL) return NULL;
  uint32_t id;
  CHECK(napi_get_value_uint32(env, argv[1], &id));
  napi_value arr;
  CHECK(napi_create_array_with_length(env, 4, &arr));
  pthread_mutex_lock(&r->lock);
  session_t *s = session_of(r, id);
  for (int side = 0; side < 2; side++) {
    char text[INET6_ADDRSTRLEN] = "";
    int port = 0;
    if (s != NULL) {
      const struct sockaddr_storage *a = &s->side[side].rtp.latched.addr;
      if (a->ss_family == AF_INET) { inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, text, sizeof text); port = ntohs(((const struct sockaddr_in *)a)->sin_port); }
      else if (a->ss_family == AF_INET6) { inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, text, sizeof text); port = ntohs(((const struct sockaddr_in6 *)a)->sin6_port); }
    }
    napi_value t, p;
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &t);
    napi_create_int32(env, port, &p);
    napi_set_element(env, arr, side * 2, t);
    napi_set_element(env, arr, side * 2 + 1, p);
  }
  pthread_mutex_unlock(&r->lock);
  return arr;
}

static napi_value close_session(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay_t *r = get_relay(env, argv[0]);
  if (r == NULL) return NULL;
  uint32_t id;
  CHECK(napi_get_value_uint32(env, argv[1], &id));
  pthread_mutex_lock(&r->lock);
  session_t *s = session_of(r, id);
  if (s != NULL) {
    for (int side = 0; side < 2; side++) {
      for (int k = 0; k < 2; k++) {
        epoll_ctl(r->epfd, EPOLL_CTL_DEL, s->side[side].fd[k], NULL);
        close(s->side[side].fd[k]);
      }
    }
    s->used = 0;
    s->gen++;
  }
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

static napi_value counters(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay_t *r = get_relay(env, argv[0]);
  if (r == NULL) return NULL;
  pthread_mutex_lock(&r->lock);
  counters_t c = r->c;
  pthread_mutex_unlock(&r->lock);
  pthread_mutex_lock(&r->rec_lock);
  c.records_dropped = r->c.records_dropped;
  pthread_mutex_unlock(&r->rec_lock);
  napi_value o, v;
  CHECK(napi_create_object(env, &o));
#define FIELD(name, val) napi_create_double(env, (double)(val), &v); napi_set_named_property(env, o, name, v)
  FIELD("received", c.received);
  FIELD("forwarded", c.forwarded);
  FIELD("strictDrops", c.strict_drops);
  FIELD("junkDrops", c.junk_drops);
  FIELD("noPeerDrops", c.no_peer_drops);
  FIELD("sendErrors", c.send_errors);
  FIELD("recordsDropped", c.records_dropped);
  FIELD("priority", r->priority_got);
#undef FIELD
  return o;
}

static void on_async_closed(uv_handle_t *h) {
  relay_t *r = h->data;
  free(r->fill);
  free(r->spare);
  free(r->sessions);
  /* r itself stays: the external may still be referenced from JavaScript (closed is set) */
}

/* destroy(h): stop and join the loop, close every socket */
static napi_value destroy(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay_t *r = get_relay(env, argv[0]);
  if (r == NULL) return NULL;
  on_async(&r->async); /* the last records */
  r->running = 0;
  pthread_join(r->thread, NULL);
  on_async(&r->async);
  r->closed = 1;
  for (int i = 0; i < MAX_SESSIONS; i++) {
    session_t *s = &r->sessions[i];
    if (!s->used) continue;
    for (int side = 0; side < 2; side++) for (int k = 0; k < 2; k++) close(s->side[side].fd[k]);
    s->used = 0;
  }
  close(r->epfd);
  napi_delete_reference(env, r->callback);
  napi_async_destroy(env, r->async_ctx);
  uv_close((uv_handle_t *)&r->async, on_async_closed);
  return NULL;
}

/*
 * latchRun(learnMs, steps): the C latch over one vector of test/proxy/latch-vectors.ts. Each step is
 * [t, kind (0 setPeer, 1 packet), address ("" none), port, hostMode (0 none, 1 given, 2 null), hostAddress];
 * returns [accepted (1/0, -1 for setPeer), "addr:port" latched or ""] per step.
 */
static napi_value latch_run(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t learn;
  CHECK(napi_get_value_int64(env, argv[0], &learn));
  uint32_t n;
  CHECK(napi_get_array_length(env, argv[1], &n));
  latch_t l;
  latch_init(&l);
  napi_value out;
  CHECK(napi_create_array_with_length(env, n * 2, &out));
  for (uint32_t i = 0; i < n; i++) {
    napi_value step, f[6];
    CHECK(napi_get_element(env, argv[1], i, &step));
    for (uint32_t k = 0; k < 6; k++) CHECK(napi_get_element(env, step, k, &f[k]));
    int64_t t;
    int32_t kind, port, host_mode;
    CHECK(napi_get_value_int64(env, f[0], &t));
    CHECK(napi_get_value_int32(env, f[1], &kind));
    CHECK(napi_get_value_int32(env, f[3], &port));
    CHECK(napi_get_value_int32(env, f[4], &host_mode));
    struct sockaddr_storage a, host;
    int has = parse_addr(env, 4, f[2], f[3], &a) == 0;
    napi_value zero;
    napi_create_int32(env, 0, &zero);
    parse_addr(env, 4, f[5], zero, &host);
    int verdict = -1;
    if (kind == 0) latch_set_peer(&l, has ? &a : NULL, t);
    else verdict = latch_offer(&l, &a, t, learn, host_mode, &host);
    char text[INET6_ADDRSTRLEN + 8] = "";
    if (l.latched.addr.ss_family == AF_INET) {
      char ip[INET6_ADDRSTRLEN];
      const struct sockaddr_in *x = (const struct sockaddr_in *)&l.latched.addr;
      inet_ntop(AF_INET, &x->sin_addr, ip, sizeof ip);
      snprintf(text, sizeof text, "%s:%d", ip, ntohs(x->sin_port));
    }
    napi_value v, s;
    napi_create_int32(env, verdict, &v);
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, out, i * 2, v);
    napi_set_element(env, out, i * 2 + 1, s);
  }
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "create", NULL, create, NULL, NULL, NULL, napi_default, NULL },
    { "open", NULL, open_session, NULL, NULL, NULL, napi_default, NULL },
    { "setPeer", NULL, set_peer, NULL, NULL, NULL, napi_default, NULL },
    { "latched", NULL, latched, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, close_session, NULL, NULL, NULL, napi_default, NULL },
    { "counters", NULL, counters, NULL, NULL, NULL, napi_default, NULL },
    { "destroy", NULL, destroy, NULL, NULL, NULL, napi_default, NULL },
    { "latchRun", NULL, latch_run, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
