//go:build unix

package main

import "syscall"

// withUmask runs f with the process umask set to mask, so files f creates never
// exist, even briefly, with wider permissions. The umask is process-wide: serve
// calls this before it starts any goroutine.
func withUmask(mask int, f func() error) error {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	return f()
}
