// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The thread-pool resource manager of QNX 7's "Writing a Resource Manager"
 * ("Multithreaded resource managers"), in its usual shape: the pool typed
 * by THREAD_POOL_PARAM_T, dispatch_* as the pool's functions,
 * POOL_FLAG_EXIT_SELF, and a read handler that unlocks the attribute while
 * it works so that other threads serve other clients meanwhile.
 *
 * "make -C lib check" builds it with nothing but pkg-config's flags
 * (libchan-resmgr; -m32: compiled only). Run with --dry it stops before
 * dispatch_create, which needs /dev/qchan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREAD_POOL_PARAM_T	dispatch_context_t
#include <sys/iofunc.h>
#include <sys/dispatch.h>

static resmgr_connect_funcs_t connect_funcs;
static resmgr_io_funcs_t io_funcs;
static iofunc_attr_t attr;

static int io_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	static const char text[] = "served by a pool thread\n";
	int status = iofunc_read_verify(ctp, msg, ocb, NULL);
	int nbytes;

	if (status != EOK)
		return status;
	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
		return ENOSYS;
	/* The slow part runs unlocked: other threads may serve this attr meanwhile. */
	iofunc_attr_unlock(ocb->attr);
	usleep(1000);
	iofunc_attr_lock(ocb->attr);
	nbytes = (int)sizeof(text) - 1 - (int)ocb->offset;
	if (nbytes <= 0)
		return _RESMGR_NPARTS(0);
	if ((unsigned)nbytes > msg->i.nbytes)
		nbytes = (int)msg->i.nbytes;
	_IO_SET_READ_NBYTES(ctp, nbytes);
	SETIOV(ctp->iov, text + ocb->offset, nbytes);
	ocb->offset += nbytes;
	return _RESMGR_NPARTS(1);
}

int main(int argc, char **argv)
{
	thread_pool_attr_t pool_attr;
	resmgr_attr_t resmgr_attr;
	thread_pool_t *tpp;
	dispatch_t *dpp;

	if (argc > 1 && !strcmp(argv[1], "--dry"))
		return EXIT_SUCCESS;
	dpp = dispatch_create();
	if (!dpp) {
		fprintf(stderr, "%s: Unable to allocate dispatch handle.\n", argv[0]);
		return EXIT_FAILURE;
	}
	memset(&resmgr_attr, 0, sizeof(resmgr_attr));
	resmgr_attr.nparts_max = 1;
	resmgr_attr.msg_max_size = 2048;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs, _RESMGR_IO_NFUNCS, &io_funcs);
	io_funcs.read = io_read;
	iofunc_attr_init(&attr, S_IFCHR | 0666, NULL, NULL);
	if (resmgr_attach(dpp, &resmgr_attr, "/dev/qnx-pool-example", _FTYPE_ANY, 0,
			  &connect_funcs, &io_funcs, &attr) == -1) {
		fprintf(stderr, "%s: Unable to attach name: %s\n", argv[0], strerror(errno));
		return EXIT_FAILURE;
	}
	memset(&pool_attr, 0, sizeof(pool_attr));
	pool_attr.handle = dpp;
	pool_attr.context_alloc = dispatch_context_alloc;
	pool_attr.block_func = dispatch_block;
	pool_attr.unblock_func = dispatch_unblock;
	pool_attr.handler_func = dispatch_handler;
	pool_attr.context_free = dispatch_context_free;
	pool_attr.lo_water = 2;
	pool_attr.hi_water = 4;
	pool_attr.increment = 1;
	pool_attr.maximum = 50;
	tpp = thread_pool_create(&pool_attr, POOL_FLAG_EXIT_SELF);
	if (!tpp) {
		fprintf(stderr, "%s: Unable to initialize thread pool.\n", argv[0]);
		return EXIT_FAILURE;
	}
	thread_pool_start(tpp);		/* does not return: POOL_FLAG_EXIT_SELF */
	return EXIT_SUCCESS;
}
