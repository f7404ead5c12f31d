// SPDX-License-Identifier: GPL-2.0
/* mymod: the module of ksymtrace's CI recipe (tests/examples/README.md). Writing
 * /sys/module/mymod/parameters/poke calls mymod_poke(), which returns 0 for a
 * number and -EINVAL for anything else; reading it does not call it. */
#include <linux/module.h>
#include <linux/moduleparam.h>

static int poke;

static int mymod_poke(const char *val, const struct kernel_param *kp)
{
	return param_set_int(val, kp);
}

static const struct kernel_param_ops poke_ops = { .set = mymod_poke, .get = param_get_int };
module_param_cb(poke, &poke_ops, &poke, 0644);
MODULE_DESCRIPTION("ksymtrace's CI recipe: a parameter whose setter is traced");
MODULE_LICENSE("GPL");
