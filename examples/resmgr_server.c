// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A QNX resource manager, written as for QNX: /dev/qchan-example holds a
 * line of text; cat shows it, echo replaces it, "quit" ends the manager.
 * Built with libchan-resmgr (pkg-config libchan-resmgr); Linux programs reach
 * it through the CUSE device it creates (needs /dev/cuse: modprobe cuse).
 *
 *	resmgr_server [PATH]		(default /dev/qchan-example)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/iofunc.h>
#include <sys/dispatch.h>

static char text[256] = "hello from a QNX resource manager\n";
static int quit;

static int io_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	int status = iofunc_read_verify(ctp, msg, ocb, NULL);
	size_t len = strlen(text), nb;

	if (status != EOK)
		return status;
	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
		return ENOSYS;
	/* Each open reads the text once, then EOF: the OCB keeps the offset. */
	if (ocb->offset >= (off_t)len)
		return _RESMGR_NPARTS(0);
	nb = len - (size_t)ocb->offset;
	if (nb > msg->i.nbytes)
		nb = msg->i.nbytes;
	_IO_SET_READ_NBYTES(ctp, nb);
	SETIOV(ctp->iov, text + ocb->offset, nb);
	ocb->offset += nb;
	ocb->attr->flags |= IOFUNC_ATTR_ATIME;
	return _RESMGR_NPARTS(1);
}

static int io_write(resmgr_context_t *ctp, io_write_t *msg, RESMGR_OCB_T *ocb)
{
	int status = iofunc_write_verify(ctp, msg, ocb, NULL);
	size_t nb;

	if (status != EOK)
		return status;
	nb = msg->i.nbytes < sizeof(text) - 1 ? msg->i.nbytes : sizeof(text) - 1;
	/* The data follows the header: in the receive buffer, or read from the client. */
	if (resmgr_msgget(ctp, text, nb, sizeof(msg->i)) == -1)
		return errno;
	text[nb] = '\0';
	if (!strcmp(text, "quit\n"))
		quit = 1;
	_IO_SET_WRITE_NBYTES(ctp, msg->i.nbytes);
	ocb->attr->flags |= IOFUNC_ATTR_MTIME | IOFUNC_ATTR_CTIME;
	return _RESMGR_NPARTS(0);
}

int main(int argc, char *argv[])
{
	const char *path = argc > 1 ? argv[1] : "/dev/qchan-example";
	resmgr_connect_funcs_t connect_funcs;
	resmgr_io_funcs_t io_funcs;
	iofunc_attr_t attr;
	dispatch_context_t *ctp;
	dispatch_t *dpp;
	int id;

	dpp = dispatch_create();
	if (!dpp) {
		perror("dispatch_create");
		return EXIT_FAILURE;
	}
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs, _RESMGR_IO_NFUNCS, &io_funcs);
	io_funcs.read = io_read;
	io_funcs.write = io_write;
	iofunc_attr_init(&attr, S_IFCHR | 0666, NULL, NULL);
	id = resmgr_attach(dpp, NULL, path, _FTYPE_ANY, 0, &connect_funcs, &io_funcs, &attr);
	if (id == -1) {
		perror("resmgr_attach");
		return EXIT_FAILURE;
	}
	ctp = dispatch_context_alloc(dpp);
	if (!ctp) {
		perror("dispatch_context_alloc");
		return EXIT_FAILURE;
	}
	printf("resmgr_server: serving %s\n", path);
	fflush(stdout);
	while (!quit) {
		if (!dispatch_block(ctp)) {
			perror("dispatch_block");
			return EXIT_FAILURE;
		}
		dispatch_handler(ctp);
	}
	resmgr_detach(dpp, id, 0);
	dispatch_context_free(ctp);
	dispatch_destroy(dpp);
	printf("resmgr_server: quit\n");
	return EXIT_SUCCESS;
}
