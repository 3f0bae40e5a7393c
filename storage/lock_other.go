//go:build !unix

package storage

import "time"

func checkUnlocked(path string, _ bool, _ time.Duration) error { return Check(path) }
