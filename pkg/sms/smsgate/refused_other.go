//go:build !windows

package smsgate

import "syscall"

// errConnRefused is the errno of a refused connection.
const errConnRefused = syscall.ECONNREFUSED
