/*
 * A UDP socket that can do what Node's dgram cannot: set the DSCP (IP_TOS / IPV6_TCLASS) of each
 * datagram sent and read the DSCP and the kernel receive timestamp of each datagram received
 * (IP_RECVTOS / IPV6_RECVTCLASS, SO_TIMESTAMPNS). Linux only. The socket is non-blocking and
 * polled by libuv on Node's own event loop, so it behaves like a dgram socket.
 *
 * JS API (wrapped by src/probe/tos-socket.ts):
 *   create(family 4|6, onMessage(buf, tos, address, port, sec, nsec, ttl)) -> handle   (tos/ttl -1: unknown)
 *   bind(handle, address, port) -> bound port
 *   send(handle, buf, address, port, tos) -> bytes sent (throws on error)
 *   close(handle)
 *   now() -> [sec, nsec] of CLOCK_REALTIME (the clock of the receive timestamps)
 *   clockState() -> { synchronised, maxErrorUs, estErrorUs } from ntp_adjtime (RFC 8762's S bit and error estimate)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

typedef struct {
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  uv_poll_t poll;
  int fd;
  int family;
  int tos;
  int closed;
} tos_socket;

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static napi_value throw_errno(napi_env env, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static tos_socket *get_socket(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "not a socket handle");
    return NULL;
  }
  return (tos_socket *)p;
}

static void deliver(tos_socket *s, const char *data, ssize_t n, int tos, int ttl, struct sockaddr_storage *from, struct timespec *ts) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[7], cb, global, result;
  void *copy = NULL;
  napi_create_buffer_copy(env, (size_t)n, data, &copy, &argv[0]);
  napi_create_int32(env, tos, &argv[1]);
  char addr[INET6_ADDRSTRLEN] = "";
  int port = 0;
  if (from->ss_family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)from;
    inet_ntop(AF_INET, &a->sin_addr, addr, sizeof addr);
    port = ntohs(a->sin_port);
  } else if (from->ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)from;
    inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof addr);
    port = ntohs(a->sin6_port);
  }
  napi_create_string_utf8(env, addr, NAPI_AUTO_LENGTH, &argv[2]);
  napi_create_int32(env, port, &argv[3]);
  napi_create_double(env, (double)ts->tv_sec, &argv[4]);
  napi_create_double(env, (double)ts->tv_nsec, &argv[5]);
  napi_create_int32(env, ttl, &argv[6]);
  napi_get_reference_value(env, s->callback, &cb);
  napi_get_global(env, &global);
  napi_make_callback(env, s->async, global, cb, 7, argv, &result);
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  tos_socket *s = (tos_socket *)handle->data;
  if (status < 0 || !(events & UV_READABLE) || s->closed) return;
  char data[65536];
  char control[256];
  for (int i = 0; i < 64 && !s->closed; i++) {
    struct sockaddr_storage from;
    struct iovec iov = { data, sizeof data };
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
    if (n < 0) return; /* EAGAIN: drained; other errors (ICMP unreachable) are not the reader's concern */
    int tos = -1, ttl = -1;
    struct timespec ts = { 0, 0 };
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) tos = *(unsigned char *)CMSG_DATA(c);
      else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) memcpy(&tos, CMSG_DATA(c), sizeof tos);
      else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) memcpy(&ts, CMSG_DATA(c), sizeof ts);
    }
    if (ts.tv_sec == 0) clock_gettime(CLOCK_REALTIME, &ts);
    deliver(s, data, n, tos, ttl, &from, &ts);
  }
}

static void finalize_noop(napi_env env, void *data, void *hint) {
  (void)env; (void)data; (void)hint;
}

static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t family = 4;
  CHECK(napi_get_value_int32(env, argv[0], &family));
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  int on = 1;
  if (family == 6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof on);
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
  } else {
    setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &on, sizeof on);
    setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
  }
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  tos_socket *s = calloc(1, sizeof *s);
  s->env = env;
  s->fd = fd;
  s->family = family;
  s->tos = 0;
  CHECK(napi_create_reference(env, argv[1], 1, &s->callback));
  napi_value name;
  CHECK(napi_create_string_utf8(env, "voipready:udp_tos", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &s->async));
  uv_loop_t *loop = NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  uv_poll_init(loop, &s->poll, fd);
  s->poll.data = s;
  napi_value handle;
  CHECK(napi_create_external(env, s, finalize_noop, NULL, &handle));
  return handle;
}

static int fill_address(napi_env env, tos_socket *s, napi_value addr_v, napi_value port_v, struct sockaddr_storage *sa, socklen_t *len) {
  char addr[INET6_ADDRSTRLEN + 1];
  size_t got = 0;
  int32_t port = 0;
  if (napi_get_value_string_utf8(env, addr_v, addr, sizeof addr, &got) != napi_ok) return -1;
  if (napi_get_value_int32(env, port_v, &port) != napi_ok) return -1;
  memset(sa, 0, sizeof *sa);
  if (s->family == 6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, got == 0 ? "::" : addr, &a->sin6_addr) != 1) return -1;
    *len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)sa;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, got == 0 ? "0.0.0.0" : addr, &a->sin_addr) != 1) return -1;
    *len = sizeof *a;
  }
  return 0;
}

static napi_value bind_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tos_socket *s = get_socket(env, argv[0]);
  if (s == NULL) return NULL;
  struct sockaddr_storage sa;
  socklen_t len;
  if (fill_address(env, s, argv[1], argv[2], &sa, &len) != 0) {
    napi_throw_type_error(env, NULL, "bad address or port");
    return NULL;
  }
  int on = 1;
  setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (bind(s->fd, (struct sockaddr *)&sa, len) != 0) return throw_errno(env, "bind");
  uv_poll_start(&s->poll, UV_READABLE, on_readable);
  len = sizeof sa;
  getsockname(s->fd, (struct sockaddr *)&sa, &len);
  int port = sa.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&sa)->sin6_port) : ntohs(((struct sockaddr_in *)&sa)->sin_port);
  napi_value result;
  CHECK(napi_create_int32(env, port, &result));
  return result;
}

static napi_value send_datagram(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tos_socket *s = get_socket(env, argv[0]);
  if (s == NULL) return NULL;
  void *data = NULL;
  size_t n = 0;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &n));
  struct sockaddr_storage sa;
  socklen_t len;
  if (fill_address(env, s, argv[2], argv[3], &sa, &len) != 0) {
    napi_throw_type_error(env, NULL, "bad address or port");
    return NULL;
  }
  int32_t tos = 0;
  CHECK(napi_get_value_int32(env, argv[4], &tos));
  if (tos != s->tos) {
    int rc = s->family == 6 ? setsockopt(s->fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos)
                            : setsockopt(s->fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
    if (rc != 0) return throw_errno(env, "setsockopt(IP_TOS)");
    s->tos = tos;
  }
  ssize_t sent = sendto(s->fd, data, n, 0, (struct sockaddr *)&sa, len);
  if (sent < 0) return throw_errno(env, "sendto");
  napi_value result;
  CHECK(napi_create_int32(env, (int32_t)sent, &result));
  return result;
}

static void on_closed(uv_handle_t *handle) {
  tos_socket *s = (tos_socket *)handle->data;
  close(s->fd);
  free(s);
}

static napi_value close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tos_socket *s = get_socket(env, argv[0]);
  if (s == NULL || s->closed) return NULL;
  s->closed = 1;
  napi_delete_reference(env, s->callback);
  napi_async_destroy(env, s->async);
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_closed);
  return NULL;
}

static napi_value now(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  napi_value arr, sec, nsec;
  CHECK(napi_create_array_with_length(env, 2, &arr));
  CHECK(napi_create_double(env, (double)ts.tv_sec, &sec));
  CHECK(napi_create_double(env, (double)ts.tv_nsec, &nsec));
  CHECK(napi_set_element(env, arr, 0, sec));
  CHECK(napi_set_element(env, arr, 1, nsec));
  return arr;
}

static napi_value clock_state(napi_env env, napi_callback_info info) {
  (void)info;
  struct timex tx;
  memset(&tx, 0, sizeof tx);
  int state = ntp_adjtime(&tx);
  napi_value obj, v;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_get_boolean(env, state != TIME_ERROR && !(tx.status & STA_UNSYNC), &v));
  CHECK(napi_set_named_property(env, obj, "synchronised", v));
  CHECK(napi_create_double(env, (double)tx.maxerror, &v));
  CHECK(napi_set_named_property(env, obj, "maxErrorUs", v));
  CHECK(napi_create_double(env, (double)tx.esterror, &v));
  CHECK(napi_set_named_property(env, obj, "estErrorUs", v));
  return obj;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "create", NULL, create, NULL, NULL, NULL, napi_default, NULL },
    { "bind", NULL, bind_socket, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, send_datagram, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, close_socket, NULL, NULL, NULL, napi_default, NULL },
    { "now", NULL, now, NULL, NULL, NULL, napi_default, NULL },
    { "clockState", NULL, clock_state, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
