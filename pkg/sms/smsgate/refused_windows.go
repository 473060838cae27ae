package smsgate

import "golang.org/x/sys/windows"

// errConnRefused is how Windows' sockets say a connection was refused: syscall.ECONNREFUSED there
// is a number Go made up, which no socket call returns.
const errConnRefused = windows.WSAECONNREFUSED
