package handler

import (
	"sync/atomic"
	"syscall"

	"goredis/lib/logger"
)

// reservedFDs is what Redis keeps for itself beyond maxclients (its
// CONFIG_MIN_RESERVED_FDS): listeners, files, peer connections.
const reservedFDs = 32

// warnedFor is the descriptor need last warned about.
var warnedFor atomic.Uint64

// warnDescriptorLimit tells, as Redis does at startup, when the open files
// limit is below maxclients plus the reserve. Unlike Redis, maxclients is
// not lowered to fit: the accept loop backs off while no descriptor is
// free and clients beyond the limit are accepted once one is.
func warnDescriptorLimit(maxClients int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	need := uint64(maxClients) + reservedFDs
	if lim.Cur >= need || warnedFor.Swap(need) == need {
		return // enough, or told already (tests make many handlers)
	}
	logger.Warningf("You requested maxclients of %d requiring at least %d max file descriptors.", maxClients, need)
	logger.Warningf("Current maximum open files is %d. maxclients is kept: clients beyond what the descriptors allow wait to be accepted until one is free. If you need higher maxclients increase 'ulimit -n'.", lim.Cur)
}
