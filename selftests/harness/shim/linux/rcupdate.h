/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: kernel RCU on liburcu (memb flavour).  Every thread that
 * reads under RCU or calls call_rcu() registers with rcu_register_thread().
 */
#ifndef _SHIM_LINUX_RCUPDATE_H
#define _SHIM_LINUX_RCUPDATE_H

#include <urcu.h>

#define rcu_dereference_raw(p) rcu_dereference(p)
#define rcu_dereference_protected(p, cond) rcu_dereference(p)
#define rcu_dereference_check(p, cond) rcu_dereference(p)
#define RCU_INIT_POINTER(p, v)	do { (p) = (v); } while (0)

#endif
