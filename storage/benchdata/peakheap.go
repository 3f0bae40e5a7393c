package benchdata

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// PeakHeap samples the live heap while fn runs and returns the highest figure seen,
// in bytes: what a memory target (doctor, export) is about. It starts from a
// collected heap, so what the caller held before counts only as it is still live.
// runtime/metrics is read without stopping the world, so sampling every
// millisecond does not distort the figure it measures.
func PeakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var mu sync.Mutex
	read := func() {
		metrics.Read(sample)
		mu.Lock()
		peak = max(peak, sample[0].Value.Uint64())
		mu.Unlock()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	defer func() { close(done); wg.Wait() }() // also when fn fails the test
	fn()
	read()
	mu.Lock()
	defer mu.Unlock()
	return peak
}
