// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A QNX-style resource manager with its own attribute and OCB structures
 * (IOFUNC_ATTR_T / IOFUNC_OCB_T defined before <sys/iofunc.h>, an
 * iofunc_mount_t whose funcs allocate the larger OCB), two /dev nodes on one
 * dispatch, a pulse_attach()ed code and a message_attach()ed range: written
 * from QNX 7's "Writing a Resource Manager" ("Extending the OCB and
 * attribute structures") and library reference.
 *
 * "make -C lib check" builds it with nothing but pkg-config's flags
 * (libchan-resmgr; -m32: compiled only, Debian has no 32-bit libfuse3).
 * Run with --dry it stops before resmgr_attach, which needs /dev/cuse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dev_attr;
struct dev_ocb;
#define IOFUNC_ATTR_T	struct dev_attr
#define IOFUNC_OCB_T	struct dev_ocb
#include <sys/iofunc.h>
#include <sys/dispatch.h>
#include <devctl.h>

struct dev_attr {
	iofunc_attr_t	attr;		/* first, as QNX requires */
	int		unit;
};

struct dev_ocb {
	iofunc_ocb_t	ocb;		/* first */
	char		line[32];
};

#define DEV_GETUNIT	__DIOF(_DCMD_MISC, 1, int)
#define CODE_TICK	(_PULSE_CODE_MINAVAIL + 3)

static int ticks;

static struct dev_ocb *dev_ocb_calloc(resmgr_context_t *ctp, struct dev_attr *attr)
{
	struct dev_ocb *o = calloc(1, sizeof(*o));

	(void)ctp;
	if (o)
		snprintf(o->line, sizeof(o->line), "unit %d\n", attr->unit);
	return o;
}

static void dev_ocb_free(struct dev_ocb *o)
{
	free(o);
}

static int dev_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *o)
{
	int ret = iofunc_read_verify(ctp, msg, &o->ocb, NULL);
	size_t len, nb;

	if (ret != EOK)
		return ret;
	len = strlen(o->line);
	if (o->ocb.offset >= (off_t)len)
		return _RESMGR_NPARTS(0);
	nb = min(len - (size_t)o->ocb.offset, msg->i.nbytes);
	_IO_SET_READ_NBYTES(ctp, nb);
	o->ocb.offset += nb;
	return _RESMGR_PTR(ctp, o->line + o->ocb.offset - nb, nb);
}

static int dev_devctl(resmgr_context_t *ctp, io_devctl_t *msg, RESMGR_OCB_T *o)
{
	int ret = iofunc_devctl_default(ctp, msg, &o->ocb);
	int unit;

	if (ret != (int)_RESMGR_DEFAULT)
		return ret;
	if (msg->i.dcmd != DEV_GETUNIT)
		return ENOTTY;
	unit = o->ocb.attr->unit;
	memset(&msg->o, 0, sizeof(msg->o));
	msg->o.nbytes = sizeof(unit);
	memcpy(_DEVCTL_DATA(msg->o), &unit, sizeof(unit));
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o) + sizeof(unit));
}

static int on_tick(message_context_t *ctp, int code, unsigned flags, void *handle)
{
	(void)ctp;
	(void)code;
	(void)flags;
	(void)handle;
	ticks++;
	return 0;
}

static int on_private(message_context_t *ctp, int type, unsigned flags, void *handle)
{
	(void)type;
	(void)flags;
	(void)handle;
	return MsgReply(ctp->rcvid, ticks, NULL, 0);
}

int main(int argc, char *argv[])
{
	static iofunc_funcs_t ocb_funcs = { _IOFUNC_NFUNCS, dev_ocb_calloc, dev_ocb_free,
					      NULL, NULL, NULL };
	static iofunc_mount_t mount = { 0, 0, 0, 0, &ocb_funcs, NULL };
	static struct dev_attr attrs[2];
	static const char *const paths[2] = { "/dev/qchan-unit0", "/dev/qchan-unit1" };
	resmgr_connect_funcs_t connect_funcs;
	resmgr_io_funcs_t io_funcs;
	resmgr_attr_t rattr;
	dispatch_context_t *ctp;
	dispatch_t *dpp;
	int dry = argc > 1 && !strcmp(argv[1], "--dry");
	int i;

	dpp = dispatch_create_channel(-1, DISPATCH_FLAG_NOLOCK);
	if (!dpp) {
		perror("dispatch_create_channel");
		return EXIT_FAILURE;
	}
	memset(&rattr, 0, sizeof(rattr));
	rattr.nparts_max = 2;
	rattr.msg_max_size = 4096;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs, _RESMGR_IO_NFUNCS, &io_funcs);
	io_funcs.read = dev_read;
	io_funcs.devctl = dev_devctl;
	if (pulse_attach(dpp, 0, CODE_TICK, on_tick, NULL) != CODE_TICK ||
	    message_attach(dpp, &rattr, _IO_MAX + 1, _IO_MAX + 16, on_private, NULL) == -1) {
		perror("pulse_attach/message_attach");
		return EXIT_FAILURE;
	}
	/* The I/O range is the resource manager's own. */
	if (message_attach(dpp, NULL, _IO_READ, _IO_READ, on_private, NULL) != -1 ||
	    errno != EINVAL) {
		fprintf(stderr, "message_attach took the I/O range\n");
		return EXIT_FAILURE;
	}
	for (i = 0; i < 2; i++) {
		iofunc_attr_init(&attrs[i].attr, S_IFCHR | 0666, NULL, NULL);
		attrs[i].attr.mount = &mount;
		attrs[i].unit = i;
		if (dry)
			continue;
		if (resmgr_attach(dpp, &rattr, paths[i], _FTYPE_ANY, 0, &connect_funcs, &io_funcs,
				  &attrs[i]) == -1) {
			perror("resmgr_attach");
			return EXIT_FAILURE;
		}
	}
	/* Only /dev nodes can be reached from Linux programs so far. */
	if (resmgr_attach(dpp, &rattr, "/tmp/qchan-nodev", _FTYPE_ANY, 0, &connect_funcs,
			  &io_funcs, &attrs[0]) != -1 || errno != ENOTSUP) {
		fprintf(stderr, "resmgr_attach outside /dev did not fail with ENOTSUP\n");
		return EXIT_FAILURE;
	}
	ctp = dispatch_context_alloc(dpp);
	if (!ctp) {
		perror("dispatch_context_alloc");
		return EXIT_FAILURE;
	}
	if (dry) {
		dispatch_context_free(ctp);
		dispatch_destroy(dpp);
		printf("resmgr_ocb: dry run OK\n");
		return EXIT_SUCCESS;
	}
	for (;;) {
		if (!dispatch_block(ctp)) {
			perror("dispatch_block");
			return EXIT_FAILURE;
		}
		dispatch_handler(ctp);
	}
}
