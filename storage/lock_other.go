//go:build !unix

package storage

import (
	"os"
	"time"
)

func checkUnlocked(path string, _ bool, _ time.Duration) error {
	if err := Check(path); err != nil {
		return err
	}
	return scanSmall(path)
}

// LockFile is a no-op where flock is not available.
func LockFile(string) (func(), error) { return func() {}, nil }

// lockShared is a no-op where flock is not available.
func lockShared(*os.File, string) (func(), error) { return func() {}, nil }
