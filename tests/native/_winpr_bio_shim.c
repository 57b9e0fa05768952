/*
 * Test-only stand-in for the fix WinPR's Schannel needs on OpenSSL >= 1.1 (2.11 and
 * master alike): schannel_openssl_client_init()/server_init() call
 * BIO_set_write_buf_size() and BIO_make_bio_pair() on BIO_s_mem() BIOs, which only
 * BIO_s_bio() supports. Both fail, the init frees the SSL object but keeps the pointer,
 * its -1 is ignored, and SSL_connect() on the freed object crashes the process.
 *
 * Loaded with LD_PRELOAD, this BIO_ctrl() answers those two requests on memory BIOs with
 * success and does nothing, which leaves what the rest of WinPR's code expects: two
 * independent memory BIOs (SSL reads the peer's bytes from bioRead and writes its own to
 * bioWrite). Everything else goes to OpenSSL's BIO_ctrl().
 *
 * Build: cc -shared -fPIC -o bio_shim.so _winpr_bio_shim.c -ldl -lcrypto
 * (libcrypto must be linked so RTLD_NEXT finds OpenSSL's BIO_ctrl).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <openssl/bio.h>

typedef long (*bio_ctrl_fn)(BIO *, int, long, void *);

long BIO_ctrl(BIO *b, int cmd, long larg, void *parg)
{
	static bio_ctrl_fn real;
	if (!real)
		real = (bio_ctrl_fn)dlsym(RTLD_NEXT, "BIO_ctrl");
	if ((cmd == BIO_C_SET_WRITE_BUF_SIZE || cmd == BIO_C_MAKE_BIO_PAIR) && b &&
	    BIO_method_type(b) == BIO_TYPE_MEM)
		return 1;
	return real(b, cmd, larg, parg);
}
