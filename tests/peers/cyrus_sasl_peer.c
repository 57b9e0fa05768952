/*
 * A Cyrus SASL peer for the WDigest interop tests (DIGEST-MD5,
 * tests/digest/sasl_interop_test.ts) and the SASL profile tests (GSSAPI and
 * GSS-SPNEGO over MIT krb5, tests/sasl/), driven by tests/peers/cyrus_sasl_peer.ts.
 *
 * Build: gcc -rdynamic -o cyrus_sasl_peer cyrus_sasl_peer.c -lsasl2 -ldl
 * Needs the DIGEST-MD5 plugin (Debian: libsasl2-modules); GSSAPI and GSS-SPNEGO
 * need libsasl2-modules-gssapi-mit, with KRB5_CONFIG, KRB5CCNAME (client) and
 * KRB5_KTNAME (server) in the environment.
 *
 * 3DES and OpenSSL 3: Cyrus' init_3des() refuses a key when DES_key_sched()
 * returns < 0, and OpenSSL 3's DES_key_sched() returns -1 for a key without odd
 * parity (it still computes the schedule). The keys DIGEST-MD5 derives
 * (RFC 2831 2.4: 7 bytes spread over 8, low bits 0) never have odd parity, so
 * Cyrus built against OpenSSL 3 (Debian 12) cannot do 3des at all: "failed to
 * init cipher '3des'". With des_parity_fix=1 this program exports its own
 * DES_key_sched() (hence -rdynamic), which computes the schedule like
 * OpenSSL and returns 0, so Cyrus' own 3des code runs unchanged otherwise.
 * Without it, calls go to OpenSSL's DES_key_sched().
 *
 * Usage: cyrus_sasl_peer client|server key=value...
 *   mech=DIGEST-MD5 (or GSSAPI, GSS-SPNEGO)
 *   service=imap host=localhost realm=example.com user=chris pass=secret
 *   authzid=      (client: authorization id; empty = none)
 *   min_ssf=0 max_ssf=256 maxbuf=65536
 *   success_data=1 (server: rspauth comes with SASL_OK, not a CONTINUE)
 *   des_parity_fix=0 (see above)
 * The server knows exactly one user (user/pass); the password reaches the
 * DIGEST-MD5 plugin through an in-process auxprop plugin ("peer"), so no
 * sasldb is needed.
 *
 * Line protocol (stdin -> stdout, one line each; payloads base64, possibly ""):
 *   START          -> CONTINUE <b64> | OK <b64> | FAIL <code> <detail>
 *                     (client: sasl_client_start; server: sasl_server_start)
 *   STEP <b64>     -> CONTINUE <b64> | OK <b64> | FAIL <code> <detail>
 *   SSF            -> SSF <n>        (negotiated security strength factor)
 *   MAXOUTBUF      -> MAXOUTBUF <n>
 *   USER           -> USER <b64>     (SASL_USERNAME)
 *   ENCODE <b64>   -> DATA <b64>     (sasl_encode: 4-byte big-endian length + wire)
 *   DECODE <b64>   -> DATA <b64>     (sasl_decode: takes the length-prefixed form)
 *                     | FAIL <code> <detail>
 *   QUIT           -> exits
 * A fatal setup error prints "FAIL <code> <detail>" and exits 2.
 */
#include <sasl/sasl.h>
#include <sasl/saslplug.h>
#include <sasl/saslutil.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt_mech = "DIGEST-MD5";
static const char *opt_service = "imap";
static const char *opt_host = "localhost";
static const char *opt_realm = "";
static const char *opt_user = "";
static const char *opt_pass = "";
static const char *opt_authzid = "";
static unsigned opt_min_ssf = 0, opt_max_ssf = 256, opt_maxbuf = 65536;
static int opt_success_data = 1;
static int opt_des_parity_fix = 0;
static sasl_conn_t *conn;
static int is_server;

/* ---- base64 ------------------------------------------------------------ */

static void put_b64(const char *tag, const char *data, unsigned len) {
  unsigned cap = len * 4 / 3 + 8, outlen = 0;
  char *out = malloc(cap);
  if (!out || sasl_encode64(data, len, out, cap, &outlen) != SASL_OK) {
    printf("FAIL %d base64\n", SASL_NOMEM);
  } else {
    printf("%s %.*s\n", tag, (int)outlen, out);
  }
  free(out);
  fflush(stdout);
}

static char *get_b64(const char *in, unsigned *len) {
  unsigned inlen = strlen(in), cap = inlen * 3 / 4 + 8;
  char *out = malloc(cap);
  *len = 0;
  if (!out) return NULL;
  if (inlen == 0) return out;
  if (sasl_decode64(in, inlen, out, cap, len) != SASL_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static void fail(int code) {
  const char *d = conn ? sasl_errdetail(conn) : sasl_errstring(code, NULL, NULL);
  printf("FAIL %d %s\n", code, d ? d : "");
  fflush(stdout);
}

/* ---- callbacks ----------------------------------------------------------- */

static int getopt_cb(void *ctx, const char *plugin, const char *option,
                     const char **result, unsigned *len) {
  (void)ctx;
  (void)plugin;
  if (!strcmp(option, "mech_list")) *result = opt_mech;
  else if (!strcmp(option, "auxprop_plugin")) *result = "peer";
  else if (!strcmp(option, "log_level")) *result = "0";
  else return SASL_FAIL;
  if (len) *len = strlen(*result);
  return SASL_OK;
}

static int log_cb(void *ctx, int level, const char *message) {
  (void)ctx;
  if (level <= SASL_LOG_ERR) fprintf(stderr, "cyrus: %s\n", message);
  return SASL_OK;
}

static int simple_cb(void *ctx, int id, const char **result, unsigned *len) {
  (void)ctx;
  if (id == SASL_CB_AUTHNAME) *result = opt_user;
  else if (id == SASL_CB_USER) *result = opt_authzid;
  else return SASL_BADPARAM;
  if (len) *len = strlen(*result);
  return SASL_OK;
}

static int pass_cb(sasl_conn_t *c, void *ctx, int id, sasl_secret_t **psecret) {
  static sasl_secret_t *secret;
  size_t n = strlen(opt_pass);
  (void)c;
  (void)ctx;
  (void)id;
  if (!secret) {
    secret = malloc(sizeof(sasl_secret_t) + n);
    if (!secret) return SASL_NOMEM;
    secret->len = n;
    memcpy(secret->data, opt_pass, n + 1);
  }
  *psecret = secret;
  return SASL_OK;
}

static int realm_cb(void *ctx, int id, const char **avail, const char **result) {
  (void)ctx;
  (void)id;
  *result = opt_realm[0] ? opt_realm : (avail && avail[0] ? avail[0] : "");
  return SASL_OK;
}

/* ---- the auxprop plugin: one user, its plaintext password ----------------- */

static int peer_lookup(void *glob, sasl_server_params_t *sparams,
                       unsigned flags, const char *user, unsigned ulen) {
  const struct propval *cur;
  unsigned n = ulen;
  (void)glob;
  if (flags & SASL_AUXPROP_AUTHZID) return SASL_OK;
  /* Cyrus passes "user@realm" when a realm is in use. */
  for (unsigned i = 0; i < ulen; i++) {
    if (user[i] == '@') {
      n = i;
      break;
    }
  }
  if (n != strlen(opt_user) || strncmp(user, opt_user, n)) return SASL_NOUSER;
  for (cur = sparams->utils->prop_get(sparams->propctx); cur && cur->name;
       cur++) {
    if (strcmp(cur->name, "*" SASL_AUX_PASSWORD_PROP)) continue;
    if (cur->values) {
      if (!(flags & SASL_AUXPROP_OVERRIDE)) continue;
      sparams->utils->prop_erase(sparams->propctx, cur->name);
    }
    sparams->utils->prop_set(sparams->propctx, cur->name, opt_pass,
                             (unsigned)strlen(opt_pass));
  }
  return SASL_OK;
}

static sasl_auxprop_plug_t peer_plug = {
    0, 0, NULL, NULL, peer_lookup, "peer", NULL,
};

static int peer_auxprop_init(const sasl_utils_t *utils, int max_version,
                             int *out_version, sasl_auxprop_plug_t **plug,
                             const char *plugname) {
  (void)utils;
  (void)plugname;
  if (max_version < SASL_AUXPROP_PLUG_VERSION) return SASL_BADVERS;
  *out_version = SASL_AUXPROP_PLUG_VERSION;
  *plug = &peer_plug;
  return SASL_OK;
}

/* ---- DES_key_sched interposer (see the header comment) ------------------- */

int DES_key_sched(const unsigned char (*key)[8], void *schedule);
int DES_key_sched(const unsigned char (*key)[8], void *schedule) {
  static void *crypto;
  if (!crypto) crypto = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_GLOBAL);
  if (!crypto) return -1;
  if (opt_des_parity_fix) {
    void (*unchecked)(const unsigned char (*)[8], void *) =
        (void (*)(const unsigned char (*)[8], void *))dlsym(
            crypto, "DES_set_key_unchecked");
    if (!unchecked) return -1;
    unchecked(key, schedule);
    return 0;
  }
  int (*real)(const unsigned char (*)[8], void *) =
      (int (*)(const unsigned char (*)[8], void *))dlsym(crypto,
                                                          "DES_key_sched");
  return real ? real(key, schedule) : -1;
}

/* ---- main ---------------------------------------------------------------- */

typedef int (*cb_fn)(void);

static sasl_callback_t callbacks[] = {
    {SASL_CB_GETOPT, (cb_fn)(void (*)(void))getopt_cb, NULL},
    {SASL_CB_LOG, (cb_fn)(void (*)(void))log_cb, NULL},
    {SASL_CB_AUTHNAME, (cb_fn)(void (*)(void))simple_cb, NULL},
    {SASL_CB_USER, (cb_fn)(void (*)(void))simple_cb, NULL},
    {SASL_CB_PASS, (cb_fn)(void (*)(void))pass_cb, NULL},
    {SASL_CB_GETREALM, (cb_fn)(void (*)(void))realm_cb, NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};

static void reply_step(int r, const char *out, unsigned outlen) {
  if (r == SASL_OK) put_b64("OK", out ? out : "", out ? outlen : 0);
  else if (r == SASL_CONTINUE) put_b64("CONTINUE", out ? out : "", out ? outlen : 0);
  else fail(r);
}

int main(int argc, char **argv) {
  int r;
  if (argc < 2 || (strcmp(argv[1], "client") && strcmp(argv[1], "server"))) {
    fprintf(stderr, "usage: %s client|server key=value...\n", argv[0]);
    return 2;
  }
  is_server = !strcmp(argv[1], "server");
  for (int i = 2; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) continue;
    *eq = 0;
    const char *k = argv[i], *v = eq + 1;
    if (!strcmp(k, "mech")) opt_mech = v;
    else if (!strcmp(k, "service")) opt_service = v;
    else if (!strcmp(k, "host")) opt_host = v;
    else if (!strcmp(k, "realm")) opt_realm = v;
    else if (!strcmp(k, "user")) opt_user = v;
    else if (!strcmp(k, "pass")) opt_pass = v;
    else if (!strcmp(k, "authzid")) opt_authzid = v;
    else if (!strcmp(k, "min_ssf")) opt_min_ssf = atoi(v);
    else if (!strcmp(k, "max_ssf")) opt_max_ssf = atoi(v);
    else if (!strcmp(k, "maxbuf")) opt_maxbuf = atoi(v);
    else if (!strcmp(k, "success_data")) opt_success_data = atoi(v);
    else if (!strcmp(k, "des_parity_fix")) opt_des_parity_fix = atoi(v);
  }

  if (is_server) {
    r = sasl_server_init(callbacks, "cyrus_sasl_peer");
    if (r == SASL_OK) r = sasl_auxprop_add_plugin("peer", peer_auxprop_init);
    if (r == SASL_OK)
      r = sasl_server_new(opt_service, opt_host, opt_realm[0] ? opt_realm : NULL,
                          NULL, NULL, callbacks,
                          opt_success_data ? SASL_SUCCESS_DATA : 0, &conn);
  } else {
    r = sasl_client_init(callbacks);
    if (r == SASL_OK)
      r = sasl_client_new(opt_service, opt_host, NULL, NULL, callbacks, 0, &conn);
  }
  if (r != SASL_OK) {
    fail(r);
    return 2;
  }
  sasl_security_properties_t props;
  memset(&props, 0, sizeof props);
  props.min_ssf = opt_min_ssf;
  props.max_ssf = opt_max_ssf;
  props.maxbufsize = opt_maxbuf;
  r = sasl_setprop(conn, SASL_SEC_PROPS, &props);
  if (r != SASL_OK) {
    fail(r);
    return 2;
  }

  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) > 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    char *arg = strchr(line, ' ');
    if (arg) *arg++ = 0;
    else arg = line + n;
    const char *out = NULL;
    unsigned outlen = 0, inlen = 0;

    if (!strcmp(line, "QUIT")) break;
    if (!strcmp(line, "START")) {
      if (is_server) {
        r = sasl_server_start(conn, opt_mech, NULL, 0, &out, &outlen);
      } else {
        const char *mech = NULL;
        r = sasl_client_start(conn, opt_mech, NULL, &out, &outlen, &mech);
      }
      reply_step(r, out, outlen);
    } else if (!strcmp(line, "STEP")) {
      char *in = get_b64(arg, &inlen);
      if (!in) {
        printf("FAIL %d bad base64\n", SASL_BADPARAM);
        fflush(stdout);
        continue;
      }
      if (is_server)
        r = sasl_server_step(conn, in, inlen, &out, &outlen);
      else
        r = sasl_client_step(conn, in, inlen, NULL, &out, &outlen);
      free(in);
      reply_step(r, out, outlen);
    } else if (!strcmp(line, "SSF") || !strcmp(line, "MAXOUTBUF")) {
      const void *p = NULL;
      int ssf = !strcmp(line, "SSF");
      r = sasl_getprop(conn, ssf ? SASL_SSF : SASL_MAXOUTBUF, &p);
      if (r != SASL_OK) fail(r);
      else {
        printf("%s %u\n", line, *(const unsigned *)p);
        fflush(stdout);
      }
    } else if (!strcmp(line, "USER")) {
      const void *p = NULL;
      r = sasl_getprop(conn, SASL_USERNAME, &p);
      if (r != SASL_OK) fail(r);
      else put_b64("USER", p ? p : "", p ? strlen(p) : 0);
    } else if (!strcmp(line, "ENCODE") || !strcmp(line, "DECODE")) {
      char *in = get_b64(arg, &inlen);
      if (!in) {
        printf("FAIL %d bad base64\n", SASL_BADPARAM);
        fflush(stdout);
        continue;
      }
      if (line[0] == 'E')
        r = sasl_encode(conn, in, inlen, &out, &outlen);
      else
        r = sasl_decode(conn, in, inlen, &out, &outlen);
      free(in);
      if (r != SASL_OK) fail(r);
      else put_b64("DATA", out ? out : "", out ? outlen : 0);
    } else {
      printf("FAIL %d unknown command\n", SASL_BADPARAM);
      fflush(stdout);
    }
  }
  free(line);
  sasl_dispose(&conn);
  if (is_server) sasl_server_done();
  else sasl_client_done();
  return 0;
}
