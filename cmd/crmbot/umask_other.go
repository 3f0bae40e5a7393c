//go:build !unix

package main

// withUmask runs f: there is no umask here; listenAdmin's chmod is all there is.
func withUmask(mask int, f func() error) error { return f() }
