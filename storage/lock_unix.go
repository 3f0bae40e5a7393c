//go:build unix

package storage

import (
	"errors"
	"os"
	"syscall"
	"time"

	berrors "go.etcd.io/bbolt/errors"
)

// checkUnlocked runs Check while holding a shared lock on the file, so that Check
// never reads pages a running crmbot is rewriting: when a writer holds the file, it
// says "in use" at once. bbolt takes its own lock right after; the lock is released
// first because flock locks of one process on two descriptors exclude each other.
func checkUnlocked(path string, readOnly bool, timeout time.Duration) error {
	f, err := os.Open(path)
	if err != nil {
		return Check(path) // missing or unreadable: Check says which
	}
	defer f.Close()
	how := syscall.LOCK_EX
	if readOnly {
		how = syscall.LOCK_SH
	}
	// Wait for the lock as bbolt does: polling, up to timeout.
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
		if time.Now().After(deadline) {
			return inUse(path, berrors.ErrTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if err := Check(path); err != nil {
		return err
	}
	return scanSmall(path)
}

// lockShared takes a shared lock on f, the lock a read-only open takes, so that a
// page scan never reads a file a running crmbot is rewriting (it would see pages of
// different transactions and report damage that is not there). It fails at once
// when a writer holds the file.
func lockShared(f *os.File, path string) (unlock func(), err error) {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, inUse(path, berrors.ErrTimeout)
		}
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }, nil
}

// LockFile takes the lock a running crmbot holds on its database file, without
// opening it as a database: restore uses it on a target that may be damaged. It
// fails at once when the file is in use.
func LockFile(path string) (unlock func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, inUse(path, berrors.ErrTimeout)
		}
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
